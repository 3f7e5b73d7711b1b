/// Finding the end of a head in the buffer, and building a `RequestHead` from its lines: request line, header
/// fields, and what they mean for the body.
extension RequestParser {
    mutating func parseHead() -> ParseEvent? {
        if lineStart < position { lineStart = position }
        var index = max(scanFrom, lineStart)
        while index < buffer.count {
            guard buffer[index] == UInt8(ascii: "\n") else {
                index += 1
                continue
            }
            let lineEnd = index > lineStart && buffer[index - 1] == UInt8(ascii: "\r") ? index - 1 : index
            let isEmpty = lineEnd == lineStart
            index += 1
            if isEmpty && !sawRequestLine {
                // Empty lines before a request line are tolerated (RFC 9112 §2.2).
                position = index
                lineStart = index
                continue
            }
            if isEmpty {
                let headBytes = buffer[position..<lineEnd]
                guard headBytes.count <= limits.maxHeadBytes else { return fail(431, "request head too large") }
                position = index
                lineStart = index
                scanFrom = index
                sawRequestLine = false
                return startBody(parseHeadLines(headBytes))
            }
            sawRequestLine = true
            lineStart = index
        }
        scanFrom = buffer.count
        if buffer.count - position > limits.maxHeadBytes {
            return fail(431, "request head too large")
        }
        return nil
    }

    private mutating func startBody(_ parsed: Result<RequestHead, HTTPError>) -> ParseEvent? {
        switch parsed {
        case .failure(let error):
            return fail(error)
        case .success(let head):
            discarding = false
            if head.isChunked {
                chunkedBody = []
                chunkedBytes = 0
                state = .chunkSize(head)
            } else {
                state = .fixedBody(head, length: head.contentLength ?? 0)
            }
            return .head(head)
        }
    }

    private func parseHeadLines(_ bytes: ArraySlice<UInt8>) -> Result<RequestHead, HTTPError> {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        }
        if lines.last?.isEmpty == true { lines.removeLast() }  // The head ends with its last line's line feed.
        let requestLine = lines.removeFirst()
        let method: String
        let target: String
        let version: HTTPVersion
        switch parseRequestLine(requestLine) {
        case .failure(let error): return .failure(error)
        case .success(let parts): (method, target, version) = parts
        }
        var headers = HTTPHeaders()
        for line in lines {
            switch parseHeaderLine(line) {
            case .failure(let error): return .failure(error)
            case .success(let field): headers.add(field.name, field.value)
            }
        }
        return HeadSemantics.apply(
            to: RequestHead(method: method, target: target, version: version, headers: headers),
            limits: limits
        )
    }

    private func parseRequestLine(
        _ line: ArraySlice<UInt8>
    ) -> Result<(String, String, HTTPVersion), HTTPError> {
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .failure(HTTPError(400, "malformed request line")) }
        let (method, target, version) = (parts[0], parts[1], parts[2])
        guard !method.isEmpty, method.allSatisfy(HTTPSyntax.isTokenByte) else {
            return .failure(HTTPError(400, "malformed method"))
        }
        guard !target.isEmpty, target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(HTTPError(400, "malformed request target"))
        }
        guard let originForm = Self.originForm(of: target, method: method) else {
            return .failure(HTTPError(400, "request target must be a path starting with /, or an absolute http URL"))
        }
        let prefix = Array("HTTP/".utf8)
        guard version.count == 8, version.starts(with: prefix) else {
            return .failure(HTTPError(400, "malformed HTTP version"))
        }
        let major = version[version.startIndex + 5]
        let dot = version[version.startIndex + 6]
        let minor = version[version.startIndex + 7]
        guard HTTPSyntax.isDigit(major), dot == UInt8(ascii: "."), HTTPSyntax.isDigit(minor) else {
            return .failure(HTTPError(400, "malformed HTTP version"))
        }
        guard major == UInt8(ascii: "1") else { return .failure(HTTPError(505, "HTTP version not supported")) }
        return .success(
            (
                String(decoding: method, as: UTF8.self),
                String(decoding: originForm, as: UTF8.self),
                minor == UInt8(ascii: "0") ? .http10 : .http11
            )
        )
    }

    /// The target in origin form (`/path?query`), as RFC 9112 §3.2 allows it: origin form as it is, absolute form
    /// (`http://host/path`, which a server must accept) by its path, `*` for `OPTIONS`; nil for anything else, so a
    /// target that does not start with `/` is never routed by accident.
    static func originForm(of target: ArraySlice<UInt8>, method: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        if target.first == UInt8(ascii: "/") { return target }
        if target.elementsEqual("*".utf8) { return method.elementsEqual("OPTIONS".utf8) ? target : nil }
        for scheme in ["http://", "https://"] {
            let prefix = target.prefix(scheme.utf8.count)
            guard prefix.count == scheme.utf8.count, zip(prefix, scheme.utf8).allSatisfy({ lowercaseASCII($0) == $1 })
            else { continue }
            let afterScheme = target.dropFirst(scheme.utf8.count)
            let isPathStart: (UInt8) -> Bool = { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }
            let authority = afterScheme.prefix { !isPathStart($0) }
            // RFC 9110 §4.2.1: an http URI has a host; userinfo and fragments have no place in a request target.
            guard !authority.isEmpty, !authority.contains(UInt8(ascii: "@")), !target.contains(UInt8(ascii: "#"))
            else { return nil }
            guard let authorityEnd = afterScheme.firstIndex(where: isPathStart) else { return Self.rootPath[...] }
            let rest = target[authorityEnd...]
            return rest.first == UInt8(ascii: "/") ? rest : (Self.rootPath + rest)[...]
        }
        return nil
    }

    private static let rootPath: [UInt8] = [UInt8(ascii: "/")]

    func parseHeaderLine(_ line: ArraySlice<UInt8>) -> Result<(name: String, value: String), HTTPError> {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            if let first = line.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
                return .failure(HTTPError(400, "obsolete header line folding"))
            }
            return .failure(HTTPError(400, "malformed header line"))
        }
        let name = line[..<colon]
        guard !name.isEmpty, name.allSatisfy(HTTPSyntax.isTokenByte) else {
            return .failure(HTTPError(400, "malformed header name"))
        }
        var value = line[(colon + 1)...]
        while let first = value.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            value = value.dropFirst()
        }
        while let last = value.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            value = value.dropLast()
        }
        guard value.allSatisfy(HTTPSyntax.isFieldValueByte) else {
            return .failure(HTTPError(400, "invalid character in header \(String(decoding: name, as: UTF8.self))"))
        }
        return .success((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
    }
}
