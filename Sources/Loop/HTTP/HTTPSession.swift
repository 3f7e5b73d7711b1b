/// One connection's HTTP conversation: parse what arrives, queue a responder per request, and send answers in order.
///
/// The conversation is spread over files by concept: taking requests (`HTTPSession+Requests`), sending answers
/// (`HTTPSession+Responses`), reading, turns and the body budget (`HTTPSession+FlowControl`), deadlines
/// (`HTTPSession+Deadlines`). Here: its state, the socket's callbacks, and the moves between phases.
final class HTTPSession: TCPConnectionDelegate, ResponseQueue {
    let connection: TCPConnection
    /// Unowned without a check (`unowned(unsafe)`): the pool holds its sessions (the socket and the responders hold
    /// one only until it closes, which the pool's shutdown makes it do), so a session never outlives it; a checked `unowned`
    /// costs a retain and a release on each of the dozen reads a request makes.
    unowned(unsafe) let pool: ConnectionPool
    /// The handler, with the slot for what screening the head of `current` gave.
    let handler: SessionHandler
    // The state below is the session's own, touched on the loop thread by its methods alone, and no access to it
    // spans a call into the handler (the handler is called between accesses, never during one): the runtime's
    // exclusivity checks on a class's properties would cost the request path for nothing.
    @exclusivity(unchecked) var parser: RequestParser
    /// Changed only through `move`, which checks each change against `SessionPhase.after`.
    @exclusivity(unchecked) private(set) var phase = SessionPhase.idle
    /// Answers owed, oldest first.
    @exclusivity(unchecked) var queue: [Responder] = []
    /// The responder of the request being read; set exactly while the phase is `readingRequest`, and kept while
    /// closing after a refused head.
    @exclusivity(unchecked) var current: Responder?
    /// The responder of the last answer sent, for the next request: reused if nothing else holds it by then.
    @exclusivity(unchecked) var spareResponder: Responder?
    /// Serialised answers not yet handed to the socket.
    @exclusivity(unchecked) var output = OutputBuffer()
    /// Answers with shared bodies, in order, with `output` to follow them (`seal`).
    @exclusivity(unchecked) var sealed: [SharedBytes] = []
    @exclusivity(unchecked) var sealedBytes = 0
    /// Loop time (ms) of the last byte read or response sent.
    @exclusivity(unchecked) var lastActivity: UInt64
    /// Loop time (ms) when the request now being read started, moved later by every span in which the server paused
    /// reading, so that only the client's own time counts; nil between requests.
    @exclusivity(unchecked) var requestClock: UInt64?
    /// Since when the server has not been reading this connection by its own choice (backpressure, budget, turn).
    @exclusivity(unchecked) var pausedSince: UInt64?
    @exclusivity(unchecked) var peerClosed = false
    @exclusivity(unchecked) var processing = false
    /// Requests taken in this turn, against `maxRequestsPerTurn`.
    @exclusivity(unchecked) var takenThisTurn = 0
    /// Waiting for the server's next turn (`resumeTurn`).
    @exclusivity(unchecked) var awaitsTurn = false
    /// The body size waiting for the server's body budget; nil when not waiting.
    @exclusivity(unchecked) var awaitedBodyBytes: Int?
    /// The share of the body budget this connection holds for the body being read.
    @exclusivity(unchecked) var reservedBodyBytes = 0

    init(connection: TCPConnection, pool: ConnectionPool, handler: SessionHandler) {
        self.connection = connection
        self.pool = pool
        self.handler = handler
        parser = RequestParser(limits: pool.configuration.limits)
        lastActivity = pool.loop.now
        connection.delegate = self
        connection.setNoDelay()
        connection.startReading()
    }

    var configuration: HTTPServerConfiguration { pool.configuration }

    // MARK: - TCPConnectionDelegate

    func connection(_ connection: TCPConnection, didRead bytes: UnsafeRawBufferPointer) {
        lastActivity = pool.loop.now
        switch phase {
        case .idle, .readingRequest:
            if requestClock == nil { requestClock = lastActivity }
            parser.feed(bytes)
            if !awaitsTurn {
                takenThisTurn = 0
                process()
            }
        case .closing, .lingering:
            break  // Bytes after the last request are drained and dropped, never parsed.
        case .closed:
            break
        }
    }

    func connectionDidReachEnd(_ connection: TCPConnection) {
        peerClosed = true
        switch phase {
        case .idle, .readingRequest, .closing:
            if parser.isMidRequest, phase.isOpen {
                close()  // A request cut short can never complete.
            } else if !queue.isEmpty || connection.pendingWriteBytes > 0 {
                // Answer what was asked and send what is queued, then close.
                guard closeRequested() else { return }
                advanceClosing()
            } else {
                close()
            }
        case .lingering, .closed:
            close()
        }
    }

    /// The socket closed under us (a write failed): the session goes with it.
    func connectionDidClose(_ connection: TCPConnection) {
        close()
    }

    func connectionDidFlush(_ connection: TCPConnection) {
        lastActivity = pool.loop.now  // A slow reader that keeps reading is not idle.
        advanceClosing()
        updateReading()
    }

    // MARK: - Phase transitions

    /// A head came: its request is read next. False (and the connection closed) when the phase does not allow it.
    func headReceived() -> Bool {
        move(.headReceived)
    }

    /// The request being read is complete and about to be handed over.
    func bodyComplete() -> Bool {
        move(.bodyComplete)
    }

    /// No further request is read; the answers owed go out, then the connection closes.
    @discardableResult
    func closeRequested() -> Bool {
        move(.closeRequested)
    }

    /// Moves to the phase `event` leads to. A move the table does not allow is a bug here, never the client's
    /// doing, yet no input may trap the server: it asserts in debug builds and closes the connection in release
    /// builds. Callers stop when it returns false.
    private func move(_ event: SessionPhase.Event) -> Bool {
        guard let next = phase.after(event) else {
            assertionFailure("a connection in phase \(phase) cannot take \(event)")
            close()
            return false
        }
        phase = next
        return true
    }

    // MARK: - Closing

    /// Once the final response is out: shut the write side and linger, or close if the peer is already gone.
    func advanceClosing() {
        guard case .closing = phase, queue.isEmpty, connection.pendingWriteBytes == 0 else { return }
        if peerClosed {
            close()
            return
        }
        connection.shutdownWrites()
        guard move(.writesShut(lingerUntil: pool.loop.now + configuration.lingerMilliseconds)) else { return }
        connection.startReading()
    }

    /// Shutdown: an idle connection closes now; one with a request under way finishes it and then closes.
    func drain() {
        guard phase.isOpen else { return }
        if queue.isEmpty, !parser.isMidRequest {
            close()
        }
        // Otherwise `flush` sends the remaining answers with `Connection: close`.
    }

    var isClosed: Bool { phase == .closed }

    func close() {
        // Closed already: closing again is expected (a timeout and the peer's end may race), and does nothing.
        guard let next = phase.after(.closed) else { return }
        phase = next
        // The responders hold the session strongly: each lets go, so none keeps it (or a cycle) alive.
        for responder in queue { responder.detach() }
        current?.detach()
        spareResponder?.detach()
        queue.removeAll()
        current = nil
        spareResponder = nil
        handler.dropScreened()
        sealed.removeAll()
        sealedBytes = 0
        releaseBodyBudget()
        if awaitedBodyBytes != nil {
            awaitedBodyBytes = nil
            pool.stopAwaitingBodyBudget(self)
        }
        connection.delegate = nil
        connection.close()
        pool.sessionDidClose(self)
    }
}
