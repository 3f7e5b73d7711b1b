import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The second round of hostile input, continued: a flood of status page requests beside a bystander's pushes,
/// requests pipelined behind a closing one, and slow readers of a big exposition.
extension HostileInputAcceptanceTests {
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
}
