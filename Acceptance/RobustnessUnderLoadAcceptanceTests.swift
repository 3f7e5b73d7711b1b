import Foundation
import TestSupport
import Testing

/// The robustness suite, continued: pipelining without reading (or reading late), a million pushes, and memory
/// across repeated rounds of all of it.
extension RobustnessAcceptanceTests {
    // MARK: - 7. Backpressure

    @Test func stopsReadingAPipeliningClientThatNeverReadsWithMemoryBounded() async throws {
        struct Figures: Sendable {
            var requestsSent = 0
            var stalled = false
            var closedByServer = 0
            var secondsToStall = 0.0
            var scrapesAnswered = 0.0
            var scrapesCountedMeanwhile = 0.0
            var residentBefore = 0
            var residentDuring = 0
            var bystander = WellBehavedClient.Answer(status: 0, seconds: 0)
            var counted = 0.0
        }
        let hogCount = 4
        let figures = try await withServedCopy { copy in
            let pid = copy.process.processIdentifier
            var figures = Figures()
            _ = try WellBehavedClient.scrapes(port: copy.port)  // The exposition cache is filled before measuring.
            figures.residentBefore = try ProcessFigures.residentBytes(of: pid)
            let hogs = try HostileClients.hogs(port: copy.port, count: hogCount, quietSeconds: 1)
            figures.requestsSent = hogs.requestsSent
            figures.stalled = hogs.stalled
            figures.closedByServer = hogs.closedByServer
            figures.secondsToStall = hogs.seconds
            // The hogs' scrapes are counted as they are answered: the count stops moving once reading stops.
            let first = try WellBehavedClient.scrapes(port: copy.port)
            Thread.sleep(forTimeInterval: 0.5)
            let second = try WellBehavedClient.scrapes(port: copy.port)
            figures.scrapesAnswered = first - 2  // Less the warm-up scrape and this one.
            figures.scrapesCountedMeanwhile = second - first - 1
            figures.residentDuring = try ProcessFigures.residentBytes(of: pid)
            figures.bystander = try WellBehavedClient.pushOnce(port: copy.port)
            figures.counted = try WellBehavedClient.sample(port: copy.port)
            withExtendedLifetime(hogs.sockets) {}
            return figures
        }
        let growth = figures.residentDuring - figures.residentBefore
        Self.report(
            "\(hogCount) clients pipelining GET /metrics without reading: stalled after \(figures.requestsSent) "
                + "requests written in \(String(format: "%.1f", figures.secondsToStall)) s, "
                + "\(Int(figures.scrapesAnswered)) answered; RSS \(figures.residentBefore >> 10) KiB before, "
                + "\(figures.residentDuring >> 10) KiB while stalled (+\(growth >> 10) KiB)"
        )
        #expect(figures.stalled && figures.closedByServer == 0, "the server paused the clients, not closed them")
        #expect(figures.scrapesCountedMeanwhile == 0, "no more of their requests are taken")
        #expect(figures.scrapesAnswered < Double(figures.requestsSent))
        #expect(growth < 64 << 20)
        #expect(figures.bystander.status == 200, "others are served while the clients are stalled")
        #expect(figures.counted == 1)
    }

    @Test func answersEveryRequestOfAClientPausedByBackpressureLongerThanTheHeaderTimeout() async throws {
        let requests = 100_000
        let reader = try await withServedCopy(["-read-header-timeout", "1s"]) { copy in
            // Its requests all arrived; the server paused reading them. Waiting to read the answers makes the client
            // slow to read (the idle timeout's business), never slow to send a head.
            try HostileClients.lateReader(port: copy.port, requests: requests, pauseSeconds: 2)
        }
        Self.report(
            "a client pipelining \(requests) requests and reading only after 2 s (-read-header-timeout 1s): "
                + "\(reader.answeredBeforeReading) answered before it read, then \(reader.responses) answers, "
                + "\(reader.okResponses) of them 200"
        )
        #expect(reader.answeredBeforeReading < requests, "the server paused reading the client")
        #expect(reader.responses == requests && reader.okResponses == requests)
        #expect(!reader.closedEarly)
    }

    // MARK: - 8. A million pushes

    @Test func countsAMillionPipelinedPushesExactly() async throws {
        let load = PipelinedLoad(
            request: WellBehavedClient.push,
            connections: 4,
            requestsPerConnection: 250_000
        )
        let outcome = try await withServedCopy { copy in
            let run = try load.run(port: copy.port)
            let counted = try WellBehavedClient.sample(port: copy.port)
            return (run, counted)
        }
        let (run, counted) = outcome
        Self.report(
            "1,000,000 pushes pipelined over 4 connections in \(String(format: "%.1f", run.seconds)) s "
                + "(\(Int(Double(run.responses) / run.seconds)) per second); /metrics shows \(Int(counted))"
        )
        #expect(run.responses == 1_000_000)
        #expect(run.okResponses == 1_000_000)
        #expect(counted == 1_000_000)
    }

    // MARK: - 9. Memory across rounds

    @Test func residentMemoryGrowsLessThanFivePercentOverASecondRoundOfHostileTraffic() async throws {
        let arguments = ["-max-connections", "200", "-read-header-timeout", "1s", "-idle-timeout", "1s"]
        // glibc raises its mmap threshold each time a large block is freed, so the pending output of the clients
        // that never read ends up in the heap or not by chance, and RSS after a round lands 3 MiB apart from one run
        // to the next, with no growth over many rounds. Pinning the threshold at its default (128 KiB) keeps large
        // buffers out of the heap, so what stays resident is what the server still holds.
        var environment = WellBehavedClient.environment
        environment["GLIBC_TUNABLES"] = "glibc.malloc.mmap_threshold=131072"
        let resident = try await withServedCopy(arguments, environment: environment) { copy in
            let pid = copy.process.processIdentifier
            let port = copy.port
            let baseline = try ProcessFigures.openDescriptors(of: pid)
            let round: () throws -> Int = {
                let settle = { try Self.settle(copy, baseline: baseline) }
                do {
                    let idle = try HostileClients.holdIdle(port: port, count: 150)
                    guard try WellBehavedClient.pushOnce(port: port).status == 200,
                        try HostileClients.answeringConnections(idle) == 150
                    else { throw TestFailure("idle connections: not served") }
                }
                try settle()
                do {
                    let held = try HostileClients.holdIdle(port: port, count: 200)
                    _ = try ProcessFigures.waitForDescriptors(of: pid, within: 5) { $0 >= baseline + 200 }
                    _ = try HostileClients.closedExtras(port: port, count: 10)
                    withExtendedLifetime(held) {}
                }
                try settle()
                _ = try HostileClients.slowHeads(port: port, clients: 10)
                try settle()
                _ = try HostileClients.slowBodies(port: port, clients: 10, bodyBytes: 3, limit: 4)
                try settle()
                _ = try HostileClients.oversized(port: port, maxHeaderBytes: 8192, maxBodyBytes: 1 << 20)
                try settle()
                _ = try HostileClients.garbage(port: port, connections: 100, seed: 0x5EED_0009)
                try settle()
                _ = try HostileClients.cutPushes(port: port)
                try settle()
                do {
                    let hogs = try HostileClients.hogs(port: port, count: 2, quietSeconds: 0.5)
                    withExtendedLifetime(hogs.sockets) {}
                }
                try settle()
                let load = PipelinedLoad(request: WellBehavedClient.push, connections: 2, requestsPerConnection: 10_000)
                guard try load.run(port: port).okResponses == 20_000 else { throw TestFailure("pushes refused") }
                try settle()
                Thread.sleep(forTimeInterval: 0.2)
                return try ProcessFigures.residentBytes(of: pid)
            }
            let before = try ProcessFigures.residentBytes(of: pid)
            let first = try round()
            let second = try round()
            return (before, first, second)
        }
        let (before, first, second) = resident
        let growth = Double(second - first) / Double(first)
        Self.report(
            "memory: RSS \(before >> 10) KiB at start, \(first >> 10) KiB after a round of hostile traffic, "
                + "\(second >> 10) KiB after a second (\(String(format: "%+.2f", growth * 100)) %)"
        )
        #expect(growth < 0.05)
    }
}
