/// An HTTP/1.1 server on one loop: accepts connections, parses requests, and keeps per-connection deadlines.
///
/// Generic over its handler, so what the handler screens comes back to it typed. Only accepting is generic: each
/// connection gets the handler in a `ScreenedSlot`, and everything else runs in non-generic code.
public final class HTTPServer<Handler: HTTPHandler> {
    private let pool: ConnectionPool
    private unowned let handler: Handler
    private var listener: TCPListener?

    public init(
        loop: EventLoop,
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        handler: Handler
    ) {
        pool = ConnectionPool(loop: loop, configuration: configuration)
        self.handler = handler
    }

    /// Set once shutdown began: no new requests are read on idle connections, and every response closes its
    /// connection.
    public var isDraining: Bool { pool.isDraining }
    /// Bytes of the body budget reserved by bodies being read.
    public var reservedBodyBytes: Int { pool.reservedBodyBytes }

    /// Starts listening; returns the bound address (port 0 picks a free one).
    @discardableResult
    public func listen(on address: SocketAddress) throws(LoopError) -> SocketAddress {
        let configuration = pool.configuration
        let listener = try TCPListener(
            loop: pool.loop,
            address: address,
            backlog: configuration.backlog,
            maxConnections: configuration.maxConnections
        ) { [unowned self] connection in
            accept(connection)
        }
        self.listener = listener
        pool.start()
        return listener.boundAddress
    }

    public var openConnections: Int { pool.count }
    public var refusedConnections: Int { listener?.refusedConnections ?? 0 }

    /// Stops accepting, closes idle connections, and lets connections with a request in progress finish it; calls
    /// `onDrained` once every connection has closed.
    public func shutdown(onDrained: @escaping () -> Void) {
        stopListening()
        pool.drain(onDrained: onDrained)
    }

    /// Closes every connection at once, whatever it was doing.
    public func closeAll() {
        stopListening()
        pool.closeAll()
    }

    private func stopListening() {
        listener?.close()
        listener = nil
    }

    private func accept(_ connection: TCPConnection) {
        pool.add(HTTPSession(connection: connection, pool: pool, handler: ScreenedSlot(handler)))
    }
}
