/// The server's limits and timeouts. The defaults are production values; tests shrink them.
public struct HTTPServerConfiguration: Sendable {
    public var limits = HTTPLimits()
    /// A request head must be complete this long after its first byte (slowloris), else 408.
    public var headTimeoutMilliseconds: UInt64 = 10_000
    /// An idle keep-alive connection, or a body that stops arriving, is given up after this long.
    public var idleTimeoutMilliseconds: UInt64 = 60_000
    /// How long a closing connection keeps draining the peer's bytes, so they cannot turn our last response into a
    /// reset.
    public var lingerMilliseconds: UInt64 = 2_000
    public var maxConnections = 4096
    /// The accept queue, as Go's listeners size it (the kernel caps it at `net.core.somaxconn`, 4096 by default): a
    /// burst of connections larger than the queue has its handshakes' last ACKs dropped, and those clients, though
    /// connected in their own eyes, wait seconds for the server to retry.
    public var backlog: Int32 = 4096
    /// Reading stops while a connection's unsent output is above this, so a client that pipelines without reading
    /// cannot grow memory.
    public var maxPendingOutputBytes = 1024 * 1024
    /// Requests parsed and not yet answered, per connection; past this, reading pauses.
    public var maxPipelinedRequests = 64
    /// A whole request, head and body, must arrive this long after its first byte, else 408 (Go's
    /// `http.Server.ReadTimeout`). The clock stands still while the server itself is not reading the connection.
    public var readTimeoutMilliseconds: UInt64 = 30_000
    /// What request bodies being read may hold in memory across all connections; nil is
    /// `defaultBufferedBodyMultiple` largest bodies. A body reserves its `Content-Length` (a chunked one, the largest
    /// body) when its head is screened; one that does not fit waits, unread, until others free their share.
    public var maxBufferedBodyBytes: Int?
    /// What a nil `maxBufferedBodyBytes` holds, in largest bodies.
    public static let defaultBufferedBodyMultiple = 4
    /// Requests one connection may have parsed in one loop turn; the rest of a pipeline waits for the next turn, so
    /// one connection cannot hold the loop while others wait.
    public var maxRequestsPerTurn = 8
    /// What one loop turn aims to take across all connections: each connection's share shrinks as more of them
    /// pipeline at once (never below one request).
    public var requestsPerLoopTurn = 64

    public init() {}

    /// The body budget in force: never below one largest body, so any single body can be read.
    var bodyBudgetBytes: Int {
        max(limits.maxBodyBytes, maxBufferedBodyBytes ?? Self.defaultBufferedBodyMultiple * limits.maxBodyBytes)
    }

    /// How often deadlines are checked: often enough for the shortest timeout to be kept to within a quarter.
    var sweepIntervalMilliseconds: UInt64 {
        let shortest = min(
            headTimeoutMilliseconds,
            idleTimeoutMilliseconds,
            lingerMilliseconds,
            readTimeoutMilliseconds
        )
        return max(5, min(1_000, shortest / 4))
    }
}
