/// A request the server refuses: the status to answer and a one-line reason for the body and the log.
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var reason: String

    public init(_ status: Int, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status) \(reason)" }
}

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
