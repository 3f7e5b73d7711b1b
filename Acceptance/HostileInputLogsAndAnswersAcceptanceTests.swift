import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The second round of hostile input, continued: log lines from hostile headers, refusals that must stay one short
/// line, odd request targets and repeated credentials, and stray signals.
extension HostileInputAcceptanceTests {
    // MARK: - 7. JSON log lines

    @Test func writesEveryLogLineAsJSONWithRequestFieldsAsStringsAndTokensMasked() async throws {
        struct Figures: Sendable {
            var statuses: [Int] = []
            var exited = false
            var lines = 0
            var invalid: [String] = []
            var first: [String?] = []
            var second: [String?] = []
            var queryLogged = false
            var leaked = false
        }
        let figures = try await withServedCopy(environment: Self.loggingEnvironment) { copy in
            var figures = Figures()
            // As `curl -A '-inf' -H 'Host: 00012' -H 'Referer: 0x1p3'`, then the other texts a number parser takes.
            let requests = [
                "GET /-/healthy HTTP/1.1\r\nHost: 00012\r\nUser-Agent: -inf\r\nAccept: */*\r\nReferer: 0x1p3\r\n\r\n",
                "GET /-/healthy HTTP/1.1\r\nHost: true\r\nUser-Agent: -nan\r\nReferer: 1e999\r\n\r\n",
                "GET /-/healthy?private_token=s3cr3t-value&token=t0ken-value HTTP/1.1\r\nHost: hostile\r\n\r\n",
            ]
            for request in requests {
                let answer = try WellBehavedClient.request(port: copy.port, Array(request.utf8))
                figures.statuses.append(answer.status)
            }
            let (exited, log) = HostileInputClients.stopAndReadLog(copy)
            figures.exited = exited
            let lines = HostileInputClients.jsonLines(log)
            figures.lines = lines.count
            figures.invalid = lines.filter { $0.object == nil }.map { String($0.line.prefix(300)) }
            let fields = ["host", "user_agent", "referrer"]
            if let first = lines.first(where: { $0.line.contains("0x1p3") })?.object {
                figures.first = fields.map { first[$0] as? String }
            }
            if let second = lines.first(where: { $0.line.contains("1e999") })?.object {
                figures.second = fields.map { second[$0] as? String }
            }
            figures.queryLogged = lines.contains { ($0.object?["uri"] as? String)?.hasPrefix("/-/healthy?") == true }
            figures.leaked = log.contains("s3cr3t-value") || log.contains("t0ken-value")
            return figures
        }
        Self.report(
            "-log-format json: \(figures.lines) lines, \(figures.invalid.count) not JSON; host, user_agent, "
                + "referrer logged as \(Self.list(figures.first)) and \(Self.list(figures.second)); "
                + "tokens in the query \(figures.leaked ? "logged" : "masked")"
        )
        #expect(figures.statuses == [200, 200, 200])
        #expect(figures.exited)
        #expect(figures.invalid.isEmpty, "lines that are not JSON objects: \(figures.invalid)")
        #expect(figures.first == ["00012", "-inf", "0x1p3"], "strings from the request are JSON strings")
        #expect(figures.second == ["true", "-nan", "1e999"])
        #expect(figures.queryLogged, "the request with tokens in its query has its access line")
        #expect(!figures.leaked, "tokens in the query string are masked")
    }

    // MARK: - 8. Refusals are one short line

    @Test func refusesWithOneShortLineInTheAnswerAndInTheLog() async throws {
        struct Refusal: Sendable {
            var name: String
            var expected: Int
            var status: Int
            var bytes: Int
            var lineBreaks: Int
            var endsWithLineBreak: Bool
            /// Control bytes other than the last line break: each should have been escaped.
            var controlBytes: Int
            var isUTF8: Bool
        }
        struct Figures: Sendable {
            var refusals: [Refusal] = []
            var exited = false
            var longestLogLine = 0
            var logHasCarriageReturn = true
        }
        let figures = try await withServedCopy(environment: Self.loggingEnvironment) { copy in
            var figures = Figures()
            let cases: [(String, Int, [UInt8])] = [
                (
                    "a 100,000-byte label value", 400,
                    HostileInputClients.push("labels=" + String(repeating: "a", count: 100_000))
                ),
                ("CR LF in the metric name", 404, HostileInputClients.push(path: "/api/a%0D%0Ab/inc")),
                (
                    "control and non-UTF-8 bytes in a label value", 400,
                    HostileInputClients.push("labels=%0D%0Aevil%FF%1B%00")
                ),
            ]
            for (name, expected, request) in cases {
                let client = try RawHTTPClient(port: copy.port, timeoutSeconds: 5)
                try client.send(request)
                guard let response = try client.readResponse() else { throw TestFailure("\(name): no answer") }
                let body = response.body
                figures.refusals.append(
                    Refusal(
                        name: name,
                        expected: expected,
                        status: response.status,
                        bytes: body.count,
                        lineBreaks: body.filter { $0 == UInt8(ascii: "\n") }.count,
                        endsWithLineBreak: body.last == UInt8(ascii: "\n"),
                        controlBytes: body.dropLast().filter { $0 < 0x20 || $0 == 0x7F }.count,
                        isUTF8: String(bytes: body, encoding: .utf8) != nil
                    )
                )
            }
            let (exited, log) = HostileInputClients.stopAndReadLog(copy)
            figures.exited = exited
            figures.longestLogLine = log.utf8.split(separator: UInt8(ascii: "\n")).map(\.count).max() ?? 0
            figures.logHasCarriageReturn = log.utf8.contains(UInt8(ascii: "\r"))
            return figures
        }
        for refusal in figures.refusals {
            Self.report(
                "refusal of \(refusal.name): \(refusal.status), \(refusal.bytes) bytes, "
                    + "\(refusal.lineBreaks) line break(s)"
            )
            #expect(refusal.status == refusal.expected, "\(refusal.name)")
            #expect(refusal.bytes < 2048, "\(refusal.name)")
            #expect(refusal.lineBreaks == 1 && refusal.endsWithLineBreak, "\(refusal.name): one line")
            #expect(refusal.controlBytes == 0, "\(refusal.name): control bytes are escaped")
            #expect(refusal.isUTF8, "\(refusal.name): bytes that are not UTF-8 are escaped")
        }
        Self.report("the longest log line after those refusals: \(figures.longestLogLine) bytes")
        #expect(figures.refusals.count == 3)
        #expect(figures.exited)
        #expect(figures.longestLogLine < 2048)
        #expect(!figures.logHasCarriageReturn)
    }

    // MARK: - 9. Request targets and repeated credentials

    @Test func routesAbsoluteFormTargetsAndRefusesTargetsWithoutASlashAndRepeatedCredentials() async throws {
        let cases: [(String, Int, [UInt8])] = [
            ("GET a/-/healthy", 400, Array("GET a/-/healthy HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
            ("GET http://x/-/healthy", 200, Array("GET http://x/-/healthy HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
            ("OPTIONS *", 200, Array("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
            (
                "a push with the token, then a wrong one", 400,
                HostileInputClients.push(tokens: [WellBehavedClient.token, "wrong"])
            ),
            (
                "a push with a wrong token, then the token", 400,
                HostileInputClients.push(tokens: ["wrong", WellBehavedClient.token])
            ),
            (
                "a push with two Authorization fields", 400,
                HostileInputClients.push(headers: ["Authorization: Bearer one", "Authorization: Bearer two"])
            ),
        ]
        let outcome = try await withServedCopy { copy in
            let statuses = try cases.map { try WellBehavedClient.request(port: copy.port, $0.2).status }
            let counted = try WellBehavedClient.sample(port: copy.port)
            return (statuses, counted)
        }
        let (statuses, counted) = outcome
        for ((name, expected, _), status) in zip(cases, statuses) {
            Self.report("\(name): \(status)")
            #expect(status == expected, "\(name)")
        }
        #expect(counted == 0, "no refused push counts")
    }

    // MARK: - 10. Stray signals

    @Test func logsAndIgnoresStraySignalsThenDrainsOnSIGTERM() async throws {
        struct Stray: Sendable {
            var name: String
            var running = false
            var ready: Int?
            var lines = 0
        }
        struct Figures: Sendable {
            var strays: [Stray] = []
            var exited = false
            var exitedNormally = false
            var status: Int32 = -1
        }
        let signals: [(String, Int32)] = [
            ("SIGHUP", SIGHUP), ("SIGUSR1", SIGUSR1), ("SIGUSR2", SIGUSR2), ("SIGALRM", SIGALRM),
        ]
        let figures = try await withServedCopy { copy in
            let pid = copy.process.processIdentifier
            let ready = Array("GET /-/ready HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            var figures = Figures()
            for (name, signal) in signals {
                kill(pid, signal)
                Thread.sleep(forTimeInterval: 0.2)
                var stray = Stray(name: name)
                stray.running = copy.process.isRunning
                stray.ready = stray.running ? (try? WellBehavedClient.request(port: copy.port, ready))?.status : nil
                figures.strays.append(stray)
            }
            let (exited, log) = HostileInputClients.stopAndReadLog(copy)
            figures.exited = exited
            if exited {
                figures.exitedNormally = copy.process.terminationReason == .exit
                figures.status = copy.process.terminationStatus
            }
            let lines = log.split(separator: "\n")
            for index in figures.strays.indices {
                figures.strays[index].lines = lines.filter { $0.contains(figures.strays[index].name) }.count
            }
            return figures
        }
        for stray in figures.strays {
            Self.report(
                "\(stray.name): \(stray.running ? "still running" : "gone"), /-/ready "
                    + "\(stray.ready.map(String.init) ?? "unanswered"), \(stray.lines) log line(s) naming it"
            )
            #expect(stray.running, "\(stray.name) does not end the process")
            #expect(stray.ready == 200, "\(stray.name)")
            #expect(stray.lines == 1, "\(stray.name) is logged once")
        }
        Self.report("SIGTERM after them: exit status \(figures.status)")
        #expect(figures.strays.count == signals.count)
        #expect(figures.exited && figures.exitedNormally && figures.status == 0)
    }
}
