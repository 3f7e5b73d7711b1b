/// The connections of one server and what they share: configuration, the `Date` header, the turn each may take, the
/// body budget, and the sweep of their deadlines.
///
/// Not generic over the handler, so that the sessions' code, which calls it on every request, is compiled
/// concretely in this module: generic code called from another module runs unspecialised.
final class ConnectionPool {
    let loop: EventLoop
    let configuration: HTTPServerConfiguration
    private var sessions: [ObjectIdentifier: HTTPSession] = [:]
    // The state the sessions read on every request is the pool's own, on the loop thread, and no access to it spans
    // a call that touches it again (`runTurn` and `admitBodies` work on copies or read one element at a time): the
    // runtime's exclusivity checks are off for it.
    @exclusivity(unchecked) var date = HTTPDate()
    /// Set once shutdown began: no new requests are read on idle connections, and every response closes its
    /// connection.
    @exclusivity(unchecked) private(set) var isDraining = false
    private var onDrained: (() -> Void)?
    private var sweeper: Timer?
    /// Connections whose pipeline waits for the next loop turn, in the order they yielded.
    @exclusivity(unchecked) private var turnWaiters: [HTTPSession] = []
    private var turnHook: TurnHook?
    /// Bytes of the body budget reserved by bodies being read.
    @exclusivity(unchecked) private(set) var reservedBodyBytes = 0
    /// Connections whose next body waits for budget, first come first served.
    @exclusivity(unchecked) private var budgetWaiters: [HTTPSession] = []

    init(loop: EventLoop, configuration: HTTPServerConfiguration) {
        self.loop = loop
        self.configuration = configuration
    }

    /// Starts the deadline sweep and the turn hook, once the server listens.
    func start() {
        let sweeper = Timer(loop: loop)
        let interval = configuration.sweepIntervalMilliseconds
        sweeper.start(after: interval, every: interval) { [unowned self] in sweep() }
        sweeper.unref()
        self.sweeper = sweeper
        turnHook = TurnHook(loop: loop) { [unowned self] in runTurn() }
    }

    var count: Int { sessions.count }

    func add(_ session: HTTPSession) {
        sessions[ObjectIdentifier(session)] = session
        if isDraining { session.drain() }
    }

    func sessionDidClose(_ session: HTTPSession) {
        sessions[ObjectIdentifier(session)] = nil
        checkDrained()
    }

    /// Closes idle connections and lets connections with a request in progress finish it; calls `onDrained` once
    /// every connection has closed.
    func drain(onDrained: @escaping () -> Void) {
        isDraining = true
        self.onDrained = onDrained
        for session in Array(sessions.values) {
            session.drain()
        }
        checkDrained()
    }

    /// Closes every connection at once, whatever it was doing.
    func closeAll() {
        isDraining = true
        for session in Array(sessions.values) {
            session.close()
        }
        closeHooks()
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
