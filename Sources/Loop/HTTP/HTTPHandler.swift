/// How the server hands requests to the service.
public protocol HTTPHandler: AnyObject {
    /// What `screen` learns about a request and `handle` needs again; `Void` when the handler learns nothing.
    associatedtype Screened

    /// Called once a head is parsed, before any body is read; may set `responder.discardsBody` and `responder.route`.
    func screen(_ head: RequestHead, responder: Responder) -> Screening<Screened>
    /// Answers a complete request now or later through `responder`; responses leave in request order either way.
    func handle(_ request: Request, screened: Screened, responder: Responder)
    /// Called after each response is queued for sending.
    func didRespond(_ entry: AccessLogEntry)
    /// Whether `didRespond` needs the access-log fields (peer address, host, user agent...); when false they are
    /// left empty and not looked up.
    var wantsAccessLogDetails: Bool { get }
}

extension HTTPHandler {
    public func didRespond(_ entry: AccessLogEntry) {}
    public var wantsAccessLogDetails: Bool { true }
}

extension HTTPHandler where Screened == Void {
    /// A handler that learns nothing from heads takes every request.
    public func screen(_ head: RequestHead, responder: Responder) -> Screening<Void> { .accept(()) }
}
