/// The limits that keep one client from taking the server's memory.
public struct HTTPLimits: Sendable, Equatable {
    /// Request line plus header section (and, for chunked bodies, the trailer section).
    public var maxHeadBytes: Int
    /// The body after de-chunking.
    public var maxBodyBytes: Int

    public init(maxHeadBytes: Int = 8 * 1024, maxBodyBytes: Int = 1024 * 1024) {
        self.maxHeadBytes = maxHeadBytes
        self.maxBodyBytes = maxBodyBytes
    }
}
