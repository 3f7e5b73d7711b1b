/// One answered request, for the access log.
///
/// Its head is the request's own (no copy): a sink that writes bytes reads `head.methodBytes`, `head.targetBytes` and
/// `head.field(.host)`...; the string properties are conveniences built when asked.
public struct AccessLogEntry: Sendable {
    /// The request's head; a placeholder with method and target `-` for a request that could not be parsed.
    public var head: RequestHead
    public var version: HTTPVersion
    public var status: Int
    public var durationSeconds: Double
    /// The peer's address (empty when unknown).
    public var remoteAddress: String
    /// The response's `Content-Type`.
    public var contentType: String?
    public var writtenBytes: Int
    /// The route's template when the handler named one (keeps raw paths out of labels).
    public var route: String?

    public var method: String { head.method }
    public var target: String { head.target }
    public var host: String? { head.field(.host)?.string }
    public var userAgent: String? { head.field(.userAgent)?.string }
    public var referrer: String? { head.field(.referer)?.string }
}
