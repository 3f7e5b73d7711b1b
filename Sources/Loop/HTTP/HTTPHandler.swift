/// How the server hands requests to the service.
public protocol HTTPHandler: AnyObject {
    /// What `screen` learns about a request and `handle` needs again; `Void` when the handler learns nothing.
    associatedtype Screened

    /// Called once a head is parsed, before any body is read; may set `responder.discardsBody` and `responder.route`.
    func screen(_ head: RequestHead, responder: Responder) -> Screening<Screened>
    /// Answers a complete request now or later through `responder`; responses leave in request order either way.
    func handle(_ request: Request, screened: Screened, responder: Responder)
    /// Called after each response is queued for sending, with what requests are counted by: the route template
    /// (nil when none matched), the method and the status.
    func didRespond(route: String?, method: HTTPMethod, status: Int)
    /// Whether `log` is wanted; read once per connection. When false, no access-log entry is built at all.
    var wantsAccessLog: Bool { get }
    /// The access-log entry of each response, right after `didRespond`, when `wantsAccessLog`.
    func log(_ entry: AccessLogEntry)
}

extension HTTPHandler {
    public func didRespond(route: String?, method: HTTPMethod, status: Int) {}
    public var wantsAccessLog: Bool { false }
    public func log(_ entry: AccessLogEntry) {}
}

extension HTTPHandler where Screened == Void {
    /// A handler that learns nothing from heads takes every request.
    public func screen(_ head: RequestHead, responder: Responder) -> Screening<Void> { .accept(()) }
}
