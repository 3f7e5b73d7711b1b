import Loop

/// Reads a push's parameters as Go's `Request.FormValue` does: from an `application/x-www-form-urlencoded` body (the
/// release-tools Ruby client), a `multipart/form-data` body (`curl -F`), or the query string. As in Go, an urlencoded
/// body's value wins over the query's, and the query's over a multipart body's.
enum FormDecoding {
    /// Each field's value as text, repaired with U+FFFD where its bytes are not valid UTF-8.
    static func fields(of request: Request) throws(MetricError) -> [String: String] {
        try form(of: request).mapValues(\.text)
    }

    /// Each field's value, with its bytes kept where they are not valid UTF-8, so that label values can refuse them.
    static func form(of request: Request) throws(MetricError) -> [String: DecodedText] {
        var query: [(name: String, value: DecodedText)] = []
        if let rawQuery = request.head.rawQuery {
            guard let pairs = PercentDecoding.formFields(rawQuery.utf8) else {
                throw MetricError(.badForm, "malformed percent-encoding in the query string")
            }
            query = pairs
        }
        var fields: [String: DecodedText] = [:]
        for (name, value) in query where fields[name] == nil {
            fields[name] = value
        }
        guard !request.body.isEmpty else { return fields }
        let contentType = request.headers["Content-Type"] ?? ""
        let mediaType = HeaderElement(contentType).value
        var bodyFields: [(name: String, value: DecodedText)]
        switch mediaType {
        case "application/x-www-form-urlencoded":
            guard let pairs = PercentDecoding.formFields(request.body) else {
                throw MetricError(.badForm, "malformed percent-encoding in the form body")
            }
            bodyFields = pairs
        case "multipart/form-data":
            guard let boundary = parameter("boundary", of: contentType), !boundary.isEmpty, boundary.utf8.count <= 200
            else {
                throw MetricError(.badForm, "multipart/form-data without a boundary parameter")
            }
            bodyFields = try Multipart.fields(request.body, boundary: boundary)
        default:
            throw MetricError(
                .unsupportedMediaType,
                "unsupported Content-Type \"\(EchoedInput.text(contentType))\"; send application/x-www-form-urlencoded or multipart/form-data"
            )
        }
        // Go's FormValue: an urlencoded body's values come before the query's, a multipart body's after them.
        let bodyWins = mediaType == "application/x-www-form-urlencoded"
        var seen: Set<String> = []
        for (name, value) in bodyFields where !seen.contains(name) {
            seen.insert(name)
            if bodyWins || fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    /// A parameter of a header value such as `multipart/form-data; boundary="abc"`.
    static func parameter(_ name: String, of header: String) -> String? {
        HeaderElement(header).parameters[name]
    }
}

/// `multipart/form-data` (RFC 7578), parsed by hand: parts separated by `--boundary` lines, each with its own header
/// section; file parts (those with a `filename`) are skipped, as `FormValue` skips them.
enum Multipart {
    static let maxParts = 64

    static func fields(_ body: [UInt8], boundary: String) throws(MetricError) -> [(name: String, value: DecodedText)] {
        let malformed = MetricError(.badForm, "malformed multipart/form-data body")
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n--\(boundary)".utf8)
        // The first delimiter may be preceded by a preamble; it starts the body or follows a CRLF.
        var position: Int
        if body.starts(with: delimiter) {
            position = delimiter.count
        } else if let range = body.firstRange(of: separator) {
            position = range.upperBound
        } else {
            throw malformed
        }
        var fields: [(name: String, value: DecodedText)] = []
        while true {
            if body[position...].starts(with: Array("--".utf8)) { return fields }
            while position < body.count, body[position] == UInt8(ascii: " ") || body[position] == UInt8(ascii: "\t") {
                position += 1
            }
            guard body[position...].starts(with: Array("\r\n".utf8)) else { throw malformed }
            position += 2
            guard fields.count < maxParts else {
                throw MetricError(.badForm, "multipart/form-data body with more than \(maxParts) parts")
            }
            guard let headEnd = body[position...].firstRange(of: Array("\r\n\r\n".utf8)),
                let end = body[headEnd.upperBound...].firstRange(of: separator)
            else { throw malformed }
            let headers = String(decoding: body[position..<headEnd.lowerBound], as: UTF8.self)
            let content = body[headEnd.upperBound..<end.lowerBound]
            position = end.upperBound
            guard let disposition = headerValue("Content-Disposition", in: headers),
                disposition.lowercased().hasPrefix("form-data"),
                let name = FormDecoding.parameter("name", of: disposition)
            else { throw malformed }
            if FormDecoding.parameter("filename", of: disposition) == nil {
                fields.append((name: name, value: DecodedText(content)))
            }
        }
    }

    private static func headerValue(_ name: String, in headers: String) -> String? {
        for line in headers.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].trimmingHTTPWhitespace().lowercased() == name.lowercased() {
                return String(line[line.index(after: colon)...].trimmingHTTPWhitespace())
            }
        }
        return nil
    }
}
