import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The hostile clients of the robustness suite. Each plays one kind of abuse against a copy of the binary and
/// reports what it saw; the tests assert on the reports, and the memory test replays them all in small form. Every
/// wait is bounded.
enum HostileClients {
    static let healthyRequest = Array("GET /-/healthy HTTP/1.1\r\nHost: robust\r\n\r\n".utf8)

    // MARK: - Connections held open

    /// Opens `count` connections that send nothing.
    static func holdIdle(port: Int, count: Int) throws -> [LoopbackSocket] {
        try (0..<count).map { _ in try LoopbackSocket(port: port) }
    }

    /// Asks every held connection for `/-/healthy` at once and counts the 200s: a connection the server dropped
    /// answers nothing.
    static func answeringConnections(_ sockets: [LoopbackSocket], within seconds: Double = 10) throws -> Int {
        var sent: [Bool] = []
        for socket in sockets { sent.append(try socket.send(healthyRequest)) }
        let deadline = Date().addingTimeInterval(seconds)
        var answered = 0
        for (socket, wasSent) in zip(sockets, sent) where wasSent {
            if socket.readResponseStatus(within: max(0.01, deadline.timeIntervalSinceNow)) == 200 { answered += 1 }
        }
        return answered
    }

    /// Opens `count` more connections (while the server holds its limit's worth) and asks each for `/-/healthy`;
    /// returns how many the server closed without answering.
    static func closedExtras(port: Int, count: Int, within seconds: Double = 3) throws -> Int {
        let extras = try holdIdle(port: port, count: count)
        let deadline = Date().addingTimeInterval(seconds)
        var closed = 0
        for extra in extras {
            _ = try extra.send(healthyRequest)
            let outcome = extra.readUntilClosed(within: max(0.01, deadline.timeIntervalSinceNow))
            if outcome.closed && outcome.bytes.isEmpty { closed += 1 }
        }
        return closed
    }

    // MARK: - Oversized requests

    struct Refusal: Sendable {
        var name: String
        var expected: Int
        var status: Int?
        var closed: Bool
    }

    /// Heads and bodies past the copy's limits, each on its own connection: what was answered, and whether the
    /// server closed the connection after (it must: the stream can no longer be trusted).
    static func oversized(port: Int, maxHeaderBytes: Int, maxBodyBytes: Int) throws -> [Refusal] {
        let padding = { (count: Int) in String(repeating: "a", count: count) }
        let pushHead =
            "POST /api/\(WellBehavedClient.metric)/inc HTTP/1.1\r\nHost: robust\r\n"
            + "X-Private-Token: \(WellBehavedClient.token)\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        let bodySize = 2 * maxBodyBytes
        let cases: [(String, Int, String)] = [
            (
                "head past the limit", 431,
                "GET /-/healthy HTTP/1.1\r\nX-Padding: \(padding(2 * maxHeaderBytes))\r\n\r\n"
            ),
            ("head that never ends", 431, "GET /-/healthy HTTP/1.1\r\nX-Padding: \(padding(4 * maxHeaderBytes))"),
            ("body announced past the limit", 413, pushHead + "Content-Length: \(bodySize)\r\n\r\n"),
            (
                "body sent past the limit", 413,
                pushHead + "Content-Length: \(bodySize)\r\n\r\nlabels=gstg&padding=\(padding(bodySize - 20))"
            ),
            (
                "chunked body past the limit", 413,
                pushHead
                    + "Transfer-Encoding: chunked\r\n\r\n\(String(bodySize, radix: 16))\r\n\(padding(bodySize))\r\n0\r\n\r\n"
            ),
        ]
        return try cases.map { name, expected, request in
            let socket = try LoopbackSocket(port: port)
            _ = try socket.send(request)
            let outcome = socket.readUntilClosed(within: 3)
            return Refusal(
                name: name,
                expected: expected,
                status: HTTPResponseHead.status(in: outcome.bytes),
                closed: outcome.closed
            )
        }
    }

    // MARK: - Garbage

    struct Garbage: Sendable {
        var connections = 0
        /// Answers by status.
        var answered: [Int: Int] = [:]
        /// Closed without an answer.
        var closedSilently = 0
        /// Neither answered nor closed within the time allowed.
        var hung = 0
    }

    /// `connections` connections of seeded garbage, all open at once: random bytes then end of stream, random bytes
    /// then an empty line, random printable lines then an empty line, and random printable lines that never end
    /// (these rely on the copy's head timeout, so run it with a short one).
    static func garbage(port: Int, connections: Int, seed: UInt64, within seconds: Double = 5) throws -> Garbage {
        var generator = SeededGenerator(seed: seed)
        let sockets = try holdIdle(port: port, count: connections)
        for (index, socket) in sockets.enumerated() {
            let kind = index % 4
            var bytes: [UInt8]
            if kind < 2 {
                bytes = (0..<Int.random(in: 1...2048, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
            } else {
                let lines = (0..<Int.random(in: 1...20, using: &generator)).map { _ in
                    (0..<Int.random(in: 0...80, using: &generator)).map { _ in
                        UInt8.random(in: 0x20...0x7E, using: &generator)
                    }
                }
                bytes = Array(lines.joined(separator: Array("\r\n".utf8)))
            }
            if kind == 1 || kind == 2 { bytes += Array("\r\n\r\n".utf8) }
            _ = try socket.send(bytes)
            if kind == 0 { socket.shutdownWrite() }
        }
        let deadline = Date().addingTimeInterval(seconds)
        var report = Garbage(connections: connections)
        for socket in sockets {
            let outcome = socket.readUntilClosed(within: max(0.01, deadline.timeIntervalSinceNow))
            if !outcome.closed {
                report.hung += 1
            } else if outcome.bytes.isEmpty {
                report.closedSilently += 1
            } else {
                report.answered[HTTPResponseHead.status(in: outcome.bytes) ?? 0, default: 0] += 1
            }
            socket.close()
        }
        return report
    }

    // MARK: - Requests cut short

    /// Sends each push (urlencoded and chunked) cut at every byte offset, alone and after one whole copy of itself,
    /// each on a connection closed right after. Returns the number of pushes that were sent whole.
    static func cutPushes(port: Int) throws -> Int {
        var whole = 0
        for request in [WellBehavedClient.push, WellBehavedClient.chunkedPush] {
            for cut in 0...request.count {
                let socket = try LoopbackSocket(port: port)
                _ = try socket.send(Array(request[..<cut]))
                socket.close()
                if cut == request.count { whole += 1 }
            }
            for cut in 0..<request.count {
                let socket = try LoopbackSocket(port: port)
                _ = try socket.send(request + request[..<cut])
                socket.close()
                whole += 1
            }
        }
        return whole
    }
}
