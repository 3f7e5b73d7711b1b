/// A connection's serialised answers not yet handed to the socket: bytes appended at the end, written out and
/// dropped all at once. Plain memory with a count, so that appending is a copy and emptying it costs nothing (an
/// array's `append` and `removeAll(keepingCapacity:)` cost a hundred instructions each on the request path).
struct OutputBuffer: ~Copyable {
    private var base: UnsafeMutableRawPointer?
    private(set) var count = 0
    private(set) var capacity = 0

    init() {}

    deinit {
        base?.deallocate()
    }

    var isEmpty: Bool { count == 0 }

    /// The bytes; valid until the buffer is next changed.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Room for `extra` more bytes at the end: write them there, then `commit` how many were written.
    mutating func reserve(_ extra: Int) -> UnsafeMutableRawPointer {
        if count + extra > capacity {
            let grown = max(count + extra, capacity * 2, 1024)
            let new = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
            if let base {
                new.copyMemory(from: base, byteCount: count)
                base.deallocate()
            }
            base = new
            capacity = grown
        }
        return base! + count
    }

    mutating func commit(_ written: Int) {
        count += written
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Empties the buffer, keeping its memory unless it grew past `limit`.
    mutating func removeAll(keepingCapacityUpTo limit: Int) {
        count = 0
        if capacity > limit {
            base?.deallocate()
            base = nil
            capacity = 0
        }
    }
}
