/// What the parser found in the bytes fed so far.
public enum ParseEvent: Sendable {
    /// A head is complete; its body (if any) is next. The server may refuse the request here, before the body.
    case head(RequestHead)
    /// The request that the last `.head` announced is complete.
    case request(Request)
    /// The stream is broken; nothing more will be parsed, and the connection must close after the answer.
    case failure(HTTPError)
}

/// An incremental HTTP/1.1 request parser that knows nothing of sockets: feed it bytes split anywhere, then take
/// events until it needs more. One feed may hold several pipelined requests.
///
/// Memory is bounded by the limits: a head may not grow past `maxHeadBytes`, a body past `maxBodyBytes`.
public struct RequestParser: Sendable {
    private enum State: Sendable {
        case head
        case fixedBody(RequestHead, length: Int)
        case chunkSize(RequestHead)
        case chunkData(RequestHead, remaining: Int)
        case chunkDataEnd(RequestHead)
        case trailers(RequestHead, bytes: Int)
        case failed
    }

    public let limits: HTTPLimits
    private var state = State.head
    private var buffer: [UInt8] = []
    /// Start of the bytes not yet consumed.
    private var position = 0
    /// Where the search for the next line feed resumes, so split input is not scanned twice.
    private var scanFrom = 0
    /// While reading a head: where its current line starts, and whether a non-empty line was seen.
    private var lineStart = 0
    private var sawRequestLine = false
    private var chunkedBody: [UInt8] = []
    /// The de-chunked size so far, counted apart from `chunkedBody` because a discarded body keeps no bytes.
    private var chunkedBytes = 0
    /// The current request's body is being dropped (`discardBody`).
    private var discarding = false

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// Adds bytes that arrived from the peer.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// True when part of a request has arrived but not all of it.
    public var isMidRequest: Bool {
        switch state {
        case .head: position < buffer.count
        case .failed: false
        default: true
        }
    }

    /// Bytes held and not yet consumed.
    public var bufferedByteCount: Int { buffer.count - position }

    /// The next event, or nil when more bytes are needed (or after a failure).
    ///
    /// One loop over the states: a state that consumed what it needed moves on by `continue`, never by calling
    /// `next()` again, so the stack stays flat however many chunks or trailer lines one feed holds.
    public mutating func next() -> ParseEvent? {
        while true {
            switch state {
            case .failed:
                return nil
            case .head:
                return parseHead()
            case .fixedBody(let head, let length):
                if discarding {
                    // A body the route does not take: dropped as it arrives, never held.
                    let available = min(length, buffer.count - position)
                    position += available
                    guard available == length else {
                        state = .fixedBody(head, length: length - available)
                        return nil
                    }
                    return finish(head, body: [])
                }
                guard buffer.count - position >= length else { return nil }
                let body = Array(buffer[position..<position + length])
                position += length
                return finish(head, body: body)
            case .chunkSize(let head):
                switch parseChunkSize(head) {
                case .needMore: return nil
                case .event(let event): return event
                case .advanced: continue
                }
            case .chunkData(let head, let remaining):
                let available = min(remaining, buffer.count - position)
                guard available > 0 else { return nil }
                if !discarding {
                    chunkedBody.append(contentsOf: buffer[position..<position + available])
                }
                position += available
                state =
                    available == remaining ? .chunkDataEnd(head) : .chunkData(head, remaining: remaining - available)
            case .chunkDataEnd(let head):
                guard let line = takeLine(maxLength: 0) else {
                    return buffer.count - position >= 2 ? fail(400, "chunk data not followed by CRLF") : nil
                }
                guard line.isEmpty else { return fail(400, "chunk data longer than its size") }
                state = .chunkSize(head)
            case .trailers(let head, let bytes):
                switch parseTrailers(head, bytes: bytes) {
                case .needMore: return nil
                case .event(let event): return event
                case .advanced: continue
                }
            }
        }
    }

    /// Drops the body of the request whose head was just announced instead of keeping it: the route takes none, so
    /// its bytes are consumed as they arrive and the request completes with an empty body.
    public mutating func discardBody() {
        discarding = true
    }

    /// What one step of a chunked body did.
    private enum Step {
        case needMore
        case event(ParseEvent)
        case advanced
    }

    // MARK: - Head

    private mutating func parseHead() -> ParseEvent? {
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

    private func parseHeaderLine(_ line: ArraySlice<UInt8>) -> Result<(name: String, value: String), HTTPError> {
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

    // MARK: - Chunked bodies

    private mutating func parseChunkSize(_ head: RequestHead) -> Step {
        let maxLineLength = 1024
        guard let line = takeLine(maxLength: maxLineLength) else {
            return buffer.count - position > maxLineLength ? .event(fail(400, "chunk size line too long")) : .needMore
        }
        let sizePart = line.prefix { $0 != UInt8(ascii: ";") }.dropLast(while: { $0 == 0x20 || $0 == 0x09 })
        guard !sizePart.isEmpty, sizePart.allSatisfy({ PercentDecoding.hexValue($0) != nil }) else {
            return .event(fail(400, "malformed chunk size"))
        }
        let significant = sizePart.drop { $0 == UInt8(ascii: "0") }
        guard significant.count <= 8 else { return .event(fail(413, "request body too large")) }
        let size = significant.reduce(0) { $0 << 4 | Int(PercentDecoding.hexValue($1)!) }
        // A dropped body holds nothing, so only a kept one is limited (the read timeout bounds the other).
        guard discarding || chunkedBytes + size <= limits.maxBodyBytes else {
            return .event(fail(413, "request body too large"))
        }
        chunkedBytes = discarding ? 0 : chunkedBytes + size
        state = size == 0 ? .trailers(head, bytes: 0) : .chunkData(head, remaining: size)
        return .advanced
    }

    private mutating func parseTrailers(_ head: RequestHead, bytes: Int) -> Step {
        let available = limits.maxHeadBytes - bytes
        guard let line = takeLine(maxLength: available) else {
            return buffer.count - position > available ? .event(fail(431, "trailer section too large")) : .needMore
        }
        if line.isEmpty {
            let body = chunkedBody
            chunkedBody = []
            return .event(finish(head, body: body))
        }
        // Trailer fields are checked for syntax and otherwise ignored.
        if case .failure(let error) = parseHeaderLine(line) { return .event(fail(error)) }
        state = .trailers(head, bytes: bytes + line.count + 2)
        return .advanced
    }

    // MARK: - Helpers

    /// Takes one line (without its CRLF or LF) if a whole one of at most `maxLength` bytes is buffered.
    private mutating func takeLine(maxLength: Int) -> ArraySlice<UInt8>? {
        let end = min(buffer.count, position + maxLength + 2)
        guard let newline = buffer[position..<end].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        var line = buffer[position..<newline]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard line.count <= maxLength else { return nil }
        position = newline + 1
        return line
    }

    private mutating func finish(_ head: RequestHead, body: [UInt8]) -> ParseEvent {
        state = .head
        scanFrom = position
        lineStart = position
        return .request(Request(head: head, body: body))
    }

    private mutating func fail(_ status: Int, _ reason: String) -> ParseEvent {
        fail(HTTPError(status, reason))
    }

    private mutating func fail(_ error: HTTPError) -> ParseEvent {
        state = .failed
        buffer = []
        position = 0
        scanFrom = 0
        lineStart = 0
        chunkedBody = []
        chunkedBytes = 0
        return .failure(error)
    }

    /// Drops consumed bytes, so the buffer holds at most one partial request and what arrived with it.
    private mutating func compact() {
        guard position > 0 else { return }
        if position == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
        } else if position >= 4096 || position * 2 >= buffer.count {
            buffer.removeSubrange(0..<position)
        } else {
            return
        }
        scanFrom -= min(scanFrom, position)
        lineStart -= min(lineStart, position)
        position = 0
    }
}

extension BidirectionalCollection where SubSequence == Self {
    fileprivate func dropLast(while predicate: (Element) -> Bool) -> SubSequence {
        var result = self
        while let last = result.last, predicate(last) {
            result = result.dropLast()
        }
        return result
    }
}
