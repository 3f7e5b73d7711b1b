import Foundation
import Synchronization
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The clients of the second round of hostile input: bodies sent to routes that take none or held against the body
/// budget, requests dribbled past the whole-request deadline, pushes pipelined behind a closing request, and what it
/// takes to read answers and logs back. Every wait is bounded in time, every loop in time or count.
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

    // MARK: - Answers

    struct Answer: Sendable {
        var status: Int
        /// The head as sent: the status line and the fields, without the empty line.
        var head: String
        var body: [UInt8]

        func header(_ name: String) -> String? {
            let prefix = name.lowercased() + ":"
            for line in head.components(separatedBy: "\r\n").dropFirst() where line.lowercased().hasPrefix(prefix) {
                return line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            }
            return nil
        }
    }

    /// The whole answers at the start of `bytes`, in order, framed by their `Content-Length` (none here is a HEAD's).
    static func answers(in bytes: [UInt8]) -> [Answer] {
        let separator = Array("\r\n\r\n".utf8)
        var answers: [Answer] = []
        var start = 0
        while let end = bytes[start...].firstRange(of: separator) {
            let head = String(decoding: bytes[start..<end.lowerBound], as: UTF8.self)
            guard head.hasPrefix("HTTP/1.1 "), let status = Int(head.dropFirst(9).prefix(3)) else { break }
            var answer = Answer(status: status, head: head, body: [])
            let length = answer.header("Content-Length").flatMap { Int($0) } ?? 0
            guard bytes.count >= end.upperBound + length else { break }
            answer.body = Array(bytes[end.upperBound..<end.upperBound + length])
            answers.append(answer)
            start = end.upperBound + length
        }
        return answers
    }

    /// How a connection ended, as the client saw it: a reset can destroy answers the client has not read yet.
    enum Ending: String, Sendable {
        case closed
        case reset
        case timedOut
    }

    /// Reads until the server ends the connection or `seconds` pass, telling an orderly close from a reset (which
    /// `LoopbackSocket.receive` does not).
    static func readToEnd(_ socket: LoopbackSocket, within seconds: Double) -> (bytes: [UInt8], ending: Ending) {
        let deadline = Date().addingTimeInterval(seconds)
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline {
            let count = chunk.withUnsafeMutableBytes { recv(socket.descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                collected += chunk[..<count]
                continue
            }
            if count == 0 { return (collected, .closed) }
            switch errno {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                let left = deadline.timeIntervalSinceNow
                _ = socket.wait(for: Int16(POLLIN), milliseconds: Int32(min(max(left, 0), 0.05) * 1000) + 1)
            default:
                return (collected, .reset)
            }
        }
        return (collected, .timedOut)
    }

    /// Reads until `count` whole answers are in, the server closes, or `seconds` pass; returns the answers that came.
    static func readAnswers(_ socket: LoopbackSocket, count: Int, within seconds: Double) -> [Answer] {
        let deadline = Date().addingTimeInterval(seconds)
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while answers(in: collected).count < count, Date() < deadline {
            switch chunk.withUnsafeMutableBytes({ socket.receive(into: $0) }) {
            case .bytes(let received):
                collected += chunk[..<received]
            case .closed:
                return answers(in: collected)
            case .wouldBlock:
                _ = socket.wait(for: Int16(POLLIN), milliseconds: 50)
            }
        }
        return answers(in: collected)
    }

    /// One connection that sends `GET /-/healthy` with a 1 MiB `Content-Length` body, then with a 1 MiB chunked
    /// body, then without a body, and reads the three answers: a body the server throws away must leave the
    /// connection usable.
    static func bodiesThenAnotherRequest(port: Int) throws -> [Int] {
        let socket = try LoopbackSocket(port: port)
        let mebibyte = 1 << 20
        let withLength = Array("GET /-/healthy HTTP/1.1\r\nHost: x\r\nContent-Length: \(mebibyte)\r\n\r\n".utf8)
        let chunked = Array("GET /-/healthy HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        try socket.send(withLength + filler(mebibyte), within: 10)
        try socket.send(chunked + chunkedBody(chunks: 1024, size: 1024), within: 10)
        try socket.send(HostileClients.healthyRequest)
        return readAnswers(socket, count: 3, within: 10).map(\.status)
    }

    /// The status page as a client naming `host` in its `Host` field gets it.
    static func statusPage(port: Int, host: String) throws -> RawHTTPClient.Response {
        let client = try RawHTTPClient(port: port, timeoutSeconds: 10)
        try client.send("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n")
        guard let response = try client.readResponse() else { throw TestFailure("GET / was not answered") }
        return response
    }

    /// The size of `/metrics` uncompressed; the scrape also fills the server's render cache.
    static func expositionBytes(port: Int) throws -> Int {
        let client = try RawHTTPClient(port: port, timeoutSeconds: 10)
        try client.send(scrapeRequest)
        guard let response = try client.readResponse(), response.status == 200 else {
            throw TestFailure("GET /metrics did not answer 200")
        }
        return response.body.count
    }

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

    // MARK: - The copy from outside

    /// The highest resident memory seen over `seconds`, sampled every 50 ms: what the copy holds while its clients
    /// hold their connections, whatever moment a single sample would fall on.
    static func peakResident(of pid: Int32, over seconds: Double) throws -> Int {
        var peak = 0
        for _ in 0..<max(1, Int(seconds / 0.05)) {
            let resident = try ProcessFigures.residentBytes(of: pid)
            peak = max(peak, resident)
            Thread.sleep(forTimeInterval: 0.05)
        }
        return peak
    }

    /// Waits up to `seconds` for the copy to exit; false when it is still running.
    static func waitForExit(_ copy: ServedCopy, within seconds: Double) -> Bool {
        for _ in 0..<Int(seconds / 0.02) where copy.process.isRunning {
            Thread.sleep(forTimeInterval: 0.02)
        }
        return !copy.process.isRunning
    }

    /// SIGTERM, then the whole log once the copy has exited (or, past `seconds`, been killed: reading the log of a
    /// running copy would wait for ever). Whether it exited by itself, and its log.
    static func stopAndReadLog(_ copy: ServedCopy, within seconds: Double = 15) -> (exited: Bool, log: String) {
        kill(copy.process.processIdentifier, SIGTERM)
        let exited = waitForExit(copy, within: seconds)
        if !exited { copy.kill() }
        return (exited, copy.readRestOfLog())
    }

    /// The log's lines, split on the byte `\n` (a JSON line never holds one raw), each with its JSON object, or nil
    /// where it does not parse as one.
    static func jsonLines(_ log: String) -> [(line: String, object: [String: Any]?)] {
        log.utf8.split(separator: UInt8(ascii: "\n")).map { bytes in
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            return (line: String(decoding: bytes, as: UTF8.self), object: object)
        }
    }
}

/// Many connections driven from one thread with `poll`: each writes the bytes given to it as the kernel takes them
/// and keeps the start of what it receives, so a server that stops reading some of them stalls none of the others.
final class ConnectionCrowd {
    let sockets: [LoopbackSocket]
    /// Seconds from the crowd's start to each connection's first whole answer; nil before it.
    private(set) var answeredAt: [Double?]
    private(set) var closed: [Bool]
    private var received: [[UInt8]]
    private var outgoing: [[UInt8]]
    private var offsets: [Int]
    private let started = Date()
    /// What is kept of each connection's input: enough for a short answer, bounded whatever the server sends.
    private static let keptBytes = 16 * 1024

    init(port: Int, count: Int) throws {
        sockets = try (0..<count).map { _ in try LoopbackSocket(port: port) }
        answeredAt = Array(repeating: nil, count: count)
        closed = Array(repeating: false, count: count)
        received = Array(repeating: [], count: count)
        outgoing = Array(repeating: [], count: count)
        offsets = Array(repeating: 0, count: count)
    }

    /// Gives connection `index` `bytes` to write, instead of what it had left (one array shared by many connections
    /// is not copied).
    func send(_ bytes: [UInt8], on index: Int) {
        outgoing[index] = bytes
        offsets[index] = 0
    }

    /// Bytes connection `index` has not written yet.
    func unsent(_ index: Int) -> Int {
        outgoing[index].count - offsets[index]
    }

    /// The status of connection `index`'s first answer, once it is whole.
    func status(_ index: Int) -> Int? {
        HTTPResponseHead.completeStatus(in: received[index])
    }

    /// Closes connection `index` from the client's side.
    func close(_ index: Int) {
        sockets[index].close()
        closed[index] = true
    }

    /// Writes and reads until every open connection has written all its bytes and `done` holds (true), or nothing
    /// moved for `quietSeconds`, or `seconds` pass (false).
    @discardableResult
    func pump(
        within seconds: Double,
        quietSeconds: Double,
        until done: (ConnectionCrowd) -> Bool = { _ in true }
    ) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var lastProgress = Date()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let writing = sockets.indices.contains { !closed[$0] && unsent($0) > 0 }
            if !writing && done(self) { return true }
            guard Date() < deadline, Date().timeIntervalSince(lastProgress) < quietSeconds else { return false }
            var entries = sockets.indices.map { index -> pollfd in
                let events = Int16(POLLIN) | (unsent(index) > 0 ? Int16(POLLOUT) : 0)
                // A closed connection is left out (poll skips a negative descriptor), or it would wake poll at once.
                return pollfd(fd: closed[index] ? -1 : sockets[index].descriptor, events: events, revents: 0)
            }
            _ = poll(&entries, nfds_t(entries.count), 20)
            for index in sockets.indices where entries[index].revents != 0 {
                if entries[index].revents & Int16(POLLOUT) != 0, unsent(index) > 0 {
                    let rest = outgoing[index][offsets[index]...]
                    if let sent = rest.withUnsafeBytes({ sockets[index].trySend($0) }) {
                        offsets[index] += sent
                        if sent > 0 { lastProgress = Date() }
                    } else {
                        closed[index] = true
                    }
                }
                guard !closed[index], entries[index].revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 else { continue }
                switch chunk.withUnsafeMutableBytes({ sockets[index].receive(into: $0) }) {
                case .bytes(let count):
                    lastProgress = Date()
                    let kept = min(count, max(0, Self.keptBytes - received[index].count))
                    received[index] += chunk[..<kept]
                    if answeredAt[index] == nil, status(index) != nil {
                        answeredAt[index] = Date().timeIntervalSince(started)
                    }
                case .closed:
                    closed[index] = true
                case .wouldBlock:
                    break
                }
            }
        }
    }
}

/// Connections that pipeline `GET /` in batches and read (and throw away) the answers as fast as they come, on a
/// thread of their own until stopped: the cheap request that must not buy the loop from everyone else.
final class StatusPageFlood: Sendable {
    /// Requests written at once; a new batch starts once at most one batch is owed, so up to two are in flight.
    static let batch = 32
    private let stopping = Atomic<Bool>(false)
    private let answers = Atomic<Int>(0)
    private let failure = Mutex<String?>(nil)
    private let finished = DispatchGroup()

    private init() {}

    /// Starts `connections` flooding clients; they stop on `stop()`, or by themselves after `limit` seconds.
    static func start(port: Int, connections: Int, limit: Double = 60) -> StatusPageFlood {
        let flood = StatusPageFlood()
        flood.finished.enter()
        Thread.detachNewThread {
            defer { flood.finished.leave() }
            do {
                try flood.run(port: port, connections: connections, limit: limit)
            } catch {
                flood.failure.withLock { $0 = "\(error)" }
            }
        }
        return flood
    }

    /// Answers read so far, over all the flooding connections.
    var answered: Int { answers.load(ordering: .relaxed) }

    /// Waits until `count` answers have been read (the flood is under way), or `seconds` pass.
    func waitForAnswers(atLeast count: Int, within seconds: Double) {
        for _ in 0..<Int(seconds / 0.01) where answered < count && failure.withLock({ $0 }) == nil {
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// Stops the clients and waits for their thread; the answers they read in all.
    func stop() throws -> Int {
        stopping.store(true, ordering: .relaxed)
        guard finished.wait(timeout: .now() + 10) == .success else { throw TestFailure("the flood did not stop") }
        if let failure = failure.withLock({ $0 }) { throw TestFailure("flood: \(failure)") }
        return answered
    }

    private func run(port: Int, connections: Int, limit: Double) throws {
        let request = Array("GET / HTTP/1.1\r\nHost: flood\r\n\r\n".utf8)
        let batchBytes = Array([[UInt8]](repeating: request, count: Self.batch).joined())
        let sockets = try (0..<connections).map { _ in try LoopbackSocket(port: port) }
        var requested = [Int](repeating: 0, count: connections)
        var writing = [Bool](repeating: false, count: connections)
        var offsets = [Int](repeating: 0, count: connections)
        var tallies = [ResponseTally](repeating: ResponseTally(), count: connections)
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        let deadline = Date().addingTimeInterval(limit)
        while !stopping.load(ordering: .relaxed), Date() < deadline {
            let wantsToWrite = sockets.indices.map {
                writing[$0] || requested[$0] - tallies[$0].responses <= Self.batch
            }
            var entries = sockets.indices.map { index in
                let events = Int16(POLLIN) | (wantsToWrite[index] ? Int16(POLLOUT) : 0)
                return pollfd(fd: sockets[index].descriptor, events: events, revents: 0)
            }
            _ = poll(&entries, nfds_t(entries.count), 20)
            for index in sockets.indices where entries[index].revents != 0 {
                let events = entries[index].revents
                if events & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
                    switch buffer.withUnsafeMutableBytes({ sockets[index].receive(into: $0) }) {
                    case .bytes(let count):
                        let before = tallies[index].responses
                        buffer.withUnsafeBytes { tallies[index].add(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                        answers.add(tallies[index].responses - before, ordering: .relaxed)
                    case .wouldBlock:
                        break
                    case .closed:
                        throw TestFailure("the server closed a flooding connection after \(tallies[index].responses)")
                    }
                }
                guard events & Int16(POLLOUT) != 0, wantsToWrite[index] else { continue }
                if !writing[index] {
                    writing[index] = true
                    requested[index] += Self.batch
                    offsets[index] = 0
                }
                guard let sent = batchBytes[offsets[index]...].withUnsafeBytes({ sockets[index].trySend($0) }) else {
                    throw TestFailure("the server closed a flooding connection while it was sending")
                }
                offsets[index] += sent
                if offsets[index] == batchBytes.count { writing[index] = false }
            }
        }
    }
}
