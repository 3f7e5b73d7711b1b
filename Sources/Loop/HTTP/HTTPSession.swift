/// One connection's HTTP conversation: parse what arrives, queue a responder per request, and send answers in order.
final class HTTPSession: TCPConnectionDelegate, ResponseQueue {
    private enum Phase {
        /// Reading and answering requests.
        case open
        /// The last response is decided; once it is out, the write side shuts down. Nothing more is parsed.
        case closing
        /// Write side shut; reading and discarding until the peer closes or the linger deadline passes.
        case lingering(until: UInt64)
        case closed
    }

    /// Why `takeRequests` stopped.
    private enum Stop {
        /// The parser needs more bytes (or the phase is no longer open).
        case needBytes
        /// Answers owed or output queued are at their limit: flushing may make room.
        case noRoom
        /// This turn's share of requests is used; the rest waits for the next turn.
        case yielded
        /// The body just announced waits for the server's body budget.
        case waitingForBudget
    }

    private let connection: TCPConnection
    private unowned let pool: ConnectionPool
    /// The handler, with the slot for what screening the head of `current` gave.
    private let handler: any SessionHandler
    private var parser: RequestParser
    private var phase = Phase.open
    /// Answers owed, oldest first.
    private var queue: [Responder] = []
    /// The responder of the request whose body is being read.
    private var current: Responder?
    /// Serialised answers not yet handed to the socket.
    private var output: [UInt8] = []
    /// Answers with shared bodies, in order, with `output` to follow them (`seal`).
    private var sealed: [SharedBytes] = []
    private var sealedBytes = 0
    /// Loop time (ms) of the last byte read or response sent.
    private var lastActivity: UInt64
    /// Loop time (ms) when the request now being read started, moved later by every span in which the server paused
    /// reading, so that only the client's own time counts; nil between requests.
    private var requestClock: UInt64?
    /// Since when the server has not been reading this connection by its own choice (backpressure, budget, turn).
    private var pausedSince: UInt64?
    private var peerClosed = false
    private var processing = false
    /// Requests taken in this turn, against `maxRequestsPerTurn`.
    private var takenThisTurn = 0
    /// Waiting for the server's next turn (`resumeTurn`).
    private(set) var awaitsTurn = false
    /// The body size waiting for the server's body budget; nil when not waiting.
    private(set) var awaitedBodyBytes: Int?
    /// The share of the body budget this connection holds for the body being read.
    private var reservedBodyBytes = 0

    init(connection: TCPConnection, pool: ConnectionPool, handler: any SessionHandler) {
        self.connection = connection
        self.pool = pool
        self.handler = handler
        parser = RequestParser(limits: pool.configuration.limits)
        lastActivity = pool.loop.now
        connection.delegate = self
        connection.setNoDelay()
        connection.startReading()
    }

    private var configuration: HTTPServerConfiguration { pool.configuration }

    // MARK: - TCPConnectionDelegate

    func connection(_ connection: TCPConnection, didRead bytes: UnsafeRawBufferPointer) {
        lastActivity = pool.loop.now
        switch phase {
        case .open:
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
        case .open, .closing:
            if parser.isMidRequest, case .open = phase {
                close()  // A request cut short can never complete.
            } else if !queue.isEmpty || connection.pendingWriteBytes > 0 {
                phase = .closing  // Answer what was asked and send what is queued, then close.
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

    // MARK: - Turns and the body budget

    /// The server's next turn came: take another share of the pipeline.
    func resumeTurn() {
        awaitsTurn = false
        takenThisTurn = 0
        guard case .open = phase else { return }
        process()
        updateReading()
    }

    /// The server reserved `bytes` of its body budget for the body that waited: read it on the next turn.
    func budgetGranted(_ bytes: Int) {
        awaitedBodyBytes = nil
        reservedBodyBytes = bytes
        yieldTurn()
    }

    /// Puts the rest of the pipeline off to the next turn, and stops reading until then, so the parser's buffer
    /// cannot grow faster than its requests are taken.
    private func yieldTurn() {
        guard !awaitsTurn, !isClosed else { return }
        awaitsTurn = true
        pool.scheduleTurn(for: self)
        updateReading()
    }

    private func releaseBodyBudget() {
        guard reservedBodyBytes > 0 else { return }
        let bytes = reservedBodyBytes
        reservedBodyBytes = 0
        pool.releaseBodyBytes(bytes)
    }

    // MARK: - Requests

    /// Takes parsed requests while there is room, sends what is ready, and goes on while sending made room again
    /// (a write the kernel took at once); otherwise the write callback resumes it.
    private func process() {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        while true {
            let stop = takeRequests()
            flush()
            switch stop {
            case .noRoom:
                guard case .open = phase, hasRoomForMore else { return }
            case .yielded:
                yieldTurn()
                return
            case .needBytes, .waitingForBudget:
                return
            }
        }
    }

    /// Parses and dispatches requests until the parser needs more bytes, there is no room for another request, this
    /// turn's share is used, or a body waits for budget.
    private func takeRequests() -> Stop {
        while case .open = phase {
            guard awaitedBodyBytes == nil else { return .waitingForBudget }
            guard hasRoomForMore else { return .noRoom }
            guard takenThisTurn < pool.requestsPerTurn || current != nil else { return .yielded }
            guard let event = parser.next() else { return .needBytes }
            switch event {
            case .head(let head):
                takenThisTurn += 1
                startRequest(head)
            case .request(let request):
                finishRequest(request)
            case .failure(let error):
                answerAndClose(error)
            }
        }
        return .needBytes
    }

    /// A head is in: screen it, then decide what becomes of its body (read, dropped, or waiting for budget).
    private func startRequest(_ head: RequestHead) {
        let responder = Responder(head: head, startedAt: EventLoop.hrtime, session: self)
        queue.append(responder)
        current = responder
        if let refusal = handler.screen(head, responder: responder) {
            responder.respond(refusal)
            if head.hasBody {
                phase = .closing  // The body was not read, so the stream cannot be trusted.
            }
            return
        }
        guard head.hasBody else { return }
        if responder.discardsBody {
            // The route takes no body: answer now, and let the parser drop the bytes as they come.
            parser.discardBody()
            handler.handle(Request(head: head), responder: responder)
            if head.expectsContinue {
                phase = .closing  // The client waits for a `100 Continue` it will not get: its body may not follow.
            }
            return
        }
        // A body no larger than a head is bounded as heads are, per connection: it needs no share of the budget, so
        // bodies held by others can never stall an ordinary push or webhook.
        if let length = head.contentLength, length <= configuration.limits.maxHeadBytes { return }
        let needed = head.contentLength ?? configuration.limits.maxBodyBytes
        if pool.reserveBodyBytes(needed) {
            reservedBodyBytes = needed
        } else {
            awaitedBodyBytes = needed
            pool.awaitBodyBudget(for: self)
        }
    }

    private func finishRequest(_ request: Request) {
        requestClock = parser.isMidRequest ? pool.loop.now : nil
        guard let responder = current else { return }
        current = nil
        if responder.hasResponded {
            handler.dropScreened()
        } else {
            handler.handle(request, responder: responder)
        }
        releaseBodyBudget()
        if !request.head.keepAlive {
            phase = .closing  // RFC 9112 §9.6: nothing after a request with `close` is processed.
        }
        serializeAnswered()  // So that the output cap sees what this request produced.
    }

    /// Whether another request may be taken: answers owed below the pipeline limit, and output (gathered or still
    /// queued in the socket) below its cap. Checked between requests, so one read holding many pipelined requests
    /// cannot produce unbounded output either.
    private var hasRoomForMore: Bool {
        queue.count < configuration.maxPipelinedRequests
            && output.count + sealedBytes + connection.pendingWriteBytes <= configuration.maxPendingOutputBytes
    }

    func responderDidAnswer() {
        guard !processing else { return }  // `process` flushes when it is done.
        flush()
        guard !awaitsTurn else { return }  // The next turn goes on with the pipeline.
        process()
    }

    /// Serialises every answer at the front of the queue, writes them in one go, and decides what comes next.
    private func flush() {
        guard !isClosed else { return }
        serializeAnswered()
        if !sealed.isEmpty {
            seal()
            lastActivity = pool.loop.now
            connection.write(sealed)
            sealed.removeAll()
            sealedBytes = 0
        } else if !output.isEmpty {
            lastActivity = pool.loop.now
            connection.write(output)
            output.removeAll(keepingCapacity: output.capacity <= 64 * 1024)
        }
        if queue.isEmpty, pool.isDraining, !parser.isMidRequest, case .open = phase {
            phase = .closing
        }
        advanceClosing()
        updateReading()
    }

    /// Moves what `output` holds into `sealed`, so shared pieces can follow it in order.
    private func seal() {
        guard !output.isEmpty else { return }
        sealed.append(SharedBytes(output))
        sealedBytes += output.count
        output.removeAll(keepingCapacity: true)
    }

    /// Moves the answers at the front of the queue into `output`, in order, stopping at the first one still owed.
    private func serializeAnswered() {
        while let first = queue.first {
            guard let response = first.response else {
                if first.owesContinue, !(first === current && awaitedBodyBytes != nil) {
                    output.append(contentsOf: ResponseWriter.continueLine)
                    first.owesContinue = false
                }
                return
            }
            queue.removeFirst()
            let isLast: Bool
            if case .open = phase { isLast = queue.isEmpty && pool.isDraining } else { isLast = queue.isEmpty }
            let keepAlive = first.head.keepAlive && !isLast
            let omitBody = first.head.method == "HEAD"
            ResponseWriter.write(
                response,
                keepAlive: keepAlive,
                version: first.head.version,
                omitBody: omitBody,
                date: pool.date.current(),
                into: &output
            )
            if !omitBody, !response.shared.isEmpty {
                seal()
                sealed += response.shared
                sealedBytes += response.shared.reduce(0) { $0 + $1.count }
            }
            log(first, response)
            if !keepAlive {
                phase = .closing
                queue.removeAll()
                current = nil
                handler.dropScreened()
                return
            }
        }
    }

    private func log(_ responder: Responder, _ response: Response) {
        let head = responder.head
        let details = handler.wantsAccessLogDetails
        let entry = AccessLogEntry(
            method: head.method,
            target: head.target,
            version: head.version,
            status: response.status,
            durationSeconds: Double(EventLoop.hrtime &- responder.startedAt) / 1e9,
            remoteAddress: details ? connection.peerAddress?.host ?? "" : "",
            host: details ? head.headers["Host"] : nil,
            userAgent: details ? head.headers["User-Agent"] : nil,
            referrer: details ? head.headers["Referer"] : nil,
            contentType: details ? response.headers["Content-Type"] : nil,
            writtenBytes: response.bodyCount,
            route: responder.route
        )
        handler.didRespond(entry)
    }

    // MARK: - Flow control and closing

    /// Reads only while there is room (output below its cap, answers owed below the pipeline limit), this turn's
    /// share is not used up, and no body waits for budget. Time the server spends not reading by its own choice is
    /// not counted against the client's request deadlines.
    private func updateReading() {
        switch phase {
        case .open:
            guard !peerClosed else { return connection.stopReading() }
            if hasRoomForMore, !awaitsTurn, awaitedBodyBytes == nil {
                if let since = pausedSince {
                    requestClock = requestClock.map { $0 &+ (pool.loop.now &- since) }
                    pausedSince = nil
                }
                connection.startReading()
                if parser.bufferedByteCount > 0, !processing { process() }
            } else {
                if pausedSince == nil { pausedSince = pool.loop.now }
                connection.stopReading()
            }
        case .closing:
            connection.stopReading()
        case .lingering:
            if !peerClosed { connection.startReading() }
        case .closed:
            break
        }
    }

    /// Once the final response is out: shut the write side and linger, or close if the peer is already gone.
    private func advanceClosing() {
        guard case .closing = phase, queue.isEmpty, connection.pendingWriteBytes == 0 else { return }
        if peerClosed {
            close()
            return
        }
        connection.shutdownWrites()
        phase = .lingering(until: pool.loop.now + configuration.lingerMilliseconds)
        connection.startReading()
    }

    /// Called by the server's sweep timer.
    func checkDeadlines(now: UInt64) {
        switch phase {
        case .lingering(let until):
            if now >= until { close() }
        case .open:
            // While answers of ours are pending, or the server holds the request back, the client is not late.
            guard !queue.contains(where: { $0 !== current }), !awaitsTurn, awaitedBodyBytes == nil else { return }
            if pausedSince != nil {
                // Backpressure: what the client sent is here, so its request clock stands still, and only the idle
                // timeout bounds a client that does not read our answers.
                if now &- lastActivity >= configuration.idleTimeoutMilliseconds { close() }
            } else if let started = requestClock {
                let elapsed = now &- started
                if elapsed >= configuration.readTimeoutMilliseconds {
                    timeOut("request not received within the read timeout")
                } else if current == nil, elapsed >= configuration.headTimeoutMilliseconds {
                    timeOut("request head not received in time")
                } else if current != nil, now &- lastActivity >= configuration.idleTimeoutMilliseconds {
                    timeOut("request body not received in time")
                }
            } else if now &- lastActivity >= configuration.idleTimeoutMilliseconds {
                close()
            }
        case .closing:
            // Our answers are pending or the client is not reading them: give up after the idle timeout.
            if now &- lastActivity >= configuration.idleTimeoutMilliseconds { close() }
        case .closed:
            break
        }
    }

    private func timeOut(_ reason: String) {
        answerAndClose(HTTPError(408, reason))
    }

    /// Answers the request being read (or one that could not be parsed) with `error`; the connection closes after.
    private func answerAndClose(_ error: HTTPError) {
        let responder = current ?? Responder(head: Self.unparsedHead, startedAt: EventLoop.hrtime, session: self)
        if current == nil { queue.append(responder) }
        current = nil
        handler.dropScreened()
        phase = .closing
        releaseBodyBudget()
        responder.respond(.error(error))
    }

    /// Shutdown: an idle connection closes now; one with a request under way finishes it and then closes.
    func drain() {
        guard case .open = phase else { return }
        if queue.isEmpty, !parser.isMidRequest {
            close()
        }
        // Otherwise `flush` sends the remaining answers with `Connection: close`.
    }

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    func close() {
        guard !isClosed else { return }
        phase = .closed
        queue.removeAll()
        current = nil
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

    /// Stands in for the head of a request that could not be parsed, for the error answer and its log line.
    private static let unparsedHead = RequestHead(method: "-", target: "-", version: .http11)
}
