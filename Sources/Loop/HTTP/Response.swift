/// A response as a handler builds it; the server adds `Date`, `Content-Length` and `Connection`.
public struct Response: Sendable {
    public var status: Int
    public var headers: HTTPHeaders {
        get { fields }
        set {
            fields = newValue
            hasPlainTextFields = false
        }
    }
    private var fields: HTTPHeaders
    /// The fields are `text(_:_:headers:)`'s own `Content-Type` alone, which the writer writes as one constant.
    private(set) var hasPlainTextFields = false
    /// The body: `bytes`, or the UTF-8 of `text` when it was given as text (`text(_:_:headers:)`), which is then
    /// written out without being copied into an array first.
    public var body: [UInt8] {
        get { text.map { Array($0.utf8) } ?? bytes }
        set {
            bytes = newValue
            text = nil
        }
    }
    private var bytes: [UInt8]
    private var text: String?
    /// Sent after `body` without being copied per connection: the pieces of a cached render.
    public var shared: [SharedBytes]

    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = [], shared: [SharedBytes] = []) {
        self.status = status
        fields = headers
        self.bytes = body
        self.text = nil
        self.shared = shared
    }

    private init(status: Int, headers: HTTPHeaders, text: String, plainTextFields: Bool) {
        self.status = status
        fields = headers
        hasPlainTextFields = plainTextFields
        bytes = []
        self.text = text
        shared = []
    }

    /// What `Content-Length` says: `body` and the shared pieces together.
    public var bodyCount: Int { shared.reduce(text?.utf8.count ?? bytes.count) { $0 + $1.count } }

    /// Calls `write` with the bytes of `body` (not the shared pieces).
    func withBodyBytes<Result>(_ write: (UnsafeRawBufferPointer) -> Result) -> Result {
        if var text {
            return text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
        }
        return bytes.withUnsafeBytes(write)
    }

    /// The whole body as one array (tests read it so; the server never joins the pieces).
    public var joinedBody: [UInt8] { shared.reduce(into: body) { $0 += $1.bytes } }

    /// The fields of a plain-text response without fields of its own, shared by all of them.
    /// The `Content-Type` field's value, nil for none; a plain-text answer's without looking through its fields.
    var contentType: String? {
        hasPlainTextFields ? Self.plainTextType : fields["Content-Type"]
    }

    private static let plainTextType = "text/plain; charset=utf-8"
    private static let plainText = HTTPHeaders([(name: "Content-Type", value: plainTextType)])

    /// A plain-text response; `text` is sent as given.
    public static func text(_ status: Int, _ text: String, headers: HTTPHeaders = [:]) -> Response {
        guard !headers.isEmpty else {
            return Response(status: status, headers: plainText, text: text, plainTextFields: true)
        }
        var fields = headers
        fields.replaceOrAdd("Content-Type", plainTextType)
        return Response(status: status, headers: fields, text: text, plainTextFields: false)
    }

    /// A refusal: the status and a one-line reason, ending in a newline as Go's `http.Error` writes it.
    /// A `text/plain` answer whose body is UTF-8 bytes already: its one field is written as a constant.
    public static func text(_ status: Int, bytes: [UInt8]) -> Response {
        Response(status: status, plainTextBytes: bytes)
    }

    private init(status: Int, plainTextBytes: [UInt8]) {
        self.status = status
        fields = Self.plainText
        hasPlainTextFields = true
        bytes = plainTextBytes
        text = nil
        shared = []
    }

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
