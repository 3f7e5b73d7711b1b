/// Where one connection is in its life, and which events move it on. The table is a pure function, so it is tested
/// apart from sockets, and a move the session did not expect is caught rather than acted on.
enum SessionPhase: Equatable {
    /// Reading requests, between two of them: the next head may come.
    case idle
    /// A head was taken and its request (body included) is not complete yet; no other head is screened meanwhile.
    case readingRequest
    /// The last response is decided; once it is out, the write side shuts down. Nothing more is parsed.
    case closing
    /// Write side shut; reading and discarding until the peer closes or the linger deadline passes.
    case lingering(until: UInt64)
    case closed

    enum Event: Equatable {
        /// The parser announced a head.
        case headReceived
        /// The request whose head came last is complete (its body read or dropped) and handed over.
        case bodyComplete
        /// No further request is read: the answers owed go out, then the connection closes. Asked for by
        /// `Connection: close`, an error, a drain or the peer's end of stream, possibly more than once.
        case closeRequested
        /// The last answer is out and the write side is shut.
        case writesShut(lingerUntil: UInt64)
        /// The socket is closed.
        case closed
    }

    /// Whether requests are still read.
    var isOpen: Bool {
        switch self {
        case .idle, .readingRequest: true
        case .closing, .lingering, .closed: false
        }
    }

    /// The phase `event` leads to, or nil when `event` cannot happen in this phase.
    func after(_ event: Event) -> SessionPhase? {
        switch (self, event) {
        case (.idle, .headReceived):
            .readingRequest
        case (.readingRequest, .bodyComplete):
            .idle
        case (.idle, .closeRequested), (.readingRequest, .closeRequested), (.closing, .closeRequested):
            .closing
        case (.closing, .writesShut(let until)):
            .lingering(until: until)
        case (.idle, .closed), (.readingRequest, .closed), (.closing, .closed), (.lingering, .closed):
            .closed
        default:
            nil
        }
    }
}
