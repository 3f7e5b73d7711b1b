/// When a connection reads: only while there is room for more, while its share of the loop turn lasts, and while no
/// body waits for the server's body budget.
extension HTTPSession {
    /// The server's next turn came: take another share of the pipeline.
    func resumeTurn() {
        awaitsTurn = false
        takenThisTurn = 0
        guard phase.isOpen else { return }
        process()
        updateReading()
    }

    /// Puts the rest of the pipeline off to the next turn, and stops reading until then, so the parser's buffer
    /// cannot grow faster than its requests are taken.
    func yieldTurn() {
        guard !awaitsTurn, !isClosed else { return }
        awaitsTurn = true
        pool.scheduleTurn(for: self)
        updateReading()
    }

    /// The server reserved `bytes` of its body budget for the body that waited: read it on the next turn.
    func budgetGranted(_ bytes: Int) {
        awaitedBodyBytes = nil
        reservedBodyBytes = bytes
        yieldTurn()
    }

    func releaseBodyBudget() {
        guard reservedBodyBytes > 0 else { return }
        let bytes = reservedBodyBytes
        reservedBodyBytes = 0
        pool.releaseBodyBytes(bytes)
    }

    /// Reads only while there is room (output below its cap, answers owed below the pipeline limit), this turn's
    /// share is not used up, and no body waits for budget. Time the server spends not reading by its own choice is
    /// not counted against the client's request deadlines.
    func updateReading() {
        switch phase {
        case .idle, .readingRequest:
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
}
