import Glibc

/// Where log lines gather until the loop flushes them with one `write(2)` per iteration.
///
/// Loop-confined: only the loop thread logs (the service has no other thread that runs Swift code of ours except
/// thread-pool work, which returns values instead of logging). That is why this class may be `@unchecked Sendable`
/// without a lock, as swift-log requires of handlers.
@_spi(Harness) public final class LogSink: @unchecked Sendable {
    private var buffer: [UInt8] = []
    private let capacity: Int
    private let descriptor: Int32
    /// Lines dropped because the buffer was full (stderr slower than the logging).
    private(set) var droppedLines = 0

    @_spi(Harness) public init(descriptor: Int32 = 2, capacity: Int = 1 << 20) {
        self.descriptor = descriptor
        self.capacity = capacity
        buffer.reserveCapacity(64 * 1024)
    }

    func append(_ line: String) {
        let count = line.utf8.count + 1
        guard buffer.count + count <= capacity else {
            droppedLines += 1
            return
        }
        buffer.append(contentsOf: line.utf8)
        buffer.append(UInt8(ascii: "\n"))
    }

    /// Writes what is buffered. A write error drops the rest rather than retrying forever.
    func flush() {
        guard !buffer.isEmpty else { return }
        var offset = 0
        buffer.withUnsafeBytes { bytes in
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { break }
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: buffer.capacity <= 256 * 1024)
    }
}
