/// The client's deadlines: for a head, for a whole request, for silence, and for lingering after the last answer.
/// Checked by the server's sweep timer rather than a timer per connection.
extension HTTPSession {
    func checkDeadlines(now: UInt64) {
        switch phase {
        case .lingering(let until):
            if now >= until { close() }
        case .idle, .readingRequest:
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
                } else if phase == .idle, elapsed >= configuration.headTimeoutMilliseconds {
                    timeOut("request head not received in time")
                } else if phase == .readingRequest, now &- lastActivity >= configuration.idleTimeoutMilliseconds {
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
}
