import CUV

/// A listening TCP socket that hands each accepted connection to a callback, up to a maximum number open at once.
public final class TCPListener: HandleOwner {
    private let loop: EventLoop
    private let handle: UnsafeMutablePointer<uv_tcp_t>
    /// Dropped on close, so a callback that captures its listener's owner forms no lasting cycle.
    private var onConnection: ((TCPConnection) -> Void)?
    private var closed = false

    /// Connections past this many open at once are accepted and closed at once, so a flood cannot exhaust file
    /// descriptors or memory.
    public let maxConnections: Int
    public private(set) var openConnections = 0
    public private(set) var refusedConnections = 0
    /// The address actually bound (its port is the one the kernel chose when 0 was asked).
    public private(set) var boundAddress: SocketAddress

    public init(
        loop: EventLoop,
        address: SocketAddress,
        backlog: Int32 = 511,
        maxConnections: Int = 4096,
        onConnection: @escaping (TCPConnection) -> Void
    ) throws(LoopError) {
        self.loop = loop
        self.maxConnections = maxConnections
        self.onConnection = onConnection
        self.boundAddress = address
        handle = allocateHandle(uv_tcp_t.self)
        bindOwner(handle, to: self)
        uv_tcp_init(loop.raw, handle)
        var status = withUnsafeBytes(of: address.storage) { uv_tcp_bind(handle, cuv_sockaddr($0.baseAddress), 0) }
        if status == 0 {
            status = uv_listen(cuv_stream(handle), backlog) { server, status in
                owner(of: server, as: TCPListener.self).accept(status: status)
            }
        }
        guard status == 0 else {
            close()
            throw LoopError(status, "listen on \(address)")
        }
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutableBytes(of: &storage) { raw in
            _ = uv_tcp_getsockname(handle, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
        }
        boundAddress = SocketAddress(storage: storage)
    }

    public var port: Int { boundAddress.port }

    /// Stops listening; connections already accepted stay open.
    public func close() {
        guard !closed else { return }
        closed = true
        onConnection = nil
        closeHandle(handle)
    }

    private func accept(status: Int32) {
        guard status == 0, !closed else { return }
        let connection = TCPConnection(loop: loop)
        guard uv_accept(cuv_stream(handle), connection.stream) == 0 else {
            connection.close()
            return
        }
        guard openConnections < maxConnections else {
            refusedConnections += 1
            connection.close()
            return
        }
        openConnections += 1
        connection.onClose = { [weak self] in self?.openConnections -= 1 }
        onConnection?(connection)
    }

    func handleDidClose() {
        closed = true
        onConnection = nil
    }
}
