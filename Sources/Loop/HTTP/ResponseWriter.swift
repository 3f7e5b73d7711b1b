/// Serialises responses into wire bytes.
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
        output.reserveCapacity(output.count + 160 + response.body.count)
        append("HTTP/1.1 ", &output)
        append(String(response.status), &output)
        output.append(UInt8(ascii: " "))
        append(Response.reasonPhrase(response.status), &output)
        append("\r\nDate: ", &output)
        append(date, &output)
        for field in response.headers where !isManaged(field.name) {
            append("\r\n", &output)
            append(field.name, &output)
            append(": ", &output)
            append(field.value, &output)
        }
        append("\r\nContent-Length: ", &output)
        append(String(response.bodyCount), &output)
        if !keepAlive {
            append("\r\nConnection: close", &output)
        } else if version == .http10 {
            append("\r\nConnection: keep-alive", &output)
        }
        append("\r\n\r\n", &output)
        if !omitBody {
            output.append(contentsOf: response.body)
        }
    }

    /// Fields the writer sets itself; a handler's copies are ignored so framing cannot be broken.
    private static func isManaged(_ name: String) -> Bool {
        asciiCaseInsensitiveEqual(name, "Content-Length") || asciiCaseInsensitiveEqual(name, "Connection")
            || asciiCaseInsensitiveEqual(name, "Date") || asciiCaseInsensitiveEqual(name, "Transfer-Encoding")
    }

    @inline(__always)
    private static func append(_ string: String, _ output: inout [UInt8]) {
        output.append(contentsOf: string.utf8)
    }
}
