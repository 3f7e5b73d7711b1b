import Foundation
import Synchronization
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

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
