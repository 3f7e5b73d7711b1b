import Foundation
import TestSupport
import Testing

/// Pushed groups on the running binary: their limits, their expiry and their durability across restarts. The
/// protocol itself is compared with a real Pushgateway by `scripts/pushgateway-differential.sh`.
@Suite("Pushed groups", .enabled(if: AcceptanceEnvironment.binary != nil))
struct PushGroupsAcceptanceTests {
    static let token = "push-groups-token"

    /// One request on a connection of its own, with the token as the Basic password, as `curl -u ci:$TOKEN` sends it.
    static func request(
        _ port: Int,
        _ method: String,
        _ path: String,
        body: String = "",
        headers: [String] = []
    ) throws -> RawHTTPClient.Response {
        let client = try RawHTTPClient(port: port)
        let authorization = "Basic " + Data("ci:\(token)".utf8).base64EncodedString()
        let extra = headers.map { $0 + "\r\n" }.joined()
        try client.send(
            "\(method) \(path) HTTP/1.1\r\nHost: t\r\nAuthorization: \(authorization)\r\n\(extra)"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        )
        guard let response = try client.readResponse() else { throw TestFailure("\(method) \(path): no answer") }
        return response
    }

    static func metrics(_ port: Int) throws -> String {
        try request(port, "GET", "/metrics").text
    }

    /// The instances of the pushed groups of job `job`, from their `push_time_seconds` series.
    static func instances(of job: String, in exposition: String) -> Set<String> {
        var found: Set<String> = []
        for line in exposition.split(separator: "\n")
        where line.hasPrefix("push_time_seconds{") && line.contains("job=\"\(job)\"") {
            if let match = line.firstMatch(of: /instance="([^"]*)"/) { found.insert(String(match.1)) }
        }
        return found
    }

    static func series(_ count: Int, family: String = "pushed") -> String {
        "# TYPE \(family) gauge\n" + (0..<count).map { "\(family){n=\"\($0)\"} \($0)\n" }.joined()
    }

    static func environment(file: String? = nil) -> [String: String] {
        var environment = ["AUTH_TOKEN": token, "DELIVERY_METRICS_ACCESS_LOG": "false"]
        if let file { environment["DELIVERY_METRICS_PERSISTENCE_FILE"] = file }
        return environment
    }

    /// A fresh folder for a persistence file, removed after `body`.
    static func withStateFolder<T>(_ body: (String) throws -> T) throws -> T {
        let folder =
            NSTemporaryDirectory() + "delivery-metrics-push-groups-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        return try body(folder + "/state")
    }

    /// Polls `condition` every 50 ms for up to `seconds`.
    static func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    /// Each limit refuses with 400 and a reason naming its flag, changes no metric, counts as `push_limit`, and
    /// gives way once room is made.
    @Test func refusesPushesPastEachLimitNamingItsFlag() async throws {
        let arguments = ["-max-series-per-push", "3", "-max-series-per-group", "4", "-max-push-groups", "2"]
        try await withServedCopy(arguments, environment: Self.environment()) { copy in
            let port = copy.port
            let tooMany = try Self.request(port, "PUT", "/metrics/job/limits/instance/a", body: Self.series(4))
            #expect(tooMany.status == 400)
            #expect(tooMany.text.contains("--max-series-per-push"), "\(tooMany.text)")

            #expect(try Self.request(port, "PUT", "/metrics/job/limits/instance/a", body: Self.series(3)).status == 200)
            // Two more series of another family: five in the group, one past its limit.
            let grown = try Self.request(
                port,
                "POST",
                "/metrics/job/limits/instance/a",
                body: Self.series(2, family: "other")
            )
            #expect(grown.status == 400)
            #expect(grown.text.contains("--max-series-per-group"), "\(grown.text)")

            #expect(try Self.request(port, "PUT", "/metrics/job/limits/instance/b", body: Self.series(1)).status == 200)
            let third = try Self.request(port, "PUT", "/metrics/job/limits/instance/c", body: Self.series(1))
            #expect(third.status == 400)
            #expect(third.text.contains("--max-push-groups"), "\(third.text)")

            let text = try Self.metrics(port)
            #expect(Self.instances(of: "limits", in: text) == ["a", "b"], "a refused push made a group: \(text)")
            #expect(!text.contains("other{"), "a refused push changed the group")
            #expect(text.contains("pushed{instance=\"a\",job=\"limits\",n=\"2\"} 2"), "\(text)")
            #expect(text.contains("delivery_metrics_api_errors_total{reason=\"push_limit\"} 3"), "\(text)")
            let failure = text.split(separator: "\n").first { $0.hasPrefix("push_failure_time_seconds{instance=\"a\"") }
            let failed = failure.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
            #expect(abs(failed - Date().timeIntervalSince1970) < 60, "the refusals' time: \(failure ?? "none")")

            #expect(try Self.request(port, "DELETE", "/metrics/job/limits/instance/b").status == 202)
            #expect(try Self.request(port, "PUT", "/metrics/job/limits/instance/c", body: Self.series(1)).status == 200)
            print("push-groups: the three limits refused with 400 naming their flags; 2 groups kept; room made, 200")
        }
    }

    /// `--push-group-ttl` drops a group not pushed for that long; `X-Group-TTL` sets a push's own, capped by
    /// `--max-push-group-ttl`; a bad one is refused. Expiry is journaled: a group gone before a kill -9 stays gone,
    /// and one that outlived its time while the process was down does not come back.
    @Test func expiresGroupsByTheFlagOrTheirOwnHeaderAcrossRestarts() async throws {
        try await onOwnThread {
            try Self.withStateFolder { file in
                let arguments = ["-push-group-ttl", "1s", "-max-push-group-ttl", "1000h"]
                let first = try ServedCopy(environment: Self.environment(file: file), arguments: arguments)
                defer { first.kill() }
                let port = first.port
                let started = Date()
                #expect(
                    try Self.request(port, "PUT", "/metrics/job/ttl/instance/short", body: Self.series(1)).status == 200
                )
                let long = try Self.request(
                    port,
                    "PUT",
                    "/metrics/job/ttl/instance/long",
                    body: Self.series(1),
                    headers: ["X-Group-TTL: 720h"]
                )
                #expect(long.status == 200)
                let bad = try Self.request(
                    port,
                    "PUT",
                    "/metrics/job/ttl/instance/bad",
                    body: Self.series(1),
                    headers: ["X-Group-TTL: soon"]
                )
                #expect(bad.status == 400)
                #expect(bad.text.contains("X-Group-TTL"), "\(bad.text)")
                #expect(Self.instances(of: "ttl", in: try Self.metrics(port)) == ["short", "long"])

                let expired = try Self.eventually(within: 4) {
                    Self.instances(of: "ttl", in: try Self.metrics(port)) == ["long"]
                }
                let after = Date().timeIntervalSince(started)
                #expect(expired, "the group of a 1 s time-to-live is still there after \(after) s")
                #expect(after >= 1, "the group went before its time-to-live")

                // A group of 2 s pushed just before the kill, whose time runs out while the process is down.
                #expect(
                    try Self.request(
                        port,
                        "PUT",
                        "/metrics/job/ttl/instance/down",
                        body: Self.series(1),
                        headers: ["X-Group-TTL: 2s"]
                    ).status == 200
                )
                first.kill()
                usleep(2_500_000)

                let second = try ServedCopy(environment: Self.environment(file: file), arguments: arguments)
                defer { second.kill() }
                let back = Self.instances(of: "ttl", in: try Self.metrics(second.port))
                #expect(back == ["long"], "after kill -9 and a restart past a group's time-to-live: \(back)")
                second.kill()

                // The cap: without the flag groups stay, and an hour asked for is cut to the maximum of 1 s.
                let capped = try ServedCopy(environment: Self.environment(), arguments: ["-max-push-group-ttl", "1s"])
                defer { capped.kill() }
                #expect(
                    try Self.request(
                        capped.port,
                        "PUT",
                        "/metrics/job/ttl/instance/asked",
                        body: Self.series(1),
                        headers: ["X-Group-TTL: 1h"]
                    ).status == 200
                )
                #expect(
                    try Self.request(capped.port, "PUT", "/metrics/job/ttl/instance/kept", body: Self.series(1)).status
                        == 200
                )
                // There at first, so that its going is the cap's doing.
                #expect(Self.instances(of: "ttl", in: try Self.metrics(capped.port)) == ["asked", "kept"])
                let cut = try Self.eventually(within: 4) {
                    Self.instances(of: "ttl", in: try Self.metrics(capped.port)) == ["kept"]
                }
                #expect(cut, "an hour asked for was not cut to --max-push-group-ttl 1s")
                print(
                    "push-groups: a 1 s group gone after \(String(format: "%.2f", after)) s; after kill -9, "
                        + "a 2.5 s pause and a restart: \(back.sorted()); X-Group-TTL: 1h capped to 1 s: \(cut)"
                )
            }
        }
    }
}
