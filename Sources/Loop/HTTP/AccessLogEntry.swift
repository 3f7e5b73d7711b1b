/// One answered request, for the access log.
public struct AccessLogEntry: Sendable {
    public var method: String
    public var target: String
    public var version: HTTPVersion
    public var status: Int
    public var durationSeconds: Double
    public var remoteAddress: String
    public var host: String?
    public var userAgent: String?
    public var referrer: String?
    public var contentType: String?
    public var writtenBytes: Int
    /// The route's template when the handler named one (keeps raw paths out of labels).
    public var route: String?
}
