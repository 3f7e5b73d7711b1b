/// Taking requests off the parser: screening each head, deciding what becomes of its body, and handing the complete
/// request to the handler.
extension HTTPSession {
    /// Why `takeRequests` stopped.
    enum Stop {
        /// The parser needs more bytes (or the phase is no longer open).
        case needBytes
        /// Answers owed or output queued are at their limit: flushing may make room.
        case noRoom
        /// This turn's share of requests is used; the rest waits for the next turn.
        case yielded
        /// The body just announced waits for the server's body budget.
        case waitingForBudget
    }

    /// Takes parsed requests while there is room, sends what is ready, and goes on while sending made room again
    /// (a write the kernel took at once); otherwise the write callback resumes it.
    func process() {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        while true {
            let stop = takeRequests()
            flush()
            switch stop {
            case .noRoom:
                guard phase.isOpen, hasRoomForMore else { return }
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
        while phase.isOpen {
            guard awaitedBodyBytes == nil else { return .waitingForBudget }
            guard hasRoomForMore else { return .noRoom }
            guard takenThisTurn < pool.requestsPerTurn || phase == .readingRequest else { return .yielded }
            guard let step = parser.step() else { return .needBytes }
            switch step {
            case .head:
                takenThisTurn += 1
                // Set by every `.head` step. Moved out for screening and back for the body, so that the only copy
                // of the head is the responder's.
                guard let head = parser.announced.take() else { return .needBytes }
                startRequest(head)
                parser.announced = consume head
            case .request:
                finishRequest(parser.takeRequest())
            case .failure(let error):
                answerAndClose(error)
            }
        }
        return .needBytes
    }

    /// A head is in: screen it, then decide what becomes of its body (read, dropped, or waiting for budget).
    private func startRequest(_ head: RequestHead) {
        guard headReceived() else { return }
        let responder = makeResponder(head)
        queue.append(responder)
        current = responder
        if let refusal = handler.screen(head, responder: responder) {
            responder.respond(refusal)
            if head.hasBody {
                closeRequested()  // The body was not read, so the stream cannot be trusted.
            }
            return
        }
        guard head.hasBody else { return }
        if responder.discardsBody {
            // The route takes no body: answer now, and let the parser drop the bytes as they come.
            parser.discardBody()
            handler.handle(Request(head: head), responder: responder)
            if head.expectsContinue {
                closeRequested()  // The client waits for a `100 Continue` it will not get: its body may not follow.
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

    /// The last sent answer's responder when only this session holds it, else a new one.
    private func makeResponder(_ head: RequestHead) -> Responder {
        // The start time is only the access line's: with the log off, the clock is not read.
        let startedAt = handler.wantsAccessLog ? EventLoop.hrtime : 0
        if var spare = spareResponder.take(), isKnownUniquelyReferenced(&spare) {
            spare.reuse(head: copy head, startedAt: startedAt)
            return spare
        }
        return Responder(head: head, startedAt: startedAt, session: self)
    }

    private func finishRequest(_ request: Request) {
        requestClock = parser.isMidRequest ? pool.loop.now : nil
        guard bodyComplete(), let responder = current else { return }
        current = nil
        if responder.hasResponded {
            handler.dropScreened()
        } else {
            handler.handle(request, responder: responder)
        }
        releaseBodyBudget()
        if !request.head.keepAlive {
            closeRequested()  // RFC 9112 §9.6: nothing after a request with `close` is processed.
        }
        serializeAnswered()  // So that the output cap sees what this request produced.
    }

    /// Answers the request being read (or one that could not be parsed) with `error`; the connection closes after.
    func answerAndClose(_ error: HTTPError) {
        let responder = current ?? Responder(head: .placeholder, startedAt: EventLoop.hrtime, session: self)
        if current == nil { queue.append(responder) }
        current = nil
        handler.dropScreened()
        guard closeRequested() else { return }
        releaseBodyBudget()
        responder.respond(.error(error))
    }

    /// Whether another request may be taken: answers owed below the pipeline limit, and output (gathered or still
    /// queued in the socket) below its cap. Checked between requests, so one read holding many pipelined requests
    /// cannot produce unbounded output either.
    var hasRoomForMore: Bool {
        queue.count < configuration.maxPipelinedRequests
            && output.count + sealedBytes + connection.pendingWriteBytes <= configuration.maxPendingOutputBytes
    }
}
