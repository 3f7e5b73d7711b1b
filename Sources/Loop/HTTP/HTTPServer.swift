/// An HTTP/1.1 server on one loop: accepts connections, parses requests, and keeps per-connection deadlines.
///
/// Generic over its handler, so what the handler screens comes back to it typed. Only making a connection's
/// `SessionHandler` is generic, and inlinable, so it is specialised for the handler where the server is made;
/// everything else runs in non-generic code.
public final class HTTPServer<Handler: HTTPHandler> {
    private let pool: ConnectionPool
    /// A new connection's handler: the `handler` given, with a slot of its own.
    private let makeSessionHandler: () -> SessionHandler
    private var listener: TCPListener?

    @inlinable
    public convenience init(
        loop: EventLoop,
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        handler: Handler
    ) {
        self.init(loop: loop, configuration: configuration) { [unowned handler] in SessionHandler.make(for: handler) }
    }

    @usableFromInline
    init(
        loop: EventLoop,
        configuration: HTTPServerConfiguration,
        makeSessionHandler: @escaping () -> SessionHandler
    ) {
        pool = ConnectionPool(loop: loop, configuration: configuration)
        self.makeSessionHandler = makeSessionHandler
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
        pool.add(HTTPSession(connection: connection, pool: pool, handler: makeSessionHandler()))
    }
}
