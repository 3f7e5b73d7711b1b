/// One connection's HTTP conversation: parse what arrives, queue a responder per request, and send answers in order.
final class HTTPSession: TCPConnectionDelegate {
    private enum Phase {
        /// Reading and answering requests.
        case open
        /// The last response is decided; once it is out, the write side shuts down.
        case closing
        /// Write side shut; reading and discarding until the peer closes or the linger deadline passes.
        case lingering(until: UInt64)
        case closed
    }

    private let connection: TCPConnection
    private unowned let server: HTTPServer
    private var parser: RequestParser
    private var phase = Phase.open
    /// Answers owed, oldest first.
    private var queue: [Responder] = []
    /// The responder of the request whose body is being read.
    private var current: Responder?
    private var output: [UInt8] = []
    /// Loop time (ms) of the last byte read or response sent.
    private var lastActivity: UInt64
    /// Loop time (ms) when the request now being read started; nil between requests.
    private var requestStartedAt: UInt64?
    private var peerClosed = false
    private var processing = false

    init(connection: TCPConnection, server: HTTPServer) {
        self.connection = connection
        self.server = server
        parser = RequestParser(limits: server.configuration.limits)
        lastActivity = server.loop.now
        connection.delegate = self
        connection.setNoDelay()
        connection.startReading()
    }

    private var configuration: HTTPServerConfiguration { server.configuration }

    // MARK: - TCPConnectionDelegate

    func connection(_ connection: TCPConnection, didRead bytes: UnsafeRawBufferPointer) {
        lastActivity = server.loop.now
        switch phase {
        case .open:
            if requestStartedAt == nil { requestStartedAt = lastActivity }
            parser.feed(bytes)
            process()
        case .closing, .lingering:
            break  // Bytes after the last request are drained and dropped.
        case .closed:
            break
        }
    }

    func connectionDidReachEnd(_ connection: TCPConnection) {
        peerClosed = true
        switch phase {
        case .open, .closing:
            if parser.isMidRequest {
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
        lastActivity = server.loop.now  // A slow reader that keeps reading is not idle.
        advanceClosing()
        updateReading()
    }

    // MARK: - Requests

    /// Takes parsed requests while there is room, sends what is ready, and goes on while sending made room again
    /// (a write the kernel took at once); otherwise the write callback resumes it.
    private func process() {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        var stoppedForRoom = true
        while stoppedForRoom {
            stoppedForRoom = takeRequests()
            flush()
            guard case .open = phase, hasRoomForMore else { return }
        }
    }

    /// Parses and dispatches requests until the parser needs more bytes (returns false) or there is no room for
    /// another request (returns true).
    private func takeRequests() -> Bool {
        while case .open = phase {
            guard hasRoomForMore else { return true }
            guard let event = parser.next() else { return false }
            switch event {
            case .head(let head):
                let responder = Responder(head: head, startedAt: EventLoop.hrtime, session: self)
                queue.append(responder)
                if let refusal = server.handler.screen(head, responder: responder) {
                    responder.respond(refusal)
                    if head.hasBody {
                        phase = .closing  // The body was not read, so the stream cannot be trusted.
                    }
                }
                current = responder
            case .request(let request):
                requestStartedAt = parser.isMidRequest ? server.loop.now : nil
                guard let responder = current else { continue }
                current = nil
                if !responder.hasResponded {
                    server.handler.handle(request, responder: responder)
                }
                serializeAnswered()  // So that the output cap sees what this request produced.
            case .failure(let error):
                answerAndClose(error)
            }
        }
        return false
    }

    /// Whether another request may be taken: answers owed below the pipeline limit, and output (gathered or still
    /// queued in the socket) below its cap. Checked between requests, so one read holding many pipelined requests
    /// cannot produce unbounded output either.
    private var hasRoomForMore: Bool {
        queue.count < configuration.maxPipelinedRequests
            && output.count + connection.pendingWriteBytes <= configuration.maxPendingOutputBytes
    }

    func responderDidAnswer() {
        guard !processing else { return }  // `process` flushes when it is done.
        flush()
        process()
    }

    /// Serialises every answer at the front of the queue, writes them in one go, and decides what comes next.
    private func flush() {
        guard !isClosed else { return }
        serializeAnswered()
        if !output.isEmpty {
            lastActivity = server.loop.now
            connection.write(output)
            output.removeAll(keepingCapacity: output.capacity <= 64 * 1024)
        }
        if queue.isEmpty, server.isDraining, !parser.isMidRequest, case .open = phase {
            phase = .closing
        }
        advanceClosing()
        updateReading()
    }

    /// Moves the answers at the front of the queue into `output`, in order, stopping at the first one still owed.
    private func serializeAnswered() {
        while let first = queue.first {
            guard let response = first.response else {
                if first.owesContinue {
                    output.append(contentsOf: ResponseWriter.continueLine)
                    first.owesContinue = false
                }
                return
            }
            queue.removeFirst()
            let isLast: Bool
            if case .open = phase { isLast = queue.isEmpty && server.isDraining } else { isLast = queue.isEmpty }
            let keepAlive = first.head.keepAlive && !isLast
            ResponseWriter.write(
                response,
                keepAlive: keepAlive,
                version: first.head.version,
                omitBody: first.head.method == "HEAD",
                date: server.date.current(),
                into: &output
            )
            log(first, response)
            if !keepAlive {
                phase = .closing
                queue.removeAll()
                current = nil
                return
            }
        }
    }

    private func log(_ responder: Responder, _ response: Response) {
        let head = responder.head
        let details = server.handler.wantsAccessLogDetails
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
            writtenBytes: response.body.count,
            route: responder.route
        )
        server.handler.didRespond(entry)
    }

    // MARK: - Flow control and closing

    /// Reads only while there is room: output below its cap, answers owed below the pipeline limit.
    private func updateReading() {
        switch phase {
        case .open:
            if hasRoomForMore, !peerClosed {
                connection.startReading()
                if parser.bufferedByteCount > 0, !processing { process() }
            } else {
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
        phase = .lingering(until: server.loop.now + configuration.lingerMilliseconds)
        connection.startReading()
    }

    /// Called by the server's sweep timer.
    func checkDeadlines(now: UInt64) {
        switch phase {
        case .lingering(let until):
            if now >= until { close() }
        case .open:
            // While answers of ours are pending, the client is not the one who is late.
            guard !queue.contains(where: { $0 !== current }) else { return }
            if current != nil {
                if now &- lastActivity >= configuration.idleTimeoutMilliseconds {
                    timeOut("request body not received in time")
                }
            } else if parser.bufferedByteCount > 0, let started = requestStartedAt {
                if !hasRoomForMore {
                    // Reading is paused until the client reads our answers (backpressure): what it sent is here, so
                    // its head clock stands still, and only the idle timeout bounds a client that does not read.
                    requestStartedAt = now
                    if now &- lastActivity >= configuration.idleTimeoutMilliseconds { close() }
                } else if now &- started >= configuration.headTimeoutMilliseconds {
                    timeOut("request head not received in time")
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
        phase = .closing
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

    private var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    func close() {
        guard !isClosed else { return }
        phase = .closed
        queue.removeAll()
        current = nil
        connection.delegate = nil
        connection.close()
        server.sessionDidClose(self)
    }

    /// Stands in for the head of a request that could not be parsed, for the error answer and its log line.
    private static let unparsedHead = RequestHead(method: "-", target: "-", version: .http11)
}
