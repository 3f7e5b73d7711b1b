/// An HTTP/1.1 server on one loop: accepts connections, parses requests, and keeps per-connection deadlines.
public final class HTTPServer {
    let loop: EventLoop
    let configuration: HTTPServerConfiguration
    unowned let handler: HTTPHandler
    private var listener: TCPListener?
    private var sweeper: Timer?
    private var sessions: [ObjectIdentifier: HTTPSession] = [:]
    var date = HTTPDate()
    /// Set once shutdown began: no new requests are read on idle connections, and every response closes its
    /// connection.
    public private(set) var isDraining = false
    private var onDrained: (() -> Void)?

    public init(
        loop: EventLoop,
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        handler: HTTPHandler
    ) {
        self.loop = loop
        self.configuration = configuration
        self.handler = handler
    }

    /// Starts listening; returns the bound address (port 0 picks a free one).
    @discardableResult
    public func listen(on address: SocketAddress) throws(LoopError) -> SocketAddress {
        let listener = try TCPListener(
            loop: loop,
            address: address,
            backlog: configuration.backlog,
            maxConnections: configuration.maxConnections
        ) { [unowned self] connection in
            accept(connection)
        }
        self.listener = listener
        let sweeper = Timer(loop: loop)
        let interval = configuration.sweepIntervalMilliseconds
        sweeper.start(after: interval, every: interval) { [unowned self] in sweep() }
        sweeper.unref()
        self.sweeper = sweeper
        return listener.boundAddress
    }

    public var openConnections: Int { sessions.count }
    public var refusedConnections: Int { listener?.refusedConnections ?? 0 }

    /// Stops accepting, closes idle connections, and lets connections with a request in progress finish it; calls
    /// `onDrained` once every connection has closed.
    public func shutdown(onDrained: @escaping () -> Void) {
        isDraining = true
        self.onDrained = onDrained
        listener?.close()
        listener = nil
        for session in Array(sessions.values) {
            session.drain()
        }
        checkDrained()
    }

    /// Closes every connection at once, whatever it was doing.
    public func closeAll() {
        isDraining = true
        listener?.close()
        listener = nil
        for session in Array(sessions.values) {
            session.close()
        }
        sweeper?.close()
        sweeper = nil
        checkDrained()
    }

    private func accept(_ connection: TCPConnection) {
        let session = HTTPSession(connection: connection, server: self)
        sessions[ObjectIdentifier(session)] = session
        if isDraining { session.drain() }
    }

    func sessionDidClose(_ session: HTTPSession) {
        sessions[ObjectIdentifier(session)] = nil
        checkDrained()
    }

    private func checkDrained() {
        guard isDraining, sessions.isEmpty, let onDrained else { return }
        self.onDrained = nil
        sweeper?.close()
        sweeper = nil
        onDrained()
    }

    private func sweep() {
        let now = loop.now
        for session in Array(sessions.values) {
            session.checkDeadlines(now: now)
        }
    }
}
