/// Bytes made once and sent to many connections: a cached render, say. A connection that cannot send them at once
/// keeps a reference until its write completes instead of a copy, so slow readers of one render hold one copy between
/// them, however many they are.
///
/// Immutable after `init`, so it may cross threads.
public final class SharedBytes: @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer

    public init(_ bytes: some Collection<UInt8>) {
        storage = .allocate(byteCount: max(1, bytes.count), alignment: 16)
        UnsafeMutableRawBufferPointer(rebasing: storage[..<bytes.count]).copyBytes(from: bytes)
        count = bytes.count
    }

    deinit {
        storage.deallocate()
    }

    public let count: Int

    /// The bytes; valid while this object lives.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[..<count]) }

    /// A copy as an array, for tests and for callers that want to read the bytes.
    public var array: [UInt8] { Array(bytes) }
}
