import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Sends one request many times over a few keep-alive connections, pipelined in batches, from one thread that
/// polls them all, and counts the answers. A window of requests in flight keeps the client from racing ahead of the
/// server's answers without ever waiting for a single one.
struct PipelinedLoad {
    var request: [UInt8]
    var connections: Int
    var requestsPerConnection: Int
    /// Requests written in one `send`.
    var batch = 1000
    /// Requests sent and not yet answered, per connection, before the client waits for answers.
    var window = 4000
    /// No answer for this long is a failure, not a wait.
    var stallSeconds = 10.0

    struct Outcome: Sendable {
        var responses = 0
        var okResponses = 0
        var seconds = 0.0
    }

    private final class Connection {
        let socket: LoopbackSocket
        var sent = 0
        /// Bytes of the batch being written that are already out.
        var batchOffset = 0
        var batchBytes = 0
        var tally = ResponseTally()

        init(socket: LoopbackSocket) {
            self.socket = socket
        }
    }

    func run(port: Int) throws -> Outcome {
        let started = Date()
        let all = try (0..<connections).map { _ in Connection(socket: try LoopbackSocket(port: port)) }
        let batchBuffer = Array([[UInt8]](repeating: request, count: batch).joined())
        var readBuffer = [UInt8](repeating: 0, count: 256 * 1024)
        var lastProgress = Date()
        while all.contains(where: { $0.tally.responses < requestsPerConnection }) {
            var entries = all.map { connection -> pollfd in
                var events = Int16(POLLIN)
                if connection.batchBytes > 0 || mayStartBatch(connection) { events |= Int16(POLLOUT) }
                return pollfd(fd: connection.socket.descriptor, events: events, revents: 0)
            }
            guard poll(&entries, nfds_t(entries.count), 200) >= 0 || errno == EINTR else {
                throw TestFailure("poll: errno \(errno)")
            }
            for (connection, entry) in zip(all, entries) where entry.revents != 0 {
                if entry.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
                    switch readBuffer.withUnsafeMutableBytes({ connection.socket.receive(into: $0) }) {
                    case .bytes(let count):
                        readBuffer.withUnsafeBytes {
                            connection.tally.add(UnsafeRawBufferPointer(rebasing: $0[..<count]))
                        }
                        lastProgress = Date()
                    case .wouldBlock:
                        break
                    case .closed:
                        throw TestFailure(
                            "the server closed a pipelining connection after \(connection.tally.responses) answers"
                        )
                    }
                }
                if entry.revents & Int16(POLLOUT) != 0 {
                    try write(connection, from: batchBuffer)
                }
            }
            guard Date().timeIntervalSince(lastProgress) < stallSeconds else {
                throw TestFailure("no answer for \(stallSeconds) s: \(all.map { ($0.sent, $0.tally.responses) })")
            }
        }
        return Outcome(
            responses: all.reduce(0) { $0 + $1.tally.responses },
            okResponses: all.reduce(0) { $0 + $1.tally.okResponses },
            seconds: Date().timeIntervalSince(started)
        )
    }

    private func mayStartBatch(_ connection: Connection) -> Bool {
        connection.sent < requestsPerConnection && connection.sent - connection.tally.responses < window
    }

    /// Starts a batch when the window allows, and writes as much of the current one as the kernel takes.
    private func write(_ connection: Connection, from batchBuffer: [UInt8]) throws {
        if connection.batchBytes == 0 {
            guard mayStartBatch(connection) else { return }
            let count = min(batch, requestsPerConnection - connection.sent)
            connection.sent += count
            connection.batchBytes = count * request.count
            connection.batchOffset = 0
        }
        let range = connection.batchOffset..<connection.batchBytes
        guard let written = batchBuffer[range].withUnsafeBytes({ connection.socket.trySend($0) }) else {
            throw TestFailure("the server closed a pipelining connection while it was sending")
        }
        connection.batchOffset += written
        if connection.batchOffset == connection.batchBytes { connection.batchBytes = 0 }
    }
}
