/// The handler as a connection calls it: not generic, so the session's code is compiled concretely in this module,
/// and made of closures built where the handler's type is known (`HTTPServer`'s inlinable init, so in the module
/// that names the handler), so that what they run is specialised for it too: generic code called from another module
/// runs unspecialised, looking up metadata on every call.
@usableFromInline
final class SessionHandler {
    /// Screens `head`; keeps what an accepting handler learnt for `handle`, or returns the refusal.
    private let screenHead: (RequestHead, Responder) -> Response?
    /// Hands the request to the handler with what screening its head kept, and empties the slot; does nothing when
    /// the slot is empty (the head was refused, or its request was handed over already).
    private let handleRequest: (Request, Responder) -> Void
    /// Forgets what screening kept: the request will not be handed over (it was answered with an error, or the
    /// connection closed).
    private let forget: () -> Void
    private let respond: (String?, HTTPMethod, Int) -> Void
    private let writeLog: (AccessLogEntry) -> Void
    /// The handler's `wantsAccessLog`, read once.
    let wantsAccessLog: Bool

    @usableFromInline
    init(
        screen: @escaping (RequestHead, Responder) -> Response?,
        handle: @escaping (Request, Responder) -> Void,
        dropScreened: @escaping () -> Void,
        didRespond: @escaping (String?, HTTPMethod, Int) -> Void,
        log: @escaping (AccessLogEntry) -> Void,
        wantsAccessLog: Bool
    ) {
        screenHead = screen
        handleRequest = handle
        forget = dropScreened
        respond = didRespond
        writeLog = log
        self.wantsAccessLog = wantsAccessLog
    }

    /// One connection's handler with the slot for what its screening of the current head gave, typed, so nothing is
    /// cast on the way back to `handle`.
    ///
    /// One slot is enough: the parser announces a head only once the request before it is complete (`.request`) or
    /// the stream failed, and a head is screened only between requests (`SessionPhase`), so no second head is
    /// screened while this one's request is still being read.
    ///
    /// The closures hold the handler strongly: a connection keeps its handler alive, and the handler never reaches
    /// its connections, so there is no cycle; an `unowned` capture would cost a check and a retain on every call.
    @inlinable
    static func make<Handler: HTTPHandler>(for handler: Handler) -> SessionHandler {
        let slot = ScreenedSlot<Handler.Screened>()
        return SessionHandler(
            screen: { head, responder in
                assert(slot.value == nil, "a head screened before the request of the one before it was handed over")
                switch handler.screen(head, responder: responder) {
                case .refuse(let refusal):
                    return refusal
                case .accept(let value):
                    slot.value = value
                    return nil
                }
            },
            handle: { request, responder in
                guard let value = slot.value.take() else { return }
                handler.handle(request, screened: value, responder: responder)
            },
            dropScreened: { slot.value = nil },
            didRespond: { route, method, status in handler.didRespond(route: route, method: method, status: status) },
            log: { entry in handler.log(entry) },
            wantsAccessLog: handler.wantsAccessLog
        )
    }

    func screen(_ head: RequestHead, responder: Responder) -> Response? { screenHead(head, responder) }
    func handle(_ request: Request, responder: Responder) { handleRequest(request, responder) }
    func dropScreened() { forget() }
    func didRespond(route: String?, method: HTTPMethod, status: Int) { respond(route, method, status) }
    func log(_ entry: AccessLogEntry) { writeLog(entry) }
}

/// What screening the current head of one connection gave, kept for `handle`.
@usableFromInline
final class ScreenedSlot<Screened> {
    /// Unchecked: only the connection's handler closures touch it, never reentrantly.
    @usableFromInline @exclusivity(unchecked) var value: Screened?

    @usableFromInline init() {}
}
