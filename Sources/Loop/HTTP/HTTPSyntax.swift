/// Byte classes of RFC 9110.
enum HTTPSyntax {
    /// `tchar`: what method and header names are made of.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Visible characters, space, tab and obs-text; no other control characters (a bare CR or NUL is refused).
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}

/// What the header section means for framing and the connection, checked once the head is parsed.
enum HeadSemantics {
    static func apply(to head: RequestHead, limits: HTTPLimits) -> Result<RequestHead, HTTPError> {
        var head = head
        let hosts = head.headers.values("Host")
        if hosts.count > 1 || (head.version == .http11 && hosts.isEmpty) {
            return .failure(HTTPError(400, hosts.isEmpty ? "missing Host header" : "more than one Host header"))
        }
        let codings = head.headers.tokens("Transfer-Encoding")
        let lengths = head.headers.values("Content-Length")
        if !codings.isEmpty {
            guard lengths.isEmpty else {
                return .failure(HTTPError(400, "both Content-Length and Transfer-Encoding"))
            }
            guard codings.allSatisfy({ $0 == "chunked" }) else {
                return .failure(HTTPError(501, "unsupported transfer coding"))
            }
            guard codings.count == 1 else { return .failure(HTTPError(400, "chunked applied more than once")) }
            head.isChunked = true
        } else if !lengths.isEmpty {
            switch contentLength(lengths, limits: limits) {
            case .failure(let error): return .failure(error)
            case .success(let length): head.contentLength = length
            }
        }
        let expectations = head.headers.tokens("Expect")
        if !expectations.isEmpty {
            guard expectations == ["100-continue"] else {
                return .failure(HTTPError(417, "unsupported expectation"))
            }
            head.expectsContinue = head.version == .http11
        }
        return .success(head)
    }

    /// Every `Content-Length` (and every element of a comma-separated one) must be the same decimal number.
    private static func contentLength(_ values: [String], limits: HTTPLimits) -> Result<Int, HTTPError> {
        var length: Int?
        for element in values.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }) {
            let digits = element.trimmingHTTPWhitespace().utf8
            guard !digits.isEmpty, digits.allSatisfy(HTTPSyntax.isDigit) else {
                return .failure(HTTPError(400, "malformed Content-Length"))
            }
            let significant = digits.drop { $0 == UInt8(ascii: "0") }
            let value =
                significant.count > 15
                ? Int.max : significant.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            if let length, length != value { return .failure(HTTPError(400, "conflicting Content-Length")) }
            length = value
        }
        guard let length else { return .failure(HTTPError(400, "malformed Content-Length")) }
        guard length <= limits.maxBodyBytes else { return .failure(HTTPError(413, "request body too large")) }
        return .success(length)
    }
}
