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
/// memory figures are the copy's own. Figures worth quoting are printed with a `hostile-input:` prefix. The bodies
/// and deadlines are here; the rest in HostileInputConnectionsAcceptanceTests.swift and
/// HostileInputLogsAndAnswersAcceptanceTests.swift.
@Suite(
    "Hostile input, round 2",
    .serialized,
    .enabled(if: AcceptanceEnvironment.isConfigured && AcceptanceEnvironment.binary != nil)
)
struct HostileInputAcceptanceTests {
    /// The environment of copies whose access log a test reads.
    static let loggingEnvironment = ["AUTH_TOKEN": WellBehavedClient.token]

    static func report(_ line: String) {
        print("hostile-input: \(line)")
    }

    static func mebibytes(_ bytes: Int) -> String {
        String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
    }

    static func milliseconds(_ seconds: Double) -> String {
        String(format: "%.0f ms", seconds * 1000)
    }

    static func range(_ seconds: [Double]) -> String {
        String(format: "%.2f...%.2f s", seconds.min() ?? 0, seconds.max() ?? 0)
    }

    /// Texts that may be missing, as a list to print.
    static func list(_ values: [String?]) -> String {
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
}
