/// Sending answers: serialising those at the front of the queue in request order, writing them in one go, and the
/// access-log entry of each.
extension HTTPSession {
    func responderDidAnswer() {
        guard !processing else { return }  // `process` flushes when it is done.
        flush()
        guard !awaitsTurn else { return }  // The next turn goes on with the pipeline.
        process()
    }

    /// Serialises every answer at the front of the queue, writes them in one go, and decides what comes next.
    func flush() {
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
            connection.write(output.bytes)
            output.removeAll(keepingCapacityUpTo: 64 * 1024)
        }
        if queue.isEmpty, pool.isDraining, !parser.isMidRequest, phase.isOpen {
            guard closeRequested() else { return }
        }
        advanceClosing()
        updateReading()
    }

    /// Moves what `output` holds into `sealed`, so shared pieces can follow it in order.
    private func seal() {
        guard !output.isEmpty else { return }
        sealed.append(SharedBytes(output.bytes))
        sealedBytes += output.count
        output.removeAll(keepingCapacityUpTo: 64 * 1024)
    }

    /// Moves the answers at the front of the queue into `output`, in order, stopping at the first one still owed.
    func serializeAnswered() {
        while let first = queue.first {
            guard first.isAnswered else {
                if first.owesContinue, !(first === current && awaitedBodyBytes != nil) {
                    output.append(ResponseWriter.continueLine)
                    first.owesContinue = false
                }
                return
            }
            queue.removeFirst()
            guard let response = first.takeResponse() else { continue }
            let isLast = phase.isOpen ? queue.isEmpty && pool.isDraining : queue.isEmpty
            let keepAlive = first.head.keepAlive && !isLast
            let omitBody = first.head.httpMethod == .head
            pool.date.withCurrent { date in
                ResponseWriter.write(
                    response,
                    keepAlive: keepAlive,
                    version: first.head.version,
                    omitBody: omitBody,
                    date: date,
                    into: &output
                )
            }
            if !omitBody, !response.shared.isEmpty {
                seal()
                sealed += response.shared
                sealedBytes += response.shared.reduce(0) { $0 + $1.count }
            }
            log(first, response)
            first.sent()
            spareResponder = first
            if !keepAlive {
                guard closeRequested() else { return }
                queue.removeAll()
                current = nil
                handler.dropScreened()
                return
            }
        }
    }

    private func log(_ responder: Responder, _ response: Response) {
        handler.didRespond(route: responder.route, method: responder.head.httpMethod, status: response.status)
        // With the access log off, no entry is built: no copy of the head, no clock read.
        guard handler.wantsAccessLog else { return }
        let entry = AccessLogEntry(
            head: responder.head,
            version: responder.head.version,
            status: response.status,
            durationSeconds: Double(EventLoop.hrtime &- responder.startedAt) / 1e9,
            remoteAddress: connection.peerAddress?.host ?? "",
            contentType: response.contentType,
            writtenBytes: response.bodyCount,
            route: responder.route
        )
        handler.log(entry)
    }
}
