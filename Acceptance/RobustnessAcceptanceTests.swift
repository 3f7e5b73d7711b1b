import Foundation
import TestSupport
import Testing

/// Hostile clients against copies of the release binary, over loopback: many idle connections, more than the limit,
/// slowloris heads and bodies, oversized requests, garbage, requests cut at every byte, pipelining without reading
/// (or reading late), a million pushes, and memory across repeated rounds of all of it. Each test starts its own
/// copy and kills it at the end; the tests run one at a time, so timings and memory figures are the copy's own.
/// Figures worth quoting are printed with a `robustness:` prefix. The last three are in
/// RobustnessUnderLoadAcceptanceTests.swift.
@Suite(
    "Robustness",
    .serialized,
    .enabled(if: AcceptanceEnvironment.isConfigured && AcceptanceEnvironment.binary != nil)
)
struct RobustnessAcceptanceTests {
    /// Waits until the copy holds no more descriptors than `baseline` (every connection closed, lingering included).
    static func settle(_ copy: ServedCopy, baseline: Int, within seconds: Double = 5) throws {
        let pid = copy.process.processIdentifier
        let count = try ProcessFigures.waitForDescriptors(of: pid, within: seconds) { $0 <= baseline }
        guard count <= baseline else {
            throw TestFailure("\(count - baseline) connections still open \(seconds) s after their clients finished")
        }
    }

    static func report(_ line: String) {
        print("robustness: \(line)")
    }

    static func range(_ seconds: [Double]) -> String {
        String(format: "%.2f...%.2f s", seconds.min() ?? 0, seconds.max() ?? 0)
    }

    static func statuses(_ statuses: [Int?]) -> String {
        Set(statuses.map { $0.map(String.init) ?? "none" }).sorted().joined(separator: ", ")
    }

    // MARK: - 1. Idle connections

    @Test func holdsAThousandIdleConnectionsWhilePushesAreServedAndCounted() async throws {
        struct Figures: Sendable {
            var held = 0
            var pushStatuses: [Int] = []
            var slowestPush = 0.0
            var counted = 0.0
            var stillAnswering = 0
        }
        let idle = 1000
        let pushes = 200
        let figures = try await withServedCopy { copy in
            try OpenFilesLimit.raise(to: idle + 1024)
            let pid = copy.process.processIdentifier
            let baseline = try ProcessFigures.openDescriptors(of: pid)
            let sockets = try HostileClients.holdIdle(port: copy.port, count: idle)
            var figures = Figures()
            figures.held =
                try ProcessFigures.waitForDescriptors(of: pid, within: 5) { $0 >= baseline + idle } - baseline
            for _ in 0..<pushes {
                let answer = try WellBehavedClient.pushOnce(port: copy.port)
                figures.pushStatuses.append(answer.status)
                figures.slowestPush = max(figures.slowestPush, answer.seconds)
            }
            figures.counted = try WellBehavedClient.sample(port: copy.port)
            // The idle connections were held, not dropped: every one of them still answers.
            figures.stillAnswering = try HostileClients.answeringConnections(sockets)
            return figures
        }
        Self.report(
            "\(figures.held) idle connections held by the server; \(pushes) pushes beside them, slowest "
                + "\(Int(figures.slowestPush * 1000)) ms; \(figures.stillAnswering) idle connections answered after"
        )
        #expect(figures.held >= idle)
        #expect(figures.pushStatuses == [Int](repeating: 200, count: pushes))
        #expect(figures.counted == Double(pushes))
        #expect(figures.stillAnswering == idle)
    }

    // MARK: - 2. Connection limit

    @Test func closesConnectionsPastTheLimitAndServesNewOnesOnceTheOthersGo() async throws {
        struct Figures: Sendable {
            var extrasClosed = 0
            var heldAnswering = 0
            var laterAnswering = 0
            var pushAfter = 0
        }
        let limit = 50
        let extras = 20
        let figures = try await withServedCopy(["-max-connections", "\(limit)"]) { copy in
            let pid = copy.process.processIdentifier
            let baseline = try ProcessFigures.openDescriptors(of: pid)
            var held = try HostileClients.holdIdle(port: copy.port, count: limit)
            _ = try ProcessFigures.waitForDescriptors(of: pid, within: 5) { $0 >= baseline + limit }
            var figures = Figures()
            figures.extrasClosed = try HostileClients.closedExtras(port: copy.port, count: extras)
            figures.heldAnswering = try HostileClients.answeringConnections(held)
            held.removeAll()
            try Self.settle(copy, baseline: baseline)
            // A full limit's worth of new clients, all open at once, are served again.
            var later = try HostileClients.holdIdle(port: copy.port, count: limit)
            figures.laterAnswering = try HostileClients.answeringConnections(later)
            later.removeAll()
            try Self.settle(copy, baseline: baseline)
            figures.pushAfter = try WellBehavedClient.pushOnce(port: copy.port).status
            return figures
        }
        Self.report(
            "-max-connections \(limit): \(figures.extrasClosed) of \(extras) extra connections closed unanswered; "
                + "\(figures.heldAnswering) held ones served; after they closed, \(figures.laterAnswering) new ones served"
        )
        #expect(figures.extrasClosed == extras)
        #expect(figures.heldAnswering == limit)
        #expect(figures.laterAnswering == limit)
        #expect(figures.pushAfter == 200)
    }

    // MARK: - 3. Slowloris

    @Test func answers408OrClosesADribbledHeadAfterTheHeaderTimeoutWhileServingOthers() async throws {
        let clients = 20
        let outcome = try await withServedCopy(["-read-header-timeout", "1s"]) { copy in
            let slow = try HostileClients.slowHeads(port: copy.port, clients: clients)
            let counted = try WellBehavedClient.sample(port: copy.port)
            return (slow, counted)
        }
        let (slow, counted) = outcome
        let closedAt = slow.closedAt.compactMap { $0 }
        Self.report(
            "slowloris head (-read-header-timeout 1s): \(closedAt.count) of \(clients) closed "
                + "\(Self.range(closedAt)) after their first byte, answered \(Self.statuses(slow.statuses)); "
                + "\(slow.bystanders.count) bystander pushes answered meanwhile"
        )
        #expect(closedAt.count == clients, "every slow head is cut")
        // The clock starts at the first byte; the server's sweep keeps the timeout to within a quarter of it.
        #expect(closedAt.allSatisfy { $0 >= 0.9 && $0 <= 3 })
        #expect(slow.statuses.allSatisfy { $0 == nil || $0 == 408 })
        #expect(slow.bystanders.allSatisfy { $0.status == 200 })
        #expect(slow.bystanders.filter { $0.answeredAt < closedAt.min() ?? 0 }.count >= 2, "served meanwhile")
        #expect(counted == Double(slow.bystanders.count), "only the bystanders' pushes count")
    }

    @Test func closesADribbledThenStalledBodyAfterTheIdleTimeoutWhileServingOthers() async throws {
        let clients = 20
        let bodyBytes = 8
        let outcome = try await withServedCopy(["-idle-timeout", "1s"]) { copy in
            // 8 bytes a quarter-second apart: 2 s of a body still arriving, longer than the idle timeout.
            let slow = try HostileClients.slowBodies(port: copy.port, clients: clients, bodyBytes: bodyBytes, limit: 6)
            let counted = try WellBehavedClient.sample(port: copy.port)
            return (slow, counted)
        }
        let (slow, counted) = outcome
        let sinceLastByte = zip(slow.closedAt, slow.lastByteAt).compactMap { closed, last in closed.map { $0 - last } }
        Self.report(
            "slowloris body (-idle-timeout 1s): \(sinceLastByte.count) of \(clients) closed "
                + "\(Self.range(sinceLastByte)) after their last byte, answered \(Self.statuses(slow.statuses)); "
                + "\(slow.bystanders.count) bystander pushes answered meanwhile"
        )
        #expect(sinceLastByte.count == clients, "every stalled body is cut")
        // Not while the body was still arriving (2 s, longer than the timeout), but within the timeout after it stalled.
        #expect(slow.lastByteAt.allSatisfy { $0 >= 0.25 * Double(bodyBytes - 1) - 0.01 })
        #expect(sinceLastByte.allSatisfy { $0 >= 0.9 && $0 <= 3 })
        #expect(slow.statuses.allSatisfy { $0 == nil || $0 == 408 })
        #expect(slow.bystanders.allSatisfy { $0.status == 200 })
        let firstClose = slow.closedAt.compactMap { $0 }.min() ?? 0
        #expect(slow.bystanders.filter { $0.answeredAt < firstClose }.count >= 2, "served meanwhile")
        #expect(counted == Double(slow.bystanders.count), "a body that never arrived is never counted")
    }

    // MARK: - 4. Oversized requests

    @Test func refusesOversizedHeadsWith431AndBodiesWith413ThenKeepsServing() async throws {
        let outcome = try await withServedCopy(["-max-header-bytes", "1024", "-max-body-bytes", "1024"]) { copy in
            let refusals = try HostileClients.oversized(port: copy.port, maxHeaderBytes: 1024, maxBodyBytes: 1024)
            let push = try WellBehavedClient.pushOnce(port: copy.port)
            let counted = try WellBehavedClient.sample(port: copy.port)
            return (refusals, push.status, counted)
        }
        let (refusals, pushStatus, counted) = outcome
        for refusal in refusals {
            #expect(refusal.status == refusal.expected, "\(refusal.name)")
            #expect(refusal.closed, "\(refusal.name): the connection closes after the refusal")
        }
        #expect(pushStatus == 200)
        #expect(counted == 1, "no refused push was counted")
    }

    // MARK: - 5. Garbage

    @Test func answersGarbageWith400OrClosesNeverHangsAndKeepsWhatWasPushed() async throws {
        let connections = 400
        let pushedBefore = 5
        let outcome = try await withServedCopy(["-read-header-timeout", "1s"]) { copy in
            let baseline = try ProcessFigures.openDescriptors(of: copy.process.processIdentifier)
            for _ in 0..<pushedBefore { _ = try WellBehavedClient.pushOnce(port: copy.port) }
            let garbage = try HostileClients.garbage(port: copy.port, connections: connections, seed: 0x5EED_0001)
            try Self.settle(copy, baseline: baseline)
            let healthy = try WellBehavedClient.healthy(port: copy.port).status
            let counted = try WellBehavedClient.sample(port: copy.port)
            return (garbage, healthy, counted)
        }
        let (garbage, healthy, counted) = outcome
        Self.report(
            "garbage: \(garbage.connections) connections, answers \(garbage.answered), "
                + "\(garbage.closedSilently) closed without an answer, \(garbage.hung) hung"
        )
        #expect(garbage.hung == 0)
        // 408 comes to garbage that never ends a head: the header timeout's answer.
        #expect(Set(garbage.answered.keys).isSubset(of: [400, 408]), "answers \(garbage.answered)")
        #expect((garbage.answered[400] ?? 0) > 0)
        #expect(garbage.answered.values.reduce(garbage.closedSilently, +) == connections)
        #expect(healthy == 200)
        #expect(counted == Double(pushedBefore))
    }

    // MARK: - 6. Requests cut at every byte

    @Test func countsExactlyThePushesSentWholeWhenRequestsAreCutAtEveryByte() async throws {
        let outcome = try await withServedCopy { copy in
            let baseline = try ProcessFigures.openDescriptors(of: copy.process.processIdentifier)
            let whole = try HostileClients.cutPushes(port: copy.port)
            try Self.settle(copy, baseline: baseline)
            let healthy = try WellBehavedClient.healthy(port: copy.port).status
            let counted = try WellBehavedClient.sample(port: copy.port)
            return (whole, healthy, counted)
        }
        let (whole, healthy, counted) = outcome
        Self.report("requests cut at every byte: \(whole) pushes sent whole, \(Int(counted)) counted")
        #expect(healthy == 200)
        #expect(counted == Double(whole))
    }
}
