/// Finding the end of a head in the buffer, and building a `RequestHead` from its bytes: request line, header
/// fields, and what they mean for the body. One pass over each line, no string per field: the head keeps its bytes
/// and the ranges of what was found.
extension RequestParser {
    mutating func parseHead() -> ParseStep? {
        if lineStart < position { lineStart = position }
        let start = max(scanFrom, lineStart)
        let count = buffer.count
        // A head that arrived whole, from its request line on (nearly every one): read as its end is looked for.
        if start == position, !sawRequestLine, position < count, buffer[position] != UInt8(ascii: "\r"),
            buffer[position] != UInt8(ascii: "\n")
        {
            var known = KnownFields()
            var semantics = FramingFields()
            let read = buffer.withUnsafeBufferPointer { bytes in
                let rest = UnsafeBufferPointer(rebasing: bytes[position..<count])
                return HeadParser.readLines(
                    rest,
                    rest.count,
                    untilEmptyLine: true,
                    known: &known,
                    semantics: &semantics
                )
            }
            // Anything but a whole head within the limit (more to come, a refusal) is left to the scan below, which
            // judges it as it always has.
            if case .lines(let line, let end, let next) = read, end <= limits.maxHeadBytes {
                if headBytes.capacity > 2 * limits.maxHeadBytes { headBytes = [] }
                headBytes.replaceSubrange(0..<headBytes.count, with: buffer[position..<position + end])
                position += next
                lineStart = position
                scanFrom = position
                do {
                    announced = try HeadParser.build(line, end, known, semantics, &headBytes, limits: limits)
                } catch {
                    return fail(error)
                }
                return startBody()
            }
        }
        // Where the head ends, if it does: the end of its last line and where the next request starts.
        var found: (lineEnd: Int, next: Int)?
        buffer.withUnsafeBufferPointer { bytes in
            var index = start
            while index < count {
                let newline = HTTPSyntax.firstNewline(bytes, from: index, to: count)
                guard newline < count else { break }
                let lineEnd = newline > lineStart && bytes[newline - 1] == UInt8(ascii: "\r") ? newline - 1 : newline
                let isEmpty = lineEnd == lineStart
                index = newline + 1
                if isEmpty && !sawRequestLine {
                    // Empty lines before a request line are tolerated (RFC 9112 §2.2).
                    position = index
                    lineStart = index
                    continue
                }
                if isEmpty {
                    found = (lineEnd, index)
                    return
                }
                sawRequestLine = true
                lineStart = index
            }
        }
        guard let (lineEnd, next) = found else {
            scanFrom = buffer.count
            if buffer.count - position > limits.maxHeadBytes {
                return fail(431, "request head too large")
            }
            return nil
        }
        guard lineEnd - position <= limits.maxHeadBytes else { return fail(431, "request head too large") }
        // The head's own bytes: the array of the head before is reused once nothing holds that head any more.
        if headBytes.capacity > 2 * limits.maxHeadBytes { headBytes = [] }
        headBytes.replaceSubrange(0..<headBytes.count, with: buffer[position..<lineEnd])
        position = next
        lineStart = next
        scanFrom = next
        sawRequestLine = false
        // Built straight into `announced`, where the session reads it: no copy of the head on the way.
        do {
            announced = try HeadParser.parse(&headBytes, limits: limits)
        } catch {
            return fail(error)
        }
        return startBody()
    }

    /// The announced head's framing decides how its body is read.
    private mutating func startBody() -> ParseStep? {
        discarding = false
        // Read in place (a binding would copy the head).
        if announced?.isChunked == true {
            chunkedBody.removeAll(keepingCapacity: chunkedBody.capacity <= limits.maxHeadBytes)
            chunkedBytes = 0
            state = .chunkSize
        } else {
            state = .fixedBody(length: announced?.contentLength ?? 0)
        }
        return .head
    }

    /// Checks one trailer field line (without its line end); trailers are otherwise ignored.
    func checkTrailerLine(_ line: ArraySlice<UInt8>) -> HTTPError? {
        line.withUnsafeBufferPointer { bytes in
            switch HeadParser.fieldLine(bytes, 0, bytes.count) {
            case .failure(let error): error
            case .success: nil
            }
        }
    }
}

/// Builds a `RequestHead` from a head's bytes: the request line, each field line checked and the known fields noted,
/// then what the fields mean for framing and the connection.
enum HeadParser {
    /// Where a field line's name and value lie.
    struct FieldLine {
        let nameEnd: Int
        let valueStart: Int
        let valueEnd: Int
    }

    /// What `readLines` gives: the request line, where the lines end (the start of the empty line, or the end of
    /// the bytes) and where the next request starts. The known fields and what they mean for framing are noted in
    /// the caller's (large structs, so they are not copied out).
    enum LinesRead {
        case lines(RequestLine, end: Int, next: Int)
        /// The bytes end before the head does.
        case incomplete
        case refused(HTTPError)
    }

    /// `bytes` holds the head up to and including the line end of its last line; the origin form of an absolute
    /// target is appended to it.
    static func parse(_ bytes: inout [UInt8], limits: HTTPLimits) throws(HTTPError) -> RequestHead {
        let count = bytes.count
        var known = KnownFields()
        var semantics = FramingFields()
        let read = bytes.withUnsafeBufferPointer {
            readLines($0, count, untilEmptyLine: false, known: &known, semantics: &semantics)
        }
        switch read {
        case .lines(let line, let end, _): return try build(line, end, known, semantics, &bytes, limits: limits)
        case .refused(let error): throw error
        case .incomplete: throw HTTPError(400, "malformed request line")  // Only when looking for the end.
        }
    }

    /// Reads the request line and the field lines of `bytes[0..<count]`, checking each and noting the known fields.
    /// With `untilEmptyLine`, the bytes are a read buffer from a request's start: the head's end, its first empty
    /// line, is found on the way (so a head that arrived whole is walked once, not scanned for its end first), and
    /// the bytes may end before it. Without, they are exactly one head's lines.
    @inline(__always)
    static func readLines(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ count: Int,
        untilEmptyLine: Bool,
        known: inout KnownFields,
        semantics: inout FramingFields
    ) -> LinesRead {
        if untilEmptyLine, HTTPSyntax.firstNewline(bytes, from: 0, to: count) == count { return .incomplete }
        let line: RequestLine
        switch parseRequestLine(bytes, count) {
        case .failure(let error): return .refused(error)
        case .success(let parsed): line = parsed
        }
        var lineStart = line.next
        var end = count
        var next = count
        while true {
            guard lineStart < count else {
                if untilEmptyLine { return .incomplete }
                break
            }
            if untilEmptyLine {
                let first = bytes[lineStart]
                if first == UInt8(ascii: "\n") {
                    (end, next) = (lineStart, lineStart + 1)
                    break
                }
                if first == UInt8(ascii: "\r") {
                    guard lineStart + 1 < count else { return .incomplete }
                    if bytes[lineStart + 1] == UInt8(ascii: "\n") {
                        (end, next) = (lineStart, lineStart + 2)
                        break
                    }
                }
            }
            let field: FieldLine
            let newline: Int
            if let fast = fastFieldLine(bytes, lineStart, count) {
                (field, newline) = fast
            } else {
                newline = HTTPSyntax.firstNewline(bytes, from: lineStart, to: count)
                if untilEmptyLine, newline == count { return .incomplete }
                let lineEnd = newline > lineStart && bytes[newline - 1] == UInt8(ascii: "\r") ? newline - 1 : newline
                switch fieldLine(bytes, lineStart, lineEnd) {
                case .failure(let error): return .refused(error)
                case .success(let parsed): field = parsed
                }
            }
            if let header = KnownHeader.identify(bytes, lineStart, field.nameEnd) {
                known.add(header, ByteRange(field.valueStart, field.valueEnd))
                semantics.note(header, bytes, field.valueStart, field.valueEnd)
            }
            lineStart = newline + 1
        }
        return .lines(line, end: end, next: next)
    }

    /// The head whose lines `readLines` read, from `bytes` (those lines, `end` bytes): the origin form of an
    /// absolute target and the table of known fields are appended to them, and the framing is checked.
    static func build(
        _ line: RequestLine,
        _ end: Int,
        _ known: borrowing KnownFields,
        _ semantics: borrowing FramingFields,
        _ bytes: inout [UInt8],
        limits: HTTPLimits
    ) throws(HTTPError) -> RequestHead {
        var target = line.target
        if line.needsSlash {
            // An absolute target whose path is empty: its origin form, `/` and the query, goes after the head's lines.
            let start = bytes.count
            bytes.append(UInt8(ascii: "/"))
            for index in line.target.range { bytes.append(bytes[index]) }
            target = ByteRange(start, bytes.count)
        }
        let tableStart = known.append(to: &bytes)
        var head = RequestHead(
            bytes: bytes,
            methodEnd: Int(line.method.end),
            target: target,
            version: line.version,
            fieldLines: ByteRange(line.next, end),
            tableStart: tableStart
        )
        let hosts = known.counts[KnownHeader.host.rawValue]
        if let error = semantics.apply(to: &head, hosts: hosts, limits: limits) { throw error }
        return head
    }

    struct RequestLine {
        let method: ByteRange
        /// The target as sent, or the part of an absolute one that becomes the origin form.
        let target: ByteRange
        /// The origin form is `/` then `target` (an absolute target with an empty path).
        let needsSlash: Bool
        let version: HTTPVersion
        /// Where the first field line starts.
        let next: Int
    }

    private static func parseRequestLine(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ count: Int
    ) -> Result<
        RequestLine, HTTPError
    > {
        let newline = HTTPSyntax.firstNewline(bytes, from: 0, to: count)
        let end = newline > 0 && bytes[newline - 1] == UInt8(ascii: "\r") ? newline - 1 : newline
        // Exactly two spaces: method, target, version.
        let firstSpace = HTTPSyntax.firstByte(UInt8(ascii: " "), bytes, from: 0, to: end)
        let secondSpace = HTTPSyntax.firstByte(UInt8(ascii: " "), bytes, from: min(firstSpace + 1, end), to: end)
        guard secondSpace < end, HTTPSyntax.firstByte(UInt8(ascii: " "), bytes, from: secondSpace + 1, to: end) == end
        else { return .failure(HTTPError(400, "malformed request line")) }
        guard firstSpace > 0, HTTPSyntax.tokenEnd(bytes, from: 0, to: firstSpace) == firstSpace else {
            return .failure(HTTPError(400, "malformed method"))
        }
        let targetStart = firstSpace + 1
        guard secondSpace > targetStart, HTTPSyntax.isVisibleASCII(bytes, from: targetStart, to: secondSpace) else {
            return .failure(HTTPError(400, "malformed request target"))
        }
        guard let origin = originForm(bytes, targetStart, secondSpace, method: 0..<firstSpace) else {
            return .failure(HTTPError(400, "request target must be a path starting with /, or an absolute http URL"))
        }
        let versionStart = secondSpace + 1
        guard end - versionStart == 8, bytes[versionStart] == UInt8(ascii: "H"),
            bytes[versionStart + 1] == UInt8(ascii: "T"), bytes[versionStart + 2] == UInt8(ascii: "T"),
            bytes[versionStart + 3] == UInt8(ascii: "P"), bytes[versionStart + 4] == UInt8(ascii: "/")
        else {
            return .failure(HTTPError(400, "malformed HTTP version"))
        }
        let major = bytes[versionStart + 5]
        let dot = bytes[versionStart + 6]
        let minor = bytes[versionStart + 7]
        guard HTTPSyntax.isDigit(major), dot == UInt8(ascii: "."), HTTPSyntax.isDigit(minor) else {
            return .failure(HTTPError(400, "malformed HTTP version"))
        }
        guard major == UInt8(ascii: "1") else { return .failure(HTTPError(505, "HTTP version not supported")) }
        return .success(
            RequestLine(
                method: ByteRange(0, firstSpace),
                target: ByteRange(origin.range.lowerBound, origin.range.upperBound),
                needsSlash: origin.needsSlash,
                version: minor == UInt8(ascii: "0") ? .http10 : .http11,
                next: newline + 1
            )
        )
    }

    /// The target in origin form (`/path?query`), as RFC 9112 §3.2 allows it: origin form as it is, absolute form
    /// (`http://host/path`, which a server must accept) by its path, `*` for `OPTIONS`; nil for anything else, so a
    /// target that does not start with `/` is never routed by accident. With `needsSlash`, the origin form is `/`
    /// then `range` (an absolute target without a path).
    static func originForm(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        method: Range<Int>
    ) -> (range: Range<Int>, needsSlash: Bool)? {
        if bytes[start] == UInt8(ascii: "/") { return (start..<end, false) }
        if end - start == 1, bytes[start] == UInt8(ascii: "*") {
            let isOptions = UnsafeBufferPointer(rebasing: bytes[method]).elementsEqual("OPTIONS".utf8)
            return isOptions ? (start..<end, false) : nil
        }
        for scheme: StaticString in ["http://", "https://"] {
            let length = scheme.utf8CodeUnitCount
            guard end - start >= length, HTTPSyntax.equalsLowercased(bytes, start, start + length, scheme) else {
                continue
            }
            let afterScheme = start + length
            var authorityEnd = afterScheme
            while authorityEnd < end, bytes[authorityEnd] != UInt8(ascii: "/"), bytes[authorityEnd] != UInt8(ascii: "?")
            {
                authorityEnd += 1
            }
            // RFC 9110 §4.2.1: an http URI has a host; userinfo and fragments have no place in a request target.
            guard authorityEnd > afterScheme,
                HTTPSyntax.firstByte(UInt8(ascii: "@"), bytes, from: afterScheme, to: authorityEnd) == authorityEnd,
                HTTPSyntax.firstByte(UInt8(ascii: "#"), bytes, from: start, to: end) == end
            else { return nil }
            if authorityEnd == end { return (end..<end, true) }
            return (authorityEnd..<end, bytes[authorityEnd] != UInt8(ascii: "/"))
        }
        return nil
    }

    /// The field line starting at `start`, and where its line feed is, in one pass: the name up to its colon, then
    /// the value checked up to the first byte that may not be in one, which must be the line end. Nil for anything
    /// else (a refusal, a line end that is not CRLF or LF), which `fieldLine` then judges on the whole line.
    @inline(__always)
    static func fastFieldLine(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> (FieldLine, Int)? {
        let nameEnd = HTTPSyntax.tokenEnd(bytes, from: start, to: count)
        guard nameEnd > start, nameEnd < count, bytes[nameEnd] == UInt8(ascii: ":") else { return nil }
        var valueStart = nameEnd + 1
        while valueStart < count, HTTPSyntax.isBlank(bytes[valueStart]) { valueStart += 1 }
        let stop = HTTPSyntax.firstInvalidFieldValueByte(bytes, from: valueStart, to: count)
        guard stop < count else { return nil }
        let newline: Int
        if bytes[stop] == UInt8(ascii: "\n") {
            newline = stop
        } else if bytes[stop] == UInt8(ascii: "\r"), stop + 1 < count, bytes[stop + 1] == UInt8(ascii: "\n") {
            newline = stop + 1
        } else {
            return nil
        }
        var valueEnd = stop
        while valueEnd > valueStart, HTTPSyntax.isBlank(bytes[valueEnd - 1]) { valueEnd -= 1 }
        return (FieldLine(nameEnd: nameEnd, valueStart: valueStart, valueEnd: valueEnd), newline)
    }

    /// Checks one field line, `bytes[start..<end]` without its line end: `name: value`, the name a token, the value
    /// (trimmed of spaces and tabs) without control characters.
    static func fieldLine(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int
    ) -> Result<
        FieldLine, HTTPError
    > {
        let nameEnd = HTTPSyntax.tokenEnd(bytes, from: start, to: end)
        if nameEnd == end || bytes[nameEnd] != UInt8(ascii: ":") {
            // Not a token up to a colon: which refusal depends on whether there is a colon at all.
            guard HTTPSyntax.firstByte(UInt8(ascii: ":"), bytes, from: nameEnd, to: end) < end else {
                if start < end, HTTPSyntax.isBlank(bytes[start]) {
                    return .failure(HTTPError(400, "obsolete header line folding"))
                }
                return .failure(HTTPError(400, "malformed header line"))
            }
            return .failure(HTTPError(400, "malformed header name"))
        }
        guard nameEnd > start else { return .failure(HTTPError(400, "malformed header name")) }
        var valueStart = nameEnd + 1
        var valueEnd = end
        while valueStart < valueEnd, HTTPSyntax.isBlank(bytes[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart, HTTPSyntax.isBlank(bytes[valueEnd - 1]) { valueEnd -= 1 }
        guard HTTPSyntax.firstInvalidFieldValueByte(bytes, from: valueStart, to: valueEnd) == valueEnd else {
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<nameEnd]), as: UTF8.self)
            return .failure(HTTPError(400, "invalid character in header \(name)"))
        }
        return .success(FieldLine(nameEnd: nameEnd, valueStart: valueStart, valueEnd: valueEnd))
    }
}

/// What the framing and connection fields said, gathered line by line and judged once the head is complete
/// (RFC 9112 §6): `Host`, `Transfer-Encoding`, `Content-Length`, `Expect`, `Connection`.
struct FramingFields {
    /// Elements of every `Transfer-Encoding`, and whether all of them were `chunked`.
    var codings = 0
    var allChunked = true
    var hasLength = false
    /// Every `Content-Length` element is the same decimal number: this one, or the first refusal.
    var length: Int?
    var lengthError: HTTPError?
    var expectations = 0
    var expectsContinue = false
    var asksClose = false
    var asksKeepAlive = false

    mutating func note(_ header: KnownHeader, _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        switch header {
        case .transferEncoding:
            Self.forEachToken(bytes, start, end) { tokenStart, tokenEnd in
                codings += 1
                if !HTTPSyntax.equalsLowercased(bytes, tokenStart, tokenEnd, "chunked") { allChunked = false }
            }
        case .contentLength:
            hasLength = true
            noteLength(bytes, start, end)
        case .expect:
            Self.forEachToken(bytes, start, end) { tokenStart, tokenEnd in
                expectations += 1
                expectsContinue = HTTPSyntax.equalsLowercased(bytes, tokenStart, tokenEnd, "100-continue")
            }
        case .connection:
            Self.forEachToken(bytes, start, end) { tokenStart, tokenEnd in
                if HTTPSyntax.equalsLowercased(bytes, tokenStart, tokenEnd, "close") { asksClose = true }
                if HTTPSyntax.equalsLowercased(bytes, tokenStart, tokenEnd, "keep-alive") { asksKeepAlive = true }
            }
        default:
            break
        }
    }

    /// Each comma-separated element of one `Content-Length`, in order; the first refusal sticks.
    private mutating func noteLength(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        // Nearly every one is a plain number: read at once, the same value the element-by-element reading gives.
        if end - start <= 15, end > start, length == nil, lengthError == nil {
            var value = 0
            var index = start
            while index < end, HTTPSyntax.isDigit(bytes[index]) {
                value = value &* 10 &+ Int(bytes[index] &- UInt8(ascii: "0"))
                index += 1
            }
            if index == end {
                length = value
                return
            }
        }
        var elementStart = start
        while lengthError == nil {
            let comma = HTTPSyntax.firstByte(UInt8(ascii: ","), bytes, from: elementStart, to: end)
            var first = elementStart
            var last = comma
            while first < last, Self.isTrimmed(bytes[first]) { first += 1 }
            while last > first, Self.isTrimmed(bytes[last - 1]) { last -= 1 }
            guard first < last, (first..<last).allSatisfy({ HTTPSyntax.isDigit(bytes[$0]) }) else {
                lengthError = HTTPError(400, "malformed Content-Length")
                return
            }
            while first < last - 1, bytes[first] == UInt8(ascii: "0") { first += 1 }
            var value = 0
            if last - first > 15 {
                value = Int.max
            } else {
                for index in first..<last { value = value * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
            }
            if let length, length != value {
                lengthError = HTTPError(400, "conflicting Content-Length")
                return
            }
            length = value
            guard comma < end else { return }
            elementStart = comma + 1
        }
    }

    /// The refusal the fields call for, or nil with `head`'s framing and connection set.
    func apply(to head: inout RequestHead, hosts: UInt8, limits: HTTPLimits) -> HTTPError? {
        let isHTTP11 = head.version == .http11
        if hosts > 1 || (isHTTP11 && hosts == 0) {
            return HTTPError(400, hosts == 0 ? "missing Host header" : "more than one Host header")
        }
        if codings > 0 {
            guard !hasLength else { return HTTPError(400, "both Content-Length and Transfer-Encoding") }
            guard allChunked else { return HTTPError(501, "unsupported transfer coding") }
            guard codings == 1 else { return HTTPError(400, "chunked applied more than once") }
            head.isChunked = true
        } else if hasLength {
            if let lengthError { return lengthError }
            guard let length else { return HTTPError(400, "malformed Content-Length") }
            guard length <= limits.maxBodyBytes else { return HTTPError(413, "request body too large") }
            head.contentLength = length
        }
        if expectations > 0 {
            guard expectations == 1, expectsContinue else { return HTTPError(417, "unsupported expectation") }
            head.expectsContinue = isHTTP11
        }
        head.keepAlive = isHTTP11 ? !asksClose : asksKeepAlive
        return nil
    }

    /// Spaces, tabs and line ends: what `trimmingHTTPWhitespace` trims around an element.
    private static func isTrimmed(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    /// Calls `body` with each non-empty comma-separated element of `bytes[start..<end]`, trimmed.
    private static func forEachToken(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        _ body: (Int, Int) -> Void
    ) {
        var elementStart = start
        while elementStart <= end {
            let comma = HTTPSyntax.firstByte(UInt8(ascii: ","), bytes, from: elementStart, to: end)
            var first = elementStart
            var last = comma
            while first < last, isTrimmed(bytes[first]) { first += 1 }
            while last > first, isTrimmed(bytes[last - 1]) { last -= 1 }
            if first < last { body(first, last) }
            elementStart = comma + 1
        }
    }
}
