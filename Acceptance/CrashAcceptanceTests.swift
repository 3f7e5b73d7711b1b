import Foundation
import Synchronization
import TestSupport
import Testing

/// `kill -9` at a random moment while many clients push: after a restart on the same persistence file, every push
/// that got a 200 is there, and at most the requests in flight at the kill are there besides. Beside the catalogue's
/// pushes, Pushgateway clients put a new group each push, or put one and delete it: every group acknowledged with 200
/// is back, and every one whose delete got 202 stays gone.
@Suite("Crash", .enabled(if: AcceptanceEnvironment.binary != nil))
struct CrashAcceptanceTests {
    static let token = "crash-token"
    static let clientsPerMetric = 6
    /// Pushgateway clients of each kind: one putting a new group each push, one putting a group and deleting it.
    static let groupClients = 2
    static let counter = "delivery_deployment_started_total{target_env=\"gprd\"}"
    static let histogramCount =
        "delivery_deployment_duration_seconds_count{deployment_type=\"coordinator_pipeline\",status=\"success\"}"

    /// What the clients of one round were told.
    struct Round {
        var counterAcks = 0
        var histogramAcks = 0
        /// Per group client: how many groups it put (200), numbered from 0.
        var groupsPut: [Int] = []
        /// Per deleting client: how many groups it put and then deleted (202), numbered from 0.
        var groupsDeleted: [Int] = []
    }

    static func copy(_ file: String, arguments: [String] = []) throws -> ServedCopy {
        try ServedCopy(
            environment: [
                "AUTH_TOKEN": token, "DELIVERY_METRICS_PERSISTENCE_FILE": file, "DELIVERY_METRICS_ACCESS_LOG": "false",
            ],
            // The groups of every round stay, past the default limit of 10,000 on a fast machine.
            arguments: ["-max-push-groups", "1000000"] + arguments
        )
    }

    /// The 200s the client threads counted.
    final class Acks: Sendable {
        let counter = Atomic<Int>(0)
        let histogram = Atomic<Int>(0)
        let groupsPut = Mutex([Int](repeating: 0, count: groupClients))
        let groupsDeleted = Mutex([Int](repeating: 0, count: groupClients))
    }

    /// The instance of a group: its kind (`p` put, `d` deleted), client, round and number.
    static func instance(_ kind: String, client: Int, round: Int, number: Int) -> String {
        "\(kind)\(client)-\(round)-\(number)"
    }

    static func groupRequest(_ method: String, instance: String, body: String = "") -> String {
        let authorization = "Basic " + Data("ci:\(token)".utf8).base64EncodedString()
        return
            "\(method) /metrics/job/crash/instance/\(instance) HTTP/1.1\r\nHost: t\r\nAuthorization: \(authorization)\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// Puts a new group each push until the server dies, or (`deleting`) puts one and deletes it.
    static func pushGroupsUntilKilled(port: Int, client: Int, round: Int, deleting: Bool, acks: Acks) {
        guard let connection = try? RawHTTPClient(port: port, timeoutSeconds: 5) else { return }
        func answer(_ request: String) -> Int? {
            guard (try? connection.send(request)) != nil, let response = try? connection.readResponse() else {
                return nil
            }
            return response.status
        }
        for number in 0... {
            let instance = Self.instance(deleting ? "d" : "p", client: client, round: round, number: number)
            let body = "# TYPE crash_pushed counter\ncrash_pushed{client=\"\(client)\"} \(number)\n"
            guard answer(groupRequest("PUT", instance: instance, body: body)) == 200 else { return }
            if !deleting {
                acks.groupsPut.withLock { $0[client] = number + 1 }
                continue
            }
            guard answer(groupRequest("DELETE", instance: instance)) == 202 else { return }
            acks.groupsDeleted.withLock { $0[client] = number + 1 }
        }
    }

    /// Pushes on keep-alive connections until the server dies; counts the 200s per metric.
    static func pushUntilKilled(
        port: Int,
        round: Int,
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
        for client in 0..<(2 * groupClients) {
            finished.enter()
            Thread.detachNewThread {
                defer { finished.leave() }
                Self.pushGroupsUntilKilled(
                    port: port,
                    client: client / 2,
                    round: round,
                    deleting: client % 2 == 1,
                    acks: acks
                )
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
            histogramAcks: acks.histogram.load(ordering: .relaxed),
            groupsPut: acks.groupsPut.withLock { $0 },
            groupsDeleted: acks.groupsDeleted.withLock { $0 }
        )
    }

    /// The instances of the pushed groups in an exposition, from their `push_time_seconds` series.
    static func groupInstances(in exposition: String) -> Set<String> {
        var instances: Set<String> = []
        for line in exposition.split(separator: "\n") where line.hasPrefix("push_time_seconds{") {
            if let match = line.firstMatch(of: /instance="([^"]*)"/) { instances.insert(String(match.1)) }
        }
        return instances
    }

    /// Checks the groups of `round` after the restart: every acknowledged put there, every acknowledged delete gone,
    /// and nothing past what was in flight (one request per client). Returns the groups found of each kind.
    static func checkGroups(of round: Round, number: Int, in instances: Set<String>) -> (put: Int, deleted: Int) {
        var found = (put: 0, deleted: 0)
        for client in 0..<groupClients {
            let put = round.groupsPut[client]
            let present = (0...(put + 1)).filter {
                instances.contains(instance("p", client: client, round: number, number: $0))
            }
            #expect(
                present.count >= put,
                "groups put by client \(client) lost: \(put) acknowledged, \(present.count) back"
            )
            #expect(Array(present.prefix(put)) == Array(0..<put), "acknowledged groups of client \(client) missing")
            #expect(present.allSatisfy { $0 <= put }, "more groups than were sent by client \(client)")
            found.put += present.count
            let deleted = round.groupsDeleted[client]
            let back = (0...(deleted + 1)).filter {
                instances.contains(instance("d", client: client, round: number, number: $0))
            }
            #expect(back.allSatisfy { $0 == deleted }, "deleted groups of client \(client) came back: \(back)")
            found.deleted += deleted
        }
        return found
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
            // The groups put that came back after each restart: every later restart must still have them all.
            var groupsBack: Set<String> = []
            for (number, killAfter) in [150, 400, 275, 700].map({ $0 + Int.random(in: 0..<100) }).enumerated() {
                let copy = try Self.copy(file, arguments: arguments)
                let round = try Self.pushUntilKilled(
                    port: copy.port,
                    round: number,
                    killAfterMilliseconds: killAfter,
                    copy: copy
                ) {
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
                let instances = Self.groupInstances(in: text)
                let found = Self.checkGroups(of: round, number: number, in: instances)
                #expect(found.put > 0 && found.deleted > 0, "no group put or deleted before the kill")
                let lost = groupsBack.subtracting(instances)
                #expect(lost.isEmpty, "groups back after an earlier restart are gone: \(lost.sorted().prefix(5))")
                groupsBack.formUnion(instances.filter { $0.hasPrefix("p") })
                print(
                    "crash round\(intruder ? " (snapshots every 30 ms, a second process started)" : ""): kill -9 after \(killAfter) ms; acknowledged \(round.counterAcks) increments and "
                        + "\(round.histogramAcks) observations; restored \(Int(newCounter - counter)) and "
                        + "\(Int(newHistogram - histogram)); groups put \(round.groupsPut.reduce(0, +)) and "
                        + "\(found.put) back, put then deleted \(found.deleted) and none back; \(instances.count) groups in all"
                )
                counter = newCounter
                histogram = newHistogram
                restarted.kill()
            }
        }
    }
}
