/// A response as a handler builds it; the server adds `Date`, `Content-Length` and `Connection`.
public struct Response: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Sent after `body` without being copied per connection: the pieces of a cached render.
    public var shared: [SharedBytes]

    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = [], shared: [SharedBytes] = []) {
        self.status = status
        self.headers = headers
        self.body = body
        self.shared = shared
    }

    /// What `Content-Length` says: `body` and the shared pieces together.
    public var bodyCount: Int { shared.reduce(body.count) { $0 + $1.count } }

    /// Appends `body` (not the shared pieces) to `output`.
    func appendBody(to output: inout [UInt8]) {
        output.append(contentsOf: body)
    }

    /// The whole body as one array (tests read it so; the server never joins the pieces).
    public var joinedBody: [UInt8] { shared.reduce(into: body) { $0 += $1.bytes } }

    /// A plain-text response; `text` is sent as given.
    public static func text(_ status: Int, _ text: String, headers: HTTPHeaders = [:]) -> Response {
        var headers = headers
        headers.replaceOrAdd("Content-Type", "text/plain; charset=utf-8")
        return Response(status: status, headers: headers, body: Array(text.utf8))
    }

    /// A refusal: the status and a one-line reason, ending in a newline as Go's `http.Error` writes it.
    public static func error(_ error: HTTPError) -> Response {
        text(error.status, EchoedInput.reason(error.reason) + "\n")
    }

    /// The reason phrase for the status line.
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 417: "Expectation Failed"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        case 507: "Insufficient Storage"
        default: "Status \(status)"
        }
    }
}
