/// HTTP/1.0 or HTTP/1.1 (a later 1.x minor is treated as 1.1).
public enum HTTPVersion: Sendable, Equatable, CustomStringConvertible {
    case http10
    case http11

    public var description: String { self == .http10 ? "HTTP/1.0" : "HTTP/1.1" }
}

/// A request line and its header section, as the server sees it before any body.
public struct RequestHead: Sendable {
    public var method: String
    /// The request target exactly as sent, e.g. `/api/x/observe?labels=a%2Cb`.
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    /// Whether the connection stays open after this request's response.
    public var keepAlive: Bool
    /// The client waits for `100 Continue` before it sends the body.
    public var expectsContinue: Bool
    /// The body's length when the client said it up front (`Content-Length`); nil for chunked or no body.
    public var contentLength: Int?
    public var isChunked: Bool

    public init(
        method: String,
        target: String,
        version: HTTPVersion = .http11,
        headers: HTTPHeaders = [:]
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        let connection = headers.tokens("Connection")
        keepAlive = version == .http11 ? !connection.contains("close") : connection.contains("keep-alive")
        expectsContinue = false
        contentLength = nil
        isChunked = false
    }

    /// Whether a body follows the head.
    public var hasBody: Bool { isChunked || (contentLength ?? 0) > 0 }

    /// The target's path, still percent-encoded.
    public var rawPath: Substring {
        target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? target[...]
    }

    /// The target's query, still percent-encoded; nil when there is no `?`.
    public var rawQuery: Substring? {
        target.utf8.firstIndex(of: UInt8(ascii: "?")).map { target[target.utf8.index(after: $0)...] }
    }

    /// The path split at `/` on the raw bytes, then each segment percent-decoded, so `%2F` stays inside its segment.
    /// Nil when a segment holds a broken percent escape. `/` gives `[]`, `/a/b/` gives `["a", "b", ""]`.
    public var pathSegments: [String]? {
        var segments: [String] = []
        for raw in rawPath.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst() {
            guard let decoded = PercentDecoding.decode(raw, plusIsSpace: false) else { return nil }
            segments.append(decoded)
        }
        return segments
    }

    /// The query's `name=value` pairs, each side percent-decoded (`+` is a space, as in HTML forms). Nil when an
    /// escape is broken.
    public var queryItems: [(name: String, value: String)]? {
        guard let query = rawQuery else { return [] }
        return PercentDecoding.formPairs(query.utf8)
    }
}

/// A complete request: head and body (chunked bodies arrive here already de-chunked).
public struct Request: Sendable {
    public var head: RequestHead
    public var body: [UInt8]

    public init(head: RequestHead, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }

    public var method: String { head.method }
    public var target: String { head.target }
    public var headers: HTTPHeaders { head.headers }
}
