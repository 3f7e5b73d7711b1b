import Glibc

/// Where log lines gather until the loop flushes them with one `write(2)` per iteration.
///
/// Loop-confined: only the loop thread logs (the service has no other thread that runs Swift code of ours except
/// thread-pool work, which returns values instead of logging). That is why this class may be `@unchecked Sendable`
/// without a lock, as swift-log requires of handlers.
///
/// The buffer is raw memory of its own, so that a line can be written straight into it (`appendLine`, the access
/// log's way) as well as copied from a String (`append`, swift-log's). Being loop-confined, with no access that
/// overlaps another, its state is `@exclusivity(unchecked)`: no runtime check on each of the accesses a line makes.
@_spi(Harness) public final class LogSink: @unchecked Sendable {
    @exclusivity(unchecked) private var storage: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var allocated: Int
    @exclusivity(unchecked) private var count = 0
    private let capacity: Int
    private let descriptor: Int32
    /// Lines dropped because the buffer was full (stderr slower than the logging).
    @exclusivity(unchecked) private(set) var droppedLines = 0

    private static let initialBytes = 64 * 1024
    /// A buffer grown past this is given back after a flush.
    private static let keptBytes = 256 * 1024

    @_spi(Harness) public init(descriptor: Int32 = 2, capacity: Int = 1 << 20) {
        self.descriptor = descriptor
        self.capacity = capacity
        allocated = Self.initialBytes
        storage = .allocate(capacity: allocated)
    }

    deinit {
        storage.deallocate()
    }

    func append(_ line: String) {
        var line = line
        line.withUTF8 { utf8 in
            appendLine(maxBytes: utf8.count) { output in
                if let base = utf8.baseAddress { output.update(from: base, count: utf8.count) }
                return utf8.count
            }
        }
    }

    /// Appends one line that `body` writes at the pointer it is given, in at most `maxBytes` bytes, and whose length
    /// it returns; the newline is added here. As with `append`, a line that would take the buffer past its capacity
    /// is dropped and counted.
    @inline(__always)
    func appendLine(maxBytes: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        if count + maxBytes + 1 > allocated { grow(toHold: count + maxBytes + 1) }
        let length = body(storage + count)
        guard count + length + 1 <= capacity else {
            droppedLines += 1
            return
        }
        storage[count + length] = UInt8(ascii: "\n")
        count += length + 1
    }

    private func grow(toHold needed: Int) {
        var size = allocated
        while size < needed { size *= 2 }
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        larger.update(from: storage, count: count)
        storage.deallocate()
        storage = larger
        allocated = size
    }

    /// What is buffered and not yet written, as text (for tests).
    var pendingText: String {
        String(decoding: UnsafeBufferPointer(start: storage, count: count), as: UTF8.self)
    }

    /// Writes what is buffered. A write error drops the rest rather than retrying forever.
    func flush() {
        guard count > 0 else { return }
        var offset = 0
        while offset < count {
            let written = Glibc.write(descriptor, storage + offset, count - offset)
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { break }
            offset += written
        }
        count = 0
        if allocated > Self.keptBytes {
            storage.deallocate()
            allocated = Self.initialBytes
            storage = .allocate(capacity: allocated)
        }
    }
}
