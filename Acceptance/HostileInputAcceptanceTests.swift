import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The second round of hostile input, against copies of the release binary over loopback: they vary the depth, the
/// amount and what comes after an answer, where the robustness suite varies the shape. Bodies sent to routes that
/// take none, bodies held against the server-wide budget, requests dribbled past the whole-request deadline, a flood
/// of `GET /` beside a bystander's pushes, requests pipelined behind a closing one, slow readers of a big
/// exposition, log fields from hostile headers, refusals that must stay one short line, odd request targets and
/// stray signals. Each test starts its own copy and kills it at the end; the tests run one at a time, so timings and
/// memory figures are the copy's own. Figures worth quoting are printed with a `hostile-input:` prefix.
@Suite(
    "Hostile input, round 2",
    .serialized,
    .enabled(if: AcceptanceEnvironment.isConfigured && AcceptanceEnvironment.binary != nil)
)
struct HostileInputAcceptanceTests {
    /// The environment of copies whose access log a test reads.
    private static let loggingEnvironment = ["AUTH_TOKEN": WellBehavedClient.token]

    private static func report(_ line: String) {
        print("hostile-input: \(line)")
    }

    private static func mebibytes(_ bytes: Int) -> String {
        String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
    }

    private static func milliseconds(_ seconds: Double) -> String {
        String(format: "%.0f ms", seconds * 1000)
    }

    private static func range(_ seconds: [Double]) -> String {
        String(format: "%.2f...%.2f s", seconds.min() ?? 0, seconds.max() ?? 0)
    }

    /// Texts that may be missing, as a list to print.
    private static func list(_ values: [String?]) -> String {
        "[" + values.map { $0.map { "\"\($0)\"" } ?? "none" }.joined(separator: ", ") + "]"
    }

    // MARK: - 1. Bodies sent to routes that take none

    @Test func answersBodylessRoutesAtOnceAndThrowsTheirBodiesAwayWithoutHoldingThem() async throws {
        struct Figures: Sendable {
            var answered = 0
            var slowestAnswer = 0.0
            var residentBefore = 0
            var residentHeld = 0
            var pushWhileHeld = 0
            var sameConnection: [Int] = []
        }
        let connections = 200
        let figures = try await withServedCopy { copy in
            try OpenFilesLimit.raise(to: connections + 1024)
            let pid = copy.process.processIdentifier
            var figures = Figures()
            _ = try WellBehavedClient.healthy(port: copy.port)
            figures.residentBefore = try ProcessFigures.residentBytes(of: pid)
            // A 1 MiB body announced, a quarter of it sent, the rest never: the connections are then held.
            let head = Array("GET /-/healthy HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n".utf8)
            let request = head + HostileInputClients.filler(256 * 1024)
            let crowd = try ConnectionCrowd(port: copy.port, count: connections)
            for index in 0..<connections { crowd.send(request, on: index) }
            crowd.pump(within: 20, quietSeconds: 5) { $0.answeredAt.allSatisfy { $0 != nil } }
            figures.answered = (0..<connections).filter { crowd.status($0) == 200 }.count
            figures.slowestAnswer = crowd.answeredAt.compactMap { $0 }.max() ?? 0
            figures.residentHeld = try HostileInputClients.peakResident(of: pid, over: 0.5)
            figures.pushWhileHeld = try WellBehavedClient.pushOnce(port: copy.port).status
            withExtendedLifetime(crowd) {}
            figures.sameConnection = try HostileInputClients.bodiesThenAnotherRequest(port: copy.port)
            return figures
        }
        let growth = figures.residentHeld - figures.residentBefore
        Self.report(
            "\(connections) connections sending GET /-/healthy with 256 KiB of a 1 MiB body, then holding: "
                + "\(figures.answered) answered 200, the slowest \(Self.milliseconds(figures.slowestAnswer)) "
                + "after the start; RSS \(Self.mebibytes(figures.residentBefore)) before, "
                + "\(Self.mebibytes(figures.residentHeld)) while held (+\(Self.mebibytes(growth))); "
                + "1 MiB bodies (length, chunked) then a request on one connection: \(figures.sameConnection)"
        )
        #expect(figures.answered == connections, "each is answered once its head is in")
        #expect(figures.slowestAnswer < 5)
        #expect(growth < 40 << 20, "bodies thrown away are not held")
        #expect(figures.pushWhileHeld == 200)
        #expect(figures.sameConnection == [200, 200, 200], "the connection stays usable once the body has passed")
    }

    // MARK: - 2. The budget of buffered bodies

    @Test func holdsBodiesWithinTheBufferedBodyBudgetAndPausesThoseThatDoNotFit() async throws {
        struct Figures: Sendable {
            var residentBefore = 0
            var residentHeld = 0
            var healthyWhileHeld = 0
            var smallPushWhileHeld = 0
            var lateAnsweredWhileFull = false
            var lateStatus: Int?
            var pushAfter = 0
            var counted = 0.0
        }
        let holders = 100
        let figures = try await withServedCopy(["-max-buffered-body-bytes", "4194304"]) { copy in
            try OpenFilesLimit.raise(to: holders + 1024)
            let pid = copy.process.processIdentifier
            var figures = Figures()
            _ = try WellBehavedClient.healthy(port: copy.port)
            figures.residentBefore = try ProcessFigures.residentBytes(of: pid)
            // 1,000,000 bytes announced: four reservations fill the 4 MiB budget, the other bodies wait unread.
            let held =
                HostileInputClients.pushHead(contentLength: 1_000_000)
                + HostileInputClients.paddedBody(1_000_000).prefix(200 * 1024)
            let crowd = try ConnectionCrowd(port: copy.port, count: holders + 1)
            for index in 0..<holders { crowd.send(held, on: index) }
            crowd.pump(within: 10, quietSeconds: 0.5)
            // One more body, sent whole: it does not fit what is left of the budget, so it is not read yet.
            let late = holders
            let whole =
                HostileInputClients.pushHead(contentLength: 1_000_000) + HostileInputClients.paddedBody(1_000_000)
            crowd.send(whole, on: late)
            crowd.pump(within: 1.5, quietSeconds: 1.5) { $0.status(late) != nil }
            figures.lateAnsweredWhileFull = crowd.status(late) != nil
            figures.residentHeld = try HostileInputClients.peakResident(of: pid, over: 0.5)
            figures.healthyWhileHeld = try WellBehavedClient.healthy(port: copy.port).status
            // An ordinary push (a body no larger than a head) needs no share of the budget: it is never stalled.
            figures.smallPushWhileHeld = try WellBehavedClient.pushOnce(port: copy.port).status
            // The holders go: the budget frees, and the late body is read and applied.
            for index in 0..<holders { crowd.close(index) }
            crowd.pump(within: 10, quietSeconds: 10) { $0.status(late) != nil }
            figures.lateStatus = crowd.status(late)
            figures.pushAfter = try WellBehavedClient.pushOnce(port: copy.port).status
            figures.counted = try WellBehavedClient.sample(port: copy.port)
            return figures
        }
        let growth = figures.residentHeld - figures.residentBefore
        Self.report(
            "\(holders) pushes holding 200 KiB of a 1,000,000-byte body (-max-buffered-body-bytes 4194304): "
                + "RSS \(Self.mebibytes(figures.residentBefore)) before, \(Self.mebibytes(figures.residentHeld)) "
                + "while held (+\(Self.mebibytes(growth))); a whole body past the budget answered while it was "
                + "full: \(figures.lateAnsweredWhileFull), after the holders left: "
                + "\(figures.lateStatus.map(String.init) ?? "no"); "
                + "/metrics shows \(Int(figures.counted))"
        )
        #expect(growth < 40 << 20)
        #expect(!figures.lateAnsweredWhileFull, "a body that does not fit the budget is not read")
        #expect(figures.healthyWhileHeld == 200, "requests without a body need no budget")
        #expect(figures.smallPushWhileHeld == 200, "small bodies need no budget")
        #expect(figures.lateStatus == 200, "the budget frees once the holders close")
        #expect(figures.pushAfter == 200)
        #expect(figures.counted == 3, "the small push, the late push and the one after; no held body counts")
    }

    // MARK: - 3. The whole-request deadline

    @Test func answers408AndClosesRequestsThatOutlastTheWholeRequestDeadline() async throws {
        let dribbled = try await withServedCopy(["-read-timeout", "2s", "-idle-timeout", "10s"]) { copy in
            let padding = String(repeating: "a", count: 40)
            let head = "GET /-/healthy HTTP/1.1\r\nHost: hostile\r\nX-Padding: \(padding)\r\n\r\n"
            // A head one byte every 0.3 s (27 s whole), and a push whose 1,000-byte body comes the same way.
            return try HostileInputClients.trickle(
                port: copy.port,
                clients: [
                    (burst: [], dribble: Array(head.utf8)),
                    (
                        burst: HostileInputClients.pushHead(contentLength: 1000),
                        dribble: HostileInputClients.paddedBody(1000)
                    ),
                ],
                interval: 0.3,
                limit: 4
            )
        }
        let clients = 50
        let held = try await withServedCopy(["-idle-timeout", "2s", "-read-timeout", "4s"]) { copy in
            // A body byte every 1.5 s never lets the idle timeout (2 s) fire: only the deadline ends these.
            let client = (
                burst: HostileInputClients.pushHead(contentLength: 64),
                dribble: HostileInputClients.paddedBody(64)
            )
            return try HostileInputClients.trickle(
                port: copy.port,
                clients: Array(repeating: client, count: clients),
                interval: 1.5,
                limit: 7
            )
        }
        let dribbledAt = dribbled.closedAt.compactMap { $0 }
        let heldAt = held.closedAt.compactMap { $0 }
        Self.report(
            "-read-timeout 2s: a head and a body dribbled a byte every 0.3 s answered "
                + "\(Self.list(dribbled.statuses.map { $0.map(String.init) })) "
                + "and closed \(Self.range(dribbledAt)) after their first byte; -read-timeout 4s -idle-timeout 2s: "
                + "\(heldAt.count) of \(clients) bodies dribbled a byte every 1.5 s closed \(Self.range(heldAt))"
        )
        #expect(dribbled.statuses == [408, 408])
        #expect(dribbledAt.count == 2)
        // From the first byte, not restarted by each; the sweep runs every quarter of the shortest timeout.
        #expect(dribbledAt.allSatisfy { $0 >= 1.9 && $0 <= 3 })
        #expect(heldAt.count == clients, "every dribbled body is cut")
        #expect(heldAt.allSatisfy { $0 >= 3.9 && $0 <= 6 })
        #expect(held.statuses.allSatisfy { $0 == nil || $0 == 408 })
    }

    // MARK: - 4. Fairness and the status page

    @Test func servesABystandersPushesPromptlyWhile150ConnectionsPipelineTheStatusPage() async throws {
        struct Figures: Sendable {
            var hostEchoed = true
            var placeholderShown = false
            var latencies = HostileInputClients.Latencies()
            var floodAnswers = 0
            var counted = 0.0
        }
        let flooders = 150
        let seconds = 5.0
        let figures = try await withServedCopy { copy in
            try OpenFilesLimit.raise(to: flooders + 1024)
            var figures = Figures()
            let page = try HostileInputClients.statusPage(port: copy.port, host: "evil.example").text
            figures.hostEchoed = page.contains("evil.example")
            figures.placeholderShown = page.contains("$DELIVERY_METRICS_URL/api/")
            let flood = StatusPageFlood.start(port: copy.port, connections: flooders)
            flood.waitForAnswers(atLeast: flooders, within: 10)
            let latencies = Result { try HostileInputClients.bystander(port: copy.port, every: 0.05, for: seconds) }
            figures.floodAnswers = try flood.stop()
            figures.latencies = try latencies.get()
            figures.counted = try WellBehavedClient.sample(port: copy.port)
            return figures
        }
        let external = try await withServedCopy(["-external-url", "https://metrics.example.test"]) { copy in
            try HostileInputClients.statusPage(port: copy.port, host: "evil.example").text
        }
        let latencies = figures.latencies
        Self.report(
            "\(flooders) connections pipelining GET / (\(StatusPageFlood.batch) at a time) on a fresh state, "
                + "\(Int(Double(figures.floodAnswers) / seconds)) pages a second: a bystander's "
                + "\(latencies.seconds.count) pushes took \(Self.milliseconds(latencies.median)) median, "
                + "\(Self.milliseconds(latencies.slowest)) max"
        )
        #expect(latencies.statuses.allSatisfy { $0 == 200 } && !latencies.statuses.isEmpty)
        #expect(latencies.median < 0.05)
        #expect(latencies.slowest < 0.25)
        #expect(figures.floodAnswers >= flooders, "the flood was served too")
        #expect(figures.counted == Double(latencies.statuses.count))
        #expect(!figures.hostEchoed, "nothing from the request enters the page")
        #expect(figures.placeholderShown, "its curl lines use \"$DELIVERY_METRICS_URL\"")
        #expect(!external.contains("evil.example"))
        #expect(external.contains("https://metrics.example.test/api/"), "-external-url is the curl lines' base")
    }

    @Test func servesABystandersPushesPromptlyWhile20ConnectionsPipelineTheStatusPageOf40000Series() async throws {
        let series = 40_000
        let flooders = 20
        let seconds = 5.0
        let outcome = try await withServedCopy(["-max-series-per-metric", "50000"]) { copy in
            let created = try HostileInputClients.createSeries(port: copy.port, count: series)
            let flood = StatusPageFlood.start(port: copy.port, connections: flooders)
            flood.waitForAnswers(atLeast: flooders, within: 20)
            let latencies = Result { try HostileInputClients.bystander(port: copy.port, every: 0.05, for: seconds) }
            let answers = try flood.stop()
            let measured = try latencies.get()
            return (created, measured, answers)
        }
        let (created, latencies, answers) = outcome
        Self.report(
            "\(flooders) connections pipelining GET / over \(created) series, "
                + "\(Int(Double(answers) / seconds)) pages a second: a bystander's \(latencies.seconds.count) pushes "
                + "took \(Self.milliseconds(latencies.median)) median, \(Self.milliseconds(latencies.slowest)) max"
        )
        #expect(created == series)
        #expect(latencies.statuses.allSatisfy { $0 == 200 } && !latencies.statuses.isEmpty)
        #expect(latencies.median < 0.1)
        #expect(answers >= flooders, "the flood was served too")
    }

    // MARK: - 5. Nothing after a closing request

    @Test func neitherParsesNorAppliesARequestPipelinedBehindAClosingOne() async throws {
        struct Case: Sendable {
            var name: String
            var statuses: [Int]
            var saysClose: Bool
            var ending: HostileInputClients.Ending
            var increase: Double
        }
        let folder = try PersistenceAcceptanceTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var cases: [Case] = []
        for persistence in [false, true] {
            let arguments = persistence ? ["-persistence-file", folder + "/state"] : []
            cases += try await withServedCopy(arguments) { copy in
                let closing = [
                    ("Connection: close", HostileInputClients.push(headers: ["Connection: close"])),
                    ("HTTP/1.0", HostileInputClients.push(version: "HTTP/1.0")),
                ]
                return try closing.map { name, first in
                    let before = try WellBehavedClient.sample(port: copy.port)
                    let socket = try LoopbackSocket(port: copy.port)
                    // Both in one write: the second is already in the server's buffer when it reads the first.
                    try socket.send(first + WellBehavedClient.push)
                    let outcome = HostileInputClients.readToEnd(socket, within: 5)
                    let answers = HostileInputClients.answers(in: outcome.bytes)
                    let after = try WellBehavedClient.sample(port: copy.port)
                    return Case(
                        name: "persistence \(persistence ? "on" : "off"), first \(name)",
                        statuses: answers.map(\.status),
                        saysClose: answers.first?.header("Connection")?.lowercased() == "close",
                        ending: outcome.ending,
                        increase: after - before
                    )
                }
            }
        }
        for item in cases {
            Self.report(
                "a push pipelined behind a closing one (\(item.name)): answers \(item.statuses), "
                    + "connection \(item.ending.rawValue), counter +\(Int(item.increase))"
            )
            #expect(item.statuses == [200], "\(item.name): one answer, the first request's")
            #expect(item.saysClose, "\(item.name)")
            #expect(item.ending == .closed, "\(item.name): closed in order, not reset")
            #expect(item.increase == 1, "\(item.name): the request after the closing one is not applied")
        }
        #expect(cases.count == 4)
    }

    // MARK: - 6. Slow readers of a big exposition

    @Test func sharesOneCopyOfTheExpositionBetweenClientsThatNeverReadIt() async throws {
        struct Figures: Sendable {
            var created = 0
            var exposition = 0
            var residentBefore = 0
            var residentHeld = 0
            var scrapesAnswered = 0
            var healthyWhileHeld = 0
        }
        let readers = 60
        let figures = try await withServedCopy(["-max-series-per-metric", "50000"]) { copy in
            try OpenFilesLimit.raise(to: readers + 1024)
            let pid = copy.process.processIdentifier
            var figures = Figures()
            figures.created = try HostileInputClients.createSeries(port: copy.port, count: 40_000)
            figures.exposition = try HostileInputClients.expositionBytes(port: copy.port)
            Thread.sleep(forTimeInterval: 0.2)
            figures.residentBefore = try ProcessFigures.residentBytes(of: pid)
            let scrapesBefore = try WellBehavedClient.scrapes(port: copy.port)
            let sockets = try (0..<readers).map { _ in try LoopbackSocket(port: copy.port) }
            for socket in sockets { try socket.send(HostileInputClients.scrapeRequest) }
            figures.residentHeld = try HostileInputClients.peakResident(of: pid, over: 2)
            // Less the scrape that reads the count: the never-readers were answered, not left unread.
            let scrapesAfter = try WellBehavedClient.scrapes(port: copy.port)
            figures.scrapesAnswered = Int(scrapesAfter - scrapesBefore) - 1
            figures.healthyWhileHeld = try WellBehavedClient.healthy(port: copy.port).status
            withExtendedLifetime(sockets) {}
            return figures
        }
        let growth = figures.residentHeld - figures.residentBefore
        let bound = 2 * figures.exposition + (30 << 20)
        Self.report(
            "\(readers) clients asking for a \(Self.mebibytes(figures.exposition)) /metrics (\(figures.created) "
                + "series) and never reading: RSS \(Self.mebibytes(figures.residentBefore)) before, "
                + "\(Self.mebibytes(figures.residentHeld)) while held (+\(Self.mebibytes(growth)), "
                + "bound \(Self.mebibytes(bound))); \(figures.scrapesAnswered) of them answered"
        )
        #expect(figures.created == 40_000)
        #expect(figures.scrapesAnswered == readers, "every never-reader was answered")
        #expect(growth < bound, "the render is shared, not copied per client")
        #expect(figures.healthyWhileHeld == 200)
    }

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
