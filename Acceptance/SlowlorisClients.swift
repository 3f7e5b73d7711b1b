import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Clients of the robustness suite that dribble heads and bodies, beside a bystander who must still be served.
extension HostileClients {
    // MARK: - Slowloris

    struct Slowloris: Sendable {
        /// Per slow client: seconds from the start to the server's close; nil when it did not close in time.
        var closedAt: [Double?]
        /// Per slow client: seconds from the start to the last byte it sent.
        var lastByteAt: [Double]
        /// Per slow client: the status answered before the close, if any.
        var statuses: [Int?]
        /// The well-behaved pushes made while the slow clients were connected.
        var bystanders: [Bystander]
    }

    struct Bystander: Sendable {
        var status: Int
        /// Seconds from the start to the answer.
        var answeredAt: Double
    }

    /// A push head dribbled one byte every `interval` by each of `clients` connections (it would take 15 s whole),
    /// starting together, with a well-behaved push every other byte. Ends when every slow client is closed or after
    /// `limit` seconds.
    static func slowHeads(port: Int, clients: Int, interval: Double = 0.1, limit: Double = 5) throws -> Slowloris {
        try dribble(
            port: port,
            clients: clients,
            sentAtOnce: [],
            dribbled: WellBehavedClient.push,
            interval: interval,
            limit: limit,
            bystanderEvery: 2
        )
    }

    /// A push head sent whole announcing a 64-byte body, then `bodyBytes` of that body dribbled one every
    /// `interval`, then nothing; a well-behaved push every fourth step.
    static func slowBodies(
        port: Int,
        clients: Int,
        bodyBytes: Int,
        interval: Double = 0.25,
        limit: Double
    ) throws -> Slowloris {
        let body = Array("labels=gstg&padding=".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 44)
        let head =
            "POST /api/\(WellBehavedClient.metric)/inc HTTP/1.1\r\nHost: robust\r\n"
            + "X-Private-Token: \(WellBehavedClient.token)\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.count)\r\n\r\n"
        return try dribble(
            port: port,
            clients: clients,
            sentAtOnce: Array(head.utf8),
            dribbled: Array(body.prefix(bodyBytes)),
            interval: interval,
            limit: limit,
            bystanderEvery: 4
        )
    }

    private static func dribble(
        port: Int,
        clients: Int,
        sentAtOnce: [UInt8],
        dribbled: [UInt8],
        interval: Double,
        limit: Double,
        bystanderEvery: Int
    ) throws -> Slowloris {
        let sockets = try holdIdle(port: port, count: clients)
        let start = Date()
        var closedAt = [Double?](repeating: nil, count: clients)
        var lastByteAt = [Double](repeating: 0, count: clients)
        var received = [[UInt8]](repeating: [], count: clients)
        var bystanders: [Bystander] = []
        if !sentAtOnce.isEmpty {
            for socket in sockets { try socket.send(sentAtOnce) }
        }
        var chunk = [UInt8](repeating: 0, count: 4096)
        var step = 0
        while closedAt.contains(where: { $0 == nil }), Date().timeIntervalSince(start) < limit {
            for index in 0..<clients where closedAt[index] == nil && step < dribbled.count {
                let sent = [dribbled[step]].withUnsafeBytes { sockets[index].trySend($0) }
                if sent == nil { closedAt[index] = Date().timeIntervalSince(start) }
                if sent == 1 { lastByteAt[index] = Date().timeIntervalSince(start) }
            }
            if step % bystanderEvery == bystanderEvery - 1 {
                let answer = try WellBehavedClient.pushOnce(port: port)
                bystanders.append(Bystander(status: answer.status, answeredAt: Date().timeIntervalSince(start)))
            }
            step += 1
            // Until the next byte is due, watch for the server's answers and closes.
            let nextStep = start.addingTimeInterval(Double(step) * interval)
            while nextStep.timeIntervalSinceNow > 0 {
                let left = nextStep.timeIntervalSinceNow
                let open = (0..<clients).filter { closedAt[$0] == nil }
                guard !open.isEmpty else { break }
                var entries = open.map { pollfd(fd: sockets[$0].descriptor, events: Int16(POLLIN), revents: 0) }
                guard poll(&entries, nfds_t(entries.count), Int32(left * 1000) + 1) > 0 else { continue }
                for (index, entry) in zip(open, entries) where entry.revents != 0 {
                    switch chunk.withUnsafeMutableBytes({ sockets[index].receive(into: $0) }) {
                    case .bytes(let count): received[index] += chunk[..<count]
                    case .closed: closedAt[index] = Date().timeIntervalSince(start)
                    case .wouldBlock: break
                    }
                }
            }
        }
        return Slowloris(
            closedAt: closedAt,
            lastByteAt: lastByteAt,
            statuses: received.map { HTTPResponseHead.status(in: $0) },
            bystanders: bystanders
        )
    }
}
