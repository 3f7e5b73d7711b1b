/// The handler as a connection calls it: not generic, so the session's code is compiled concretely in this module
/// (generic code called from another module runs unspecialised). `ScreenedSlot` is the one implementation.
protocol SessionHandler: AnyObject {
    /// Screens `head`; keeps what an accepting handler learnt for `handle`, or returns the refusal.
    func screen(_ head: RequestHead, responder: Responder) -> Response?
    /// Hands `request` to the handler with what screening its head kept, and empties the slot; does nothing when
    /// the slot is empty (the head was refused, or its request was handed over already).
    func handle(_ request: Request, responder: Responder)
    /// Forgets what screening kept: the request will not be handed over (it was answered with an error, or the
    /// connection closed).
    func dropScreened()
    func didRespond(_ entry: AccessLogEntry)
    var wantsAccessLogDetails: Bool { get }
}

/// One connection's handler with the slot for what its screening of the current head gave, typed, so nothing is
/// cast on the way back to `handle`.
final class ScreenedSlot<Handler: HTTPHandler>: SessionHandler {
    private unowned let handler: Handler
    /// One slot is enough: the parser announces a head only once the request before it is complete (`.request`)
    /// or the stream failed, and a head is screened only between requests (`SessionPhase`), so no second head is
    /// screened while this one's request is still being read.
    /// Unchecked: only this object's own methods touch it, and never reentrantly, so the runtime's exclusivity check
    /// on a generic class's property would cost the request path for nothing.
    @exclusivity(unchecked) private var screened: Handler.Screened?

    init(_ handler: Handler) {
        self.handler = handler
    }

    func screen(_ head: RequestHead, responder: Responder) -> Response? {
        assert(screened == nil, "a head screened before the request of the one before it was handed over")
        switch handler.screen(head, responder: responder) {
        case .refuse(let refusal):
            return refusal
        case .accept(let value):
            screened = value
            return nil
        }
    }

    func handle(_ request: Request, responder: Responder) {
        guard let value = screened.take() else { return }
        handler.handle(request, screened: value, responder: responder)
    }

    func dropScreened() {
        screened = nil
    }

    func didRespond(_ entry: AccessLogEntry) {
        handler.didRespond(entry)
    }

    var wantsAccessLogDetails: Bool { handler.wantsAccessLogDetails }
}
