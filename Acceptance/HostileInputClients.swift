import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The clients of the second round of hostile input: bodies sent to routes that take none or held against the body
/// budget, requests dribbled past the whole-request deadline, pushes pipelined behind a closing request, and what it
/// takes to read answers and logs back (HostileInputReadBack.swift). Every wait is bounded in time, every loop in
/// time or count.
enum HostileInputClients {
    // MARK: - Requests

    /// An authenticated urlencoded push head announcing `contentLength` body bytes; `tokens` are sent as that many
    /// `X-Private-Token` fields, `headers` are added as they are.
    static func pushHead(
        contentLength: Int,
        path: String = "/api/\(WellBehavedClient.metric)/inc",
        version: String = "HTTP/1.1",
        headers: [String] = [],
        tokens: [String] = [WellBehavedClient.token]
    ) -> [UInt8] {
        let fields = (tokens.map { "X-Private-Token: \($0)" } + headers).map { $0 + "\r\n" }.joined()
        return Array(
            ("POST \(path) \(version)\r\nHost: hostile\r\n\(fields)"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(contentLength)\r\n\r\n")
                .utf8
        )
    }

    /// A whole push with the urlencoded `body`: by default the well-behaved client's own.
    static func push(
        _ body: String = "labels=gstg",
        path: String = "/api/\(WellBehavedClient.metric)/inc",
        version: String = "HTTP/1.1",
        headers: [String] = [],
        tokens: [String] = [WellBehavedClient.token]
    ) -> [UInt8] {
        pushHead(contentLength: body.utf8.count, path: path, version: version, headers: headers, tokens: tokens)
            + Array(body.utf8)
    }

    /// An urlencoded body of exactly `length` bytes that pushes what the well-behaved client pushes: its labels, then
    /// a field the push ignores, as padding.
    static func paddedBody(_ length: Int) -> [UInt8] {
        let start = Array("labels=gstg&padding=".utf8)
        return start + filler(max(0, length - start.count))
    }

    static func filler(_ count: Int) -> [UInt8] {
        [UInt8](repeating: UInt8(ascii: "a"), count: count)
    }

    /// A chunked body of `chunks` chunks of `size` bytes each, with its last chunk.
    static func chunkedBody(chunks: Int, size: Int) -> [UInt8] {
        let chunk = Array("\(String(size, radix: 16))\r\n".utf8) + filler(size) + Array("\r\n".utf8)
        return Array([[UInt8]](repeating: chunk, count: chunks).joined()) + Array("0\r\n\r\n".utf8)
    }

    /// A push that creates the series `index` of `deployment_blocker_count`, whose free-text `root_cause` label takes
    /// any value (its `week` takes a pattern).
    static func seriesPush(_ index: Int) -> [UInt8] {
        push("value=1&labels=hostile-input-\(index),2024-W01", path: "/api/deployment_blocker_count/set")
    }

    static let scrapeRequest = Array("GET /metrics HTTP/1.1\r\nHost: hostile\r\nAccept-Encoding: identity\r\n\r\n".utf8)

    // MARK: - Many series

    /// Creates `count` series of `deployment_blocker_count` with pushes pipelined over `connections` connections;
    /// returns how many were answered 200.
    static func createSeries(port: Int, count: Int, connections: Int = 4) throws -> Int {
        let indices = (0..<connections).map { Array(stride(from: $0, to: count, by: connections)) }
        let streams = indices.map { $0.flatMap(seriesPush) }
        return try pipeline(port: port, streams: streams, answers: indices.map(\.count), within: 60).ok
    }

    /// Writes each stream on a connection of its own as fast as the server reads it, reading the answers meanwhile
    /// (the server stops reading a client that does not), until every stream's `answers` are in. Fails after 10 s
    /// without progress, or `seconds` in all.
    static func pipeline(
        port: Int,
        streams: [[UInt8]],
        answers expected: [Int],
        within seconds: Double
    ) throws -> (responses: Int, ok: Int) {
        let sockets = try streams.map { _ in try LoopbackSocket(port: port) }
        var offsets = [Int](repeating: 0, count: streams.count)
        var tallies = [ResponseTally](repeating: ResponseTally(), count: streams.count)
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        let deadline = Date().addingTimeInterval(seconds)
        var lastProgress = Date()
        while sockets.indices.contains(where: { tallies[$0].responses < expected[$0] }) {
            guard Date() < deadline, Date().timeIntervalSince(lastProgress) < 10 else {
                throw TestFailure("pipelined pushes: \(tallies.map(\.responses)) of \(expected) answered")
            }
            var entries = sockets.indices.map { index in
                let events = Int16(POLLIN) | (offsets[index] < streams[index].count ? Int16(POLLOUT) : 0)
                return pollfd(fd: sockets[index].descriptor, events: events, revents: 0)
            }
            _ = poll(&entries, nfds_t(entries.count), 50)
            for index in sockets.indices where entries[index].revents != 0 {
                if entries[index].revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
                    switch buffer.withUnsafeMutableBytes({ sockets[index].receive(into: $0) }) {
                    case .bytes(let count):
                        buffer.withUnsafeBytes { tallies[index].add(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                        lastProgress = Date()
                    case .wouldBlock:
                        break
                    case .closed:
                        throw TestFailure("the server closed a pipelining connection: \(tallies[index].responses)")
                    }
                }
                if entries[index].revents & Int16(POLLOUT) != 0, offsets[index] < streams[index].count {
                    let rest = streams[index][offsets[index]...]
                    guard let sent = rest.withUnsafeBytes({ sockets[index].trySend($0) }) else {
                        throw TestFailure("the server closed a pipelining connection while it was sending")
                    }
                    offsets[index] += sent
                    if sent > 0 { lastProgress = Date() }
                }
            }
        }
        return (tallies.reduce(0) { $0 + $1.responses }, tallies.reduce(0) { $0 + $1.okResponses })
    }

    // MARK: - Dribbling

    struct Trickle: Sendable {
        /// Per client: seconds from the start (every client's first byte) to the server's close; nil when it did not
        /// close in time.
        var closedAt: [Double?]
        /// Per client: the status answered before the close, if any.
        var statuses: [Int?]
    }

    /// Each client sends its `burst` at once, then its `dribble` one byte every `interval`, all starting together;
    /// ends when the server has closed every client or after `limit` seconds.
    static func trickle(
        port: Int,
        clients: [(burst: [UInt8], dribble: [UInt8])],
        interval: Double,
        limit: Double
    ) throws -> Trickle {
        let sockets = try clients.map { _ in try LoopbackSocket(port: port) }
        var closedAt = [Double?](repeating: nil, count: clients.count)
        var received = [[UInt8]](repeating: [], count: clients.count)
        let start = Date()
        for (socket, client) in zip(sockets, clients) where !client.burst.isEmpty {
            try socket.send(client.burst)
        }
        var chunk = [UInt8](repeating: 0, count: 4096)
        var step = 0
        while closedAt.contains(where: { $0 == nil }), Date().timeIntervalSince(start) < limit {
            for index in clients.indices where closedAt[index] == nil && step < clients[index].dribble.count {
                let sent = [clients[index].dribble[step]].withUnsafeBytes { sockets[index].trySend($0) }
                if sent == nil { closedAt[index] = Date().timeIntervalSince(start) }
            }
            step += 1
            // Until the next byte is due, watch for the server's answers and closes.
            let nextStep = start.addingTimeInterval(Double(step) * interval)
            while nextStep.timeIntervalSinceNow > 0, Date().timeIntervalSince(start) < limit {
                let open = clients.indices.filter { closedAt[$0] == nil }
                guard !open.isEmpty else { break }
                var entries = open.map { pollfd(fd: sockets[$0].descriptor, events: Int16(POLLIN), revents: 0) }
                let wait = Int32(min(nextStep.timeIntervalSinceNow, 0.05) * 1000) + 1
                guard poll(&entries, nfds_t(entries.count), wait) > 0 else { continue }
                for (index, entry) in zip(open, entries) where entry.revents != 0 {
                    switch chunk.withUnsafeMutableBytes({ sockets[index].receive(into: $0) }) {
                    case .bytes(let count): received[index] += chunk[..<count]
                    case .closed: closedAt[index] = Date().timeIntervalSince(start)
                    case .wouldBlock: break
                    }
                }
            }
        }
        return Trickle(closedAt: closedAt, statuses: received.map { HTTPResponseHead.status(in: $0) })
    }

    // MARK: - A bystander

    struct Latencies: Sendable {
        var seconds: [Double] = []
        var statuses: [Int] = []

        var median: Double {
            let sorted = seconds.sorted()
            return sorted.isEmpty ? .infinity : sorted[sorted.count / 2]
        }

        var slowest: Double { seconds.max() ?? .infinity }
    }

    /// One client on one keep-alive connection pushing once every `interval` for `seconds`: the time each push took
    /// from its write to its answer. A push answered late is followed by the next at once, not by a pause.
    static func bystander(port: Int, every interval: Double, for seconds: Double) throws -> Latencies {
        let client = try RawHTTPClient(port: port, timeoutSeconds: 5)
        var latencies = Latencies()
        let start = Date()
        var index = 0
        while Date().timeIntervalSince(start) < seconds {
            let pause = start.addingTimeInterval(Double(index) * interval).timeIntervalSinceNow
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
            let sent = Date()
            try client.send(WellBehavedClient.push)
            guard let response = try client.readResponse() else {
                throw TestFailure("the bystander's connection closed after \(index) pushes")
            }
            latencies.seconds.append(Date().timeIntervalSince(sent))
            latencies.statuses.append(response.status)
            index += 1
        }
        return latencies
    }
}
