/// Serialises responses into wire bytes.
///
/// The head (status line, `Date`, the handler's fields, `Content-Length`, `Connection`) is written into one stack
/// buffer and appended to the output at once, then the body: the status line of every common status is a constant,
/// the date comes as bytes formatted once a second, and the length's digits are written directly.
public enum ResponseWriter {
    static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Appends the status line, headers and (unless `omitBody`, as for HEAD) the body to `output`. The shared pieces
    /// are not appended: the caller sends them after `output`, by reference.
    public static func write(
        _ response: Response,
        keepAlive: Bool,
        version: HTTPVersion,
        omitBody: Bool,
        date: String,
        into output: inout [UInt8]
    ) {
        var date = date
        date.withUTF8 { date in
            write(
                response,
                keepAlive: keepAlive,
                version: version,
                omitBody: omitBody,
                date: UnsafeRawBufferPointer(date),
                into: &output
            )
        }
    }

    /// `write` with the `Date` value as bytes, into an array (the micro-benchmarks' way): the head goes through a
    /// stack buffer.
    static func write(
        _ response: Response,
        keepAlive: Bool,
        version: HTTPVersion,
        omitBody: Bool,
        date: UnsafeRawBufferPointer,
        into output: inout [UInt8]
    ) {
        let head = Head(response, keepAlive: keepAlive, version: version, date: date)
        withUnsafeTemporaryAllocation(byteCount: head.size, alignment: 1) { buffer in
            let count = head.write(response, to: buffer.baseAddress!)
            output.append(contentsOf: UnsafeRawBufferPointer(start: buffer.baseAddress, count: count))
        }
        if !omitBody {
            response.withBodyBytes { output.append(contentsOf: $0) }
        }
    }

    /// `write` into a connection's output buffer: head and body are written in place.
    static func write(
        _ response: Response,
        keepAlive: Bool,
        version: HTTPVersion,
        omitBody: Bool,
        date: UnsafeRawBufferPointer,
        into output: inout OutputBuffer
    ) {
        let head = Head(response, keepAlive: keepAlive, version: version, date: date)
        let count = head.write(response, to: output.reserve(head.size))
        output.commit(count)
        if !omitBody {
            response.withBodyBytes { output.append($0) }
        }
    }

    private static let dateName: StaticString = "Date: "
    private static let lengthName: StaticString = "\r\nContent-Length: "
    private static let close: StaticString = "\r\nConnection: close"
    private static let keepAlive: StaticString = "\r\nConnection: keep-alive"
    private static let plainText: StaticString = "\r\nContent-Type: text/plain; charset=utf-8"
    // Typed, so that the literals are not made `String`s (a literal prefers `String` where both overloads fit).
    private static let lineEnd: StaticString = "\r\n"
    private static let fieldSeparator: StaticString = ": "
    private static let endOfHead: StaticString = "\r\n\r\n"

    /// A response's head, measured before it is written.
    private struct Head {
        let keepAlive: Bool
        let version: HTTPVersion
        let date: UnsafeRawBufferPointer
        /// At least the bytes `write` writes.
        let size: Int

        init(_ response: borrowing Response, keepAlive: Bool, version: HTTPVersion, date: UnsafeRawBufferPointer) {
            self.keepAlive = keepAlive
            self.version = version
            self.date = date
            var size = 64 + dateName.utf8CodeUnitCount + date.count + lengthName.utf8CodeUnitCount + 20 + 4
            size += keepAlive ? ResponseWriter.keepAlive.utf8CodeUnitCount : close.utf8CodeUnitCount
            if response.hasPlainTextFields {
                size += plainText.utf8CodeUnitCount
            } else {
                for field in response.headers where !isManaged(field.name) {
                    size += field.name.utf8.count + field.value.utf8.count + 4
                }
            }
            if statusLine(response.status) == nil { size += 64 }
            self.size = size
        }

        /// Writes the head of `response` at `base`; returns its length.
        func write(_ response: borrowing Response, to base: UnsafeMutableRawPointer) -> Int {
            var head = HeadWriter(base)
            if let line = statusLine(response.status) {
                head.write(line)
            } else {
                // Never longer than its share of `size`: a status of a few digits and the phrase `Status` and them.
                head.write("HTTP/1.1 \(response.status) \(Response.reasonPhrase(response.status))\r\n")
            }
            head.write(dateName)
            head.write(date)
            if response.hasPlainTextFields {
                head.write(plainText)
            } else {
                for field in response.headers where !isManaged(field.name) {
                    head.write(lineEnd)
                    head.write(field.name)
                    head.write(fieldSeparator)
                    head.write(field.value)
                }
            }
            head.write(lengthName)
            head.writeDecimal(response.bodyCount)
            if !keepAlive {
                head.write(close)
            } else if version == .http10 {
                head.write(ResponseWriter.keepAlive)
            }
            head.write(endOfHead)
            return head.count
        }
    }

    /// Fields the writer sets itself; a handler's copies are ignored so framing cannot be broken.
    private static func isManaged(_ name: String) -> Bool {
        switch name.utf8.count {
        case 4: asciiCaseInsensitiveEqual(name, "Date")
        case 10: asciiCaseInsensitiveEqual(name, "Connection")
        case 14: asciiCaseInsensitiveEqual(name, "Content-Length")
        case 17: asciiCaseInsensitiveEqual(name, "Transfer-Encoding")
        default: false
        }
    }

    /// The status line and CRLF of the statuses the server and the service answer with; nil for others.
    static func statusLine(_ status: Int) -> StaticString? {
        switch status {
        case 200: "HTTP/1.1 200 OK\r\n"
        case 201: "HTTP/1.1 201 Created\r\n"
        case 202: "HTTP/1.1 202 Accepted\r\n"
        case 204: "HTTP/1.1 204 No Content\r\n"
        case 301: "HTTP/1.1 301 Moved Permanently\r\n"
        case 304: "HTTP/1.1 304 Not Modified\r\n"
        case 400: "HTTP/1.1 400 Bad Request\r\n"
        case 401: "HTTP/1.1 401 Unauthorized\r\n"
        case 403: "HTTP/1.1 403 Forbidden\r\n"
        case 404: "HTTP/1.1 404 Not Found\r\n"
        case 405: "HTTP/1.1 405 Method Not Allowed\r\n"
        case 406: "HTTP/1.1 406 Not Acceptable\r\n"
        case 408: "HTTP/1.1 408 Request Timeout\r\n"
        case 409: "HTTP/1.1 409 Conflict\r\n"
        case 411: "HTTP/1.1 411 Length Required\r\n"
        case 413: "HTTP/1.1 413 Content Too Large\r\n"
        case 415: "HTTP/1.1 415 Unsupported Media Type\r\n"
        case 417: "HTTP/1.1 417 Expectation Failed\r\n"
        case 429: "HTTP/1.1 429 Too Many Requests\r\n"
        case 431: "HTTP/1.1 431 Request Header Fields Too Large\r\n"
        case 500: "HTTP/1.1 500 Internal Server Error\r\n"
        case 501: "HTTP/1.1 501 Not Implemented\r\n"
        case 503: "HTTP/1.1 503 Service Unavailable\r\n"
        case 505: "HTTP/1.1 505 HTTP Version Not Supported\r\n"
        case 507: "HTTP/1.1 507 Insufficient Storage\r\n"
        default: nil
        }
    }
}

/// Writes bytes at a cursor into memory sized beforehand.
private struct HeadWriter {
    let base: UnsafeMutableRawPointer
    var count = 0

    init(_ base: UnsafeMutableRawPointer) {
        self.base = base
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress else { return }
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    mutating func write(_ literal: StaticString) {
        write(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    /// At most 20 bytes: the digits of a non-negative count.
    mutating func writeDecimal(_ value: Int) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        var value = max(0, value)
        for index in stride(from: count + digits - 1, through: count, by: -1) {
            base.storeBytes(of: UInt8(ascii: "0") + UInt8(value % 10), toByteOffset: index, as: UInt8.self)
            value /= 10
        }
        count += digits
    }
}
