import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

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
