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

    // MARK: - Pipelining without reading

    struct Hogs {
        var sockets: [LoopbackSocket]
        /// Whole requests written before the server stopped taking more.
        var requestsSent: Int
        /// Whether the writes stopped (for `quietSeconds` in a row, or because the server closed every hog) before
        /// the limit.
        var stalled: Bool
        /// Hogs the server closed (its idle timeout ends a client that does not read).
        var closedByServer: Int
        var seconds: Double
    }

    /// `count` connections that pipeline `GET /metrics` (about 60 KiB answered each) as fast as the kernel takes
    /// them and never read, until none could write for `quietSeconds`: the server has stopped reading them. The
    /// connections stay open for the caller.
    static func hogs(port: Int, count: Int, quietSeconds: Double, limit: Double = 20) throws -> Hogs {
        let request = Array("GET /metrics HTTP/1.1\r\nHost: hog\r\n\r\n".utf8)
        let batch = Array([[UInt8]](repeating: request, count: 1000).joined())
        let sockets = try holdIdle(port: port, count: count)
        var offsets = [Int](repeating: 0, count: count)
        var closed = [Bool](repeating: false, count: count)
        var written = 0
        let start = Date()
        var lastProgress = start
        while Date().timeIntervalSince(lastProgress) < quietSeconds, closed.contains(false) {
            guard Date().timeIntervalSince(start) < limit else { break }
            for index in 0..<count where !closed[index] {
                guard let sent = batch[offsets[index]...].withUnsafeBytes({ sockets[index].trySend($0) }) else {
                    closed[index] = true
                    continue
                }
                if sent > 0 { lastProgress = Date() }
                written += sent
                offsets[index] = (offsets[index] + sent) % batch.count
            }
            var entries = sockets.map { pollfd(fd: $0.descriptor, events: Int16(POLLOUT), revents: 0) }
            _ = poll(&entries, nfds_t(entries.count), 20)
        }
        let seconds = Date().timeIntervalSince(start)
        return Hogs(
            sockets: sockets,
            requestsSent: written / request.count,
            stalled: seconds < limit,
            closedByServer: closed.filter { $0 }.count,
            seconds: seconds
        )
    }

    struct LateReader: Sendable {
        /// Requests the server had answered when the client started reading: fewer than it sent means the server
        /// paused reading them (backpressure).
        var answeredBeforeReading: Int
        var responses: Int
        var okResponses: Int
        /// Whether the server closed the connection before every request was answered.
        var closedEarly: Bool
    }

    /// One connection that pipelines `requests` `GET /-/healthy` without reading (until the kernel takes no more),
    /// stays away for `pauseSeconds`, then reads every answer while it sends the rest.
    static func lateReader(port: Int, requests: Int, pauseSeconds: Double) throws -> LateReader {
        let all = Array([[UInt8]](repeating: healthyRequest, count: requests).joined())
        let socket = try LoopbackSocket(port: port)
        var offset = 0
        var lastProgress = Date()
        while offset < all.count, Date().timeIntervalSince(lastProgress) < 0.5 {
            guard let sent = all[offset...].withUnsafeBytes({ socket.trySend($0) }) else {
                throw TestFailure("the server closed the connection while the client was writing")
            }
            offset += sent
            if sent > 0 { lastProgress = Date() } else { _ = socket.wait(for: Int16(POLLOUT), milliseconds: 20) }
        }
        Thread.sleep(forTimeInterval: pauseSeconds)
        let answered = try WellBehavedClient.sample(
            port: port,
            #"delivery_metrics_http_requests_total{code="200",handler="/-/healthy",method="GET"}"#
        )
        var tally = ResponseTally()
        var closed = false
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        let deadline = Date().addingTimeInterval(30)
        while tally.responses < requests, !closed, Date() < deadline {
            let wantsToWrite = offset < all.count
            _ = socket.wait(for: Int16(POLLIN) | (wantsToWrite ? Int16(POLLOUT) : 0), milliseconds: 100)
            if wantsToWrite {
                guard let sent = all[offset...].withUnsafeBytes({ socket.trySend($0) }) else {
                    closed = true
                    continue
                }
                offset += sent
            }
            switch buffer.withUnsafeMutableBytes({ socket.receive(into: $0) }) {
            case .bytes(let count): buffer.withUnsafeBytes { tally.add(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            case .closed: closed = true
            case .wouldBlock: break
            }
        }
        return LateReader(
            answeredBeforeReading: Int(answered),
            responses: tally.responses,
            okResponses: tally.okResponses,
            closedEarly: closed && tally.responses < requests
        )
    }
}
