import Foundation
import Synchronization
import TestSupport
import Testing

/// `kill -9` at a random moment while many clients push: after a restart on the same persistence file, every push
/// that got a 200 is there, and at most the requests in flight at the kill are there besides.
@Suite("Crash", .enabled(if: AcceptanceEnvironment.binary != nil))
struct CrashAcceptanceTests {
    static let token = "crash-token"
    static let clientsPerMetric = 6
    static let counter = "delivery_deployment_started_total{target_env=\"gprd\"}"
    static let histogramCount =
        "delivery_deployment_duration_seconds_count{deployment_type=\"coordinator_pipeline\",status=\"success\"}"

    /// What the clients of one round were told.
    struct Round {
        var counterAcks = 0
        var histogramAcks = 0
    }

    static func copy(_ file: String, arguments: [String] = []) throws -> ServedCopy {
        try ServedCopy(
            environment: [
                "AUTH_TOKEN": token, "DELIVERY_METRICS_PERSISTENCE_FILE": file, "DELIVERY_METRICS_ACCESS_LOG": "false",
            ],
            arguments: arguments
        )
    }

    /// The 200s the client threads counted.
    final class Acks: Sendable {
        let counter = Atomic<Int>(0)
        let histogram = Atomic<Int>(0)
    }

    /// Pushes on keep-alive connections until the server dies; counts the 200s per metric.
    static func pushUntilKilled(
        port: Int,
        killAfterMilliseconds: Int,
        copy: ServedCopy,
        whilePushing: () throws -> Void = {}
    ) throws -> Round {
        let acks = Acks()
        let finished = DispatchGroup()
        for index in 0..<(2 * clientsPerMetric) {
            finished.enter()
            let isCounter = index % 2 == 0
            Thread.detachNewThread {
                defer { finished.leave() }
                guard let client = try? RawHTTPClient(port: port, timeoutSeconds: 5) else { return }
                let body = isCounter ? "labels=gprd" : "labels=coordinator_pipeline,success&value=14400"
                let path = isCounter ? "deployment_started_total/inc" : "deployment_duration_seconds/observe"
                let request =
                    "POST /api/\(path) HTTP/1.1\r\nHost: t\r\nX-Private-Token: \(token)\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                while true {
                    guard (try? client.send(request)) != nil,
                        let response = try? client.readResponse(), response.status == 200
                    else { return }
                    if isCounter {
                        acks.counter.add(1, ordering: .relaxed)
                    } else {
                        acks.histogram.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        let started = Date()
        try whilePushing()
        let left = Double(killAfterMilliseconds) / 1000 - Date().timeIntervalSince(started)
        if left > 0 { usleep(UInt32(left * 1_000_000)) }
        copy.kill()
        finished.wait()
        return Round(
            counterAcks: acks.counter.load(ordering: .relaxed),
            histogramAcks: acks.histogram.load(ordering: .relaxed)
        )
    }

    static func sample(_ name: String, in exposition: String) -> Double {
        for line in exposition.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "") ?? -1
        }
        return 0
    }

    static func exposition(_ port: Int) throws -> String {
        let client = try RawHTTPClient(port: port)
        try client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
        return try client.readResponse()?.text ?? ""
    }

    @Test func everyAcknowledgedPushSurvivesKill9() async throws {
        try await Self.crashRounds(arguments: [], intruder: false)
    }

    /// The same, with snapshots every 30 ms (so the kill often lands while one is written) and a second process
    /// trying to start on the same file during each round: it must exit 2 and take nothing from the owner.
    @Test func everyAcknowledgedPushSurvivesKill9DuringSnapshotsAndASecondStart() async throws {
        try await Self.crashRounds(arguments: ["-persistence-interval", "30ms"], intruder: true)
    }

    /// Starts a second process on `file` while the owner runs: it must refuse with exit 2 and name the owner.
    static func intrude(on file: String, owner: ServedCopy) throws {
        let (status, logged) = try PersistenceAcceptanceTests.runToExit(
            [AcceptanceEnvironment.binary!],
            environment: ["AUTH_TOKEN": token, "DELIVERY_METRICS_PERSISTENCE_FILE": file]
        )
        #expect(status == 2, "a second process on the same file: \(logged)")
        #expect(logged.contains("pid \(owner.process.processIdentifier)"), "\(logged)")
    }

    static func crashRounds(arguments: [String], intruder: Bool) async throws {
        try await onOwnThread {
            let folder =
                NSTemporaryDirectory() + "delivery-metrics-crash-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let file = folder + "/state"
            var counter = 0.0
            var histogram = 0.0
            for killAfter in [150, 400, 275, 700].map({ $0 + Int.random(in: 0..<100) }) {
                let copy = try Self.copy(file, arguments: arguments)
                let round = try Self.pushUntilKilled(port: copy.port, killAfterMilliseconds: killAfter, copy: copy) {
                    // While the clients push: the second process must fail before the owner is killed.
                    if intruder { try Self.intrude(on: file, owner: copy) }
                }
                #expect(round.counterAcks > 0 && round.histogramAcks > 0, "no push acknowledged before the kill")

                let restarted = try Self.copy(file, arguments: arguments)
                defer { restarted.kill() }
                let text = try Self.exposition(restarted.port)
                let newCounter = Self.sample(Self.counter, in: text)
                let newHistogram = Self.sample(Self.histogramCount, in: text)
                let inFlight = Double(Self.clientsPerMetric)
                #expect(newCounter - counter >= Double(round.counterAcks), "lost acknowledged increments")
                #expect(newCounter - counter <= Double(round.counterAcks) + inFlight, "more than was sent")
                #expect(newHistogram - histogram >= Double(round.histogramAcks), "lost acknowledged observations")
                #expect(newHistogram - histogram <= Double(round.histogramAcks) + inFlight, "more than was sent")
                print(
                    "crash round\(intruder ? " (snapshots every 30 ms, a second process started)" : ""): kill -9 after \(killAfter) ms; acknowledged \(round.counterAcks) increments and "
                        + "\(round.histogramAcks) observations; restored \(Int(newCounter - counter)) and "
                        + "\(Int(newHistogram - histogram))"
                )
                counter = newCounter
                histogram = newHistogram
                restarted.kill()
            }
        }
    }
}
