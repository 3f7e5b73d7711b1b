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
    /// Connections whose pipeline waits for the next loop turn, in the order they yielded.
    private var turnWaiters: [HTTPSession] = []
    private var turnHook: TurnHook?
    /// Bytes of the body budget reserved by bodies being read.
    public private(set) var reservedBodyBytes = 0
    /// Connections whose next body waits for budget, first come first served.
    private var budgetWaiters: [HTTPSession] = []

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
        turnHook = TurnHook(loop: loop) { [unowned self] in runTurn() }
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
        closeHooks()
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
        closeHooks()
        onDrained()
    }

    private func closeHooks() {
        sweeper?.close()
        sweeper = nil
        turnHook?.close()
        turnHook = nil
        turnWaiters.removeAll()
        budgetWaiters.removeAll()
    }

    // MARK: - Fairness

    /// Requests one connection may take in this turn: `maxRequestsPerTurn`, shrunk when many connections wait for
    /// turns, so that one loop turn takes about `requestsPerLoopTurn` requests however many pipeline at once, and a
    /// bystander waits for one turn, not for every connection's full share.
    var requestsPerTurn: Int {
        max(1, min(configuration.maxRequestsPerTurn, configuration.requestsPerLoopTurn / max(1, turnWaiters.count)))
    }

    /// `session` used its share of this turn; it goes on after every other callback of the turn has run.
    func scheduleTurn(for session: HTTPSession) {
        turnWaiters.append(session)
        turnHook?.start()
    }

    private func runTurn() {
        let due = turnWaiters
        turnWaiters.removeAll(keepingCapacity: true)
        for session in due where !session.isClosed {
            session.resumeTurn()
        }
        if turnWaiters.isEmpty { turnHook?.stop() }
    }

    // MARK: - Body budget

    /// Reserves `bytes` for a body about to be read, unless they do not fit or others already wait.
    func reserveBodyBytes(_ bytes: Int) -> Bool {
        guard budgetWaiters.isEmpty, reservedBodyBytes + bytes <= configuration.bodyBudgetBytes else { return false }
        reservedBodyBytes += bytes
        return true
    }

    func awaitBodyBudget(for session: HTTPSession) {
        budgetWaiters.append(session)
    }

    func stopAwaitingBodyBudget(_ session: HTTPSession) {
        budgetWaiters.removeAll { $0 === session }
        admitBodies()
    }

    func releaseBodyBytes(_ bytes: Int) {
        reservedBodyBytes -= bytes
        admitBodies()
    }

    /// Grants waiting bodies their share in arrival order, as long as the first one fits.
    private func admitBodies() {
        while let first = budgetWaiters.first {
            guard let needed = first.awaitedBodyBytes, !first.isClosed else {
                budgetWaiters.removeFirst()
                continue
            }
            guard reservedBodyBytes + needed <= configuration.bodyBudgetBytes else { return }
            budgetWaiters.removeFirst()
            reservedBodyBytes += needed
            first.budgetGranted(needed)
        }
    }

    private func sweep() {
        let now = loop.now
        for session in Array(sessions.values) {
            session.checkDeadlines(now: now)
        }
    }
}
