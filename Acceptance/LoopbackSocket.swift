import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A non-blocking TCP connection to 127.0.0.1 for hostile clients: every wait is bounded by `poll`, sends never raise
/// SIGPIPE, and a close or reset by the server is an outcome to observe, not an error.
final class LoopbackSocket {
    let descriptor: Int32
    private var isOpen = true

    enum Received {
        case bytes(Int)
        case wouldBlock
        case closed
    }

    /// Connects (blocking, loopback answers at once), then switches the socket to non-blocking.
    init(port: Int) throws {
        descriptor = try connectedSocket(port: port)
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close()
    }

    func close() {
        guard isOpen else { return }
        isOpen = false
        Glibc.close(descriptor)
    }

    /// Half-closes: the server reads end of stream and may still answer.
    func shutdownWrite() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Writes what the kernel takes now: the count written (0 when its buffer is full), or nil when the server
    /// closed or reset the connection.
    func trySend(_ bytes: UnsafeRawBufferPointer) -> Int? {
        while true {
            let written = Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if written >= 0 { return written }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return 0
            default: return nil
            }
        }
    }

    /// Writes all of `bytes` within `seconds`; false when the server closed the connection first.
    @discardableResult
    func send(_ bytes: [UInt8], within seconds: Double = 5) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var offset = 0
        while offset < bytes.count {
            guard let written = bytes[offset...].withUnsafeBytes({ trySend($0) }) else { return false }
            offset += written
            if written == 0 {
                guard Date() < deadline else { throw TestFailure("send stalled for \(seconds) s") }
                _ = wait(for: Int16(POLLOUT), milliseconds: 50)
            }
        }
        return true
    }

    func send(_ text: String, within seconds: Double = 5) throws -> Bool {
        try send(Array(text.utf8), within: seconds)
    }

    /// Reads what has arrived, without waiting.
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> Received {
        while true {
            let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if count > 0 { return .bytes(count) }
            if count == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .closed  // ECONNRESET: the server closed with our bytes unread.
            }
        }
    }

    /// Reads whatever arrives until the server closes or `seconds` pass. `closed` is false on the timeout.
    func readUntilClosed(within seconds: Double) -> (bytes: [UInt8], closed: Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            switch chunk.withUnsafeMutableBytes({ receive(into: $0) }) {
            case .bytes(let count):
                collected.append(contentsOf: chunk[..<count])
            case .closed:
                return (collected, true)
            case .wouldBlock:
                let left = deadline.timeIntervalSinceNow
                guard left > 0 else { return (collected, false) }
                _ = wait(for: Int16(POLLIN), milliseconds: Int32(min(left, 0.05) * 1000) + 1)
            }
        }
    }

    /// Reads until `bytes` holds one whole response head plus the body its `Content-Length` announces, or the
    /// server closes, or `seconds` pass. Returns the status, or nil when no whole response arrived.
    func readResponseStatus(within seconds: Double) -> Int? {
        let deadline = Date().addingTimeInterval(seconds)
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let status = HTTPResponseHead.completeStatus(in: collected) { return status }
            switch chunk.withUnsafeMutableBytes({ receive(into: $0) }) {
            case .bytes(let count):
                collected.append(contentsOf: chunk[..<count])
            case .closed:
                return nil
            case .wouldBlock:
                let left = deadline.timeIntervalSinceNow
                guard left > 0 else { return nil }
                _ = wait(for: Int16(POLLIN), milliseconds: Int32(min(left, 0.05) * 1000) + 1)
            }
        }
    }

    /// Waits up to `milliseconds` for `events` (POLLIN, POLLOUT); true when one is ready (or the socket errs).
    func wait(for events: Int16, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        return poll(&entry, 1, milliseconds) > 0
    }
}
