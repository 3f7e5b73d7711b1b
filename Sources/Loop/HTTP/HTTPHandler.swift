/// How the server hands requests to the service.
public protocol HTTPHandler: AnyObject {
    /// Called once a head is parsed, before any body is read. Returning a response refuses the request at once
    /// (unknown route, missing token): the body is not read, and `100 Continue` is never sent. What the handler
    /// learns here it may keep in `responder.context` for `handle`.
    func screen(_ head: RequestHead, responder: Responder) -> Response?
    /// Answers a complete request now or later through `responder`; responses leave in request order either way.
    func handle(_ request: Request, responder: Responder)
    /// Called after each response is queued for sending.
    func didRespond(_ entry: AccessLogEntry)
    /// Whether `didRespond` needs the access-log fields (peer address, host, user agent...); when false they are
    /// left empty and not looked up.
    var wantsAccessLogDetails: Bool { get }
}

extension HTTPHandler {
    public func screen(_ head: RequestHead, responder: Responder) -> Response? { nil }
    public func didRespond(_ entry: AccessLogEntry) {}
    public var wantsAccessLogDetails: Bool { true }
}
