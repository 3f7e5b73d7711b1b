/// HTTP/1.0 or HTTP/1.1 (a later 1.x minor is treated as 1.1).
public enum HTTPVersion: Sendable, Equatable, CustomStringConvertible {
    case http10
    case http11

    public var description: String { self == .http10 ? "HTTP/1.0" : "HTTP/1.1" }
}

/// The request methods the server and the service tell apart, compared case-sensitively as RFC 9110 §9.1 says;
/// `other` for the rest (the head's `methodBytes` still has them).
public enum HTTPMethod: Sendable, Equatable {
    case get
    case head
    case post
    case put
    case delete
    case options
    case patch
    case other

    /// The method `bytes[start..<end]` names.
    static func identify(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> HTTPMethod {
        func named(_ name: StaticString, _ method: HTTPMethod) -> HTTPMethod {
            let literal = name.utf8Start
            for index in 0..<name.utf8CodeUnitCount where bytes[start + index] != literal[index] { return .other }
            return method
        }
        switch (end - start, start < end ? bytes[start] : 0) {
        case (3, UInt8(ascii: "G")): return named("GET", .get)
        case (4, UInt8(ascii: "H")): return named("HEAD", .head)
        case (4, UInt8(ascii: "P")): return named("POST", .post)
        case (3, UInt8(ascii: "P")): return named("PUT", .put)
        case (6, UInt8(ascii: "D")): return named("DELETE", .delete)
        case (7, UInt8(ascii: "O")): return named("OPTIONS", .options)
        case (5, UInt8(ascii: "P")): return named("PATCH", .patch)
        default: return .other
        }
    }
}

/// Where something lies in a head's bytes.
@usableFromInline
struct ByteRange: Sendable, Equatable {
    @usableFromInline var start: Int32
    @usableFromInline var end: Int32

    @inlinable
    init(_ start: Int, _ end: Int) {
        self.start = Int32(truncatingIfNeeded: start)
        self.end = Int32(truncatingIfNeeded: end)
    }

    static let empty = ByteRange(0, 0)

    @inlinable var range: Range<Int> { Int(start)..<Int(end) }
}

/// The first value of each `KnownHeader` in a head, and how many fields of that name it has: gathered while the
/// head is parsed, then kept at the end of the head's bytes (`append(to:)`), so that the head itself stays small.
@usableFromInline
struct KnownFields {
    var values = InlineArray<14, ByteRange>(repeating: .empty)
    var counts = InlineArray<14, UInt8>(repeating: 0)

    /// The table's bytes as kept after a head's: this struct's own layout, 14 starts and ends, then 14 counts.
    /// Computed, not stored: a `static let` is initialised lazily, behind a `swift_once` check on every read (four
    /// a push). The counts follow the 14 ranges directly (a test holds this to the layout).
    @usableFromInline static var size: Int { MemoryLayout<KnownFields>.size }
    @usableFromInline static var countsOffset: Int { MemoryLayout<ByteRange>.stride * 14 }

    /// Where the first `header` value lies in `raw`, a head's bytes whose table starts at `table`; nil for none. The
    /// one reading of the table kept after a head's bytes (`field`, `withField`, `HTTPHeaders`).
    @inlinable @inline(__always)
    static func range(of header: KnownHeader, in raw: UnsafeRawBufferPointer, table: Int) -> Range<Int>? {
        let index = header.rawValue
        guard raw[table + countsOffset + index] > 0 else { return nil }
        return raw.loadUnaligned(fromByteOffset: table + MemoryLayout<ByteRange>.stride * index, as: ByteRange.self)
            .range
    }

    /// Notes a field named `header` whose value is `range`.
    @inline(__always)
    mutating func add(_ header: KnownHeader, _ range: ByteRange) {
        let index = header.rawValue
        if counts[index] == 0 { values[index] = range }
        if counts[index] < UInt8.max { counts[index] += 1 }
    }

    /// Appends the table to `bytes`; returns where it starts.
    func append(to bytes: inout [UInt8]) -> Int32 {
        let start = Int32(bytes.count)
        var table = self
        withUnsafeBytes(of: &table) { bytes.append(contentsOf: $0) }
        return start
    }
}

/// A request line and its header section, as the server sees it before any body.
///
/// The head is its bytes, as they arrived (one array per head, reused by the parser once the head before is gone),
/// and ranges into them: the method, the target, and the first value of each `KnownHeader`, found while parsing. The
/// byte accessors (`methodBytes`, `targetBytes`, `pathBytes`, `queryBytes`, `field(_:)`) cost no allocation; the
/// string ones (`method`, `target`, `headers`, `pathSegments`, `queryItems`...) are conveniences built when asked.
public struct RequestHead: Sendable {
    /// For a parsed head: the request line and header lines as received, then the origin form of an absolute
    /// target, then the table of known fields (`KnownFields`). For one built from strings: the method, the target,
    /// each field's name and value, the table, then where each field lies (`BuiltField`). One array, so a copy of
    /// the head retains one reference.
    @usableFromInline var bytes: [UInt8]
    /// The method is `bytes[0..<methodEnd]`.
    @usableFromInline var methodEnd: Int32
    /// The target in origin form.
    @usableFromInline var targetStart: Int32
    @usableFromInline var targetEnd: Int32
    /// Where the target's path ends: at its `?`, or at its end.
    @usableFromInline var pathEnd: Int32
    /// The header lines of a parsed head, for the `headers` view. For a head built from strings, `fieldsStart` is
    /// -1 and `fieldsEnd` the number of fields, whose places follow the table.
    var fieldsStart: Int32
    var fieldsEnd: Int32
    /// Where the table of known fields starts in `bytes`.
    @usableFromInline var tableStart: Int32
    /// `contentLength`, or -1 for none.
    var declaredLength: Int

    /// The method, for the ones the server tells apart.
    public private(set) var httpMethod: HTTPMethod
    /// False when the path holds a `%` not followed by two hexadecimal digits: such a path cannot be routed.
    public private(set) var hasValidPathEncoding: Bool
    /// The path holds a `%`: only then do its segments need decoding to be compared or bound.
    @usableFromInline private(set) var pathHasEscapes: Bool
    public var version: HTTPVersion

    /// Whether the connection stays open after this request's response.
    public var keepAlive: Bool
    /// The client waits for `100 Continue` before it sends the body.
    public var expectsContinue: Bool
    public var isChunked: Bool

    /// The body's length when the client said it up front (`Content-Length`); nil for chunked or no body.
    public var contentLength: Int? {
        get { declaredLength >= 0 ? declaredLength : nil }
        set { declaredLength = newValue ?? -1 }
    }

    /// A head built from strings, as tests and benchmarks make them; the parser builds its heads from bytes.
    public init(
        method: String,
        target: String,
        version: HTTPVersion = .http11,
        headers: HTTPHeaders = [:]
    ) {
        self.version = version
        bytes = []
        methodEnd = 0
        targetStart = 0
        targetEnd = 0
        pathEnd = 0
        fieldsStart = 0
        fieldsEnd = 0
        tableStart = 0
        declaredLength = -1
        httpMethod = .other
        hasValidPathEncoding = true
        pathHasEscapes = false
        let connection = headers.tokens("Connection")
        keepAlive = version == .http11 ? !connection.contains("close") : connection.contains("keep-alive")
        expectsContinue = false
        isChunked = false
        rebuild(method: method, target: target, headers: headers)
    }

    /// A parsed head: `bytes` with its ranges and table, the rest set by the parser.
    init(
        bytes: [UInt8],
        methodEnd: Int,
        target: ByteRange,
        version: HTTPVersion,
        fieldLines: ByteRange,
        tableStart: Int32
    ) {
        self.bytes = bytes
        self.methodEnd = Int32(methodEnd)
        targetStart = target.start
        targetEnd = target.end
        pathEnd = target.end
        fieldsStart = fieldLines.start
        fieldsEnd = fieldLines.end
        self.tableStart = tableStart
        declaredLength = -1
        httpMethod = .other
        hasValidPathEncoding = true
        pathHasEscapes = false
        self.version = version
        keepAlive = version == .http11
        expectsContinue = false
        isChunked = false
        bytes.withUnsafeBufferPointer { bytes in
            httpMethod = HTTPMethod.identify(bytes, 0, methodEnd)
            scanTarget(bytes)
        }
    }

    /// Builds the bytes of a head from strings, keeping `version` and the framing fields as they are.
    private mutating func rebuild(method: String, target: String, headers: HTTPHeaders) {
        var bytes: [UInt8] = []
        bytes.append(contentsOf: method.utf8)
        methodEnd = Int32(bytes.count)
        bytes.append(contentsOf: target.utf8)
        targetStart = methodEnd
        targetEnd = Int32(bytes.count)
        var known = KnownFields()
        let fields = headers.fields
        var places: [BuiltField] = []
        for field in fields {
            let nameStart = bytes.count
            bytes.append(contentsOf: field.name.utf8)
            let valueStart = bytes.count
            bytes.append(contentsOf: field.value.utf8)
            let header = bytes.withUnsafeBufferPointer { bytes -> KnownHeader? in
                // A name that is not a token is no known field's.
                guard (nameStart..<valueStart).allSatisfy({ HTTPSyntax.isTokenByte(bytes[$0]) }) else { return nil }
                return KnownHeader.identify(bytes, nameStart, valueStart)
            }
            if let header { known.add(header, ByteRange(valueStart, bytes.count)) }
            places.append(BuiltField(name: ByteRange(nameStart, valueStart), valueEnd: Int32(bytes.count)))
        }
        tableStart = known.append(to: &bytes)
        places.withUnsafeBytes { bytes.append(contentsOf: $0) }
        self.bytes = bytes
        fieldsStart = -1
        fieldsEnd = Int32(places.count)
        pathEnd = targetEnd
        hasValidPathEncoding = true
        pathHasEscapes = false
        bytes.withUnsafeBufferPointer { bytes in
            httpMethod = HTTPMethod.identify(bytes, 0, Int(methodEnd))
            scanTarget(bytes)
        }
    }

    /// Finds where the path ends and whether its escapes are whole.
    private mutating func scanTarget(_ bytes: UnsafeBufferPointer<UInt8>) {
        let start = Int(targetStart)
        let end = Int(targetEnd)
        let questionMark = HTTPSyntax.firstByte(UInt8(ascii: "?"), bytes, from: start, to: end)
        pathEnd = Int32(questionMark)
        var index = HTTPSyntax.firstByte(UInt8(ascii: "%"), bytes, from: start, to: questionMark)
        pathHasEscapes = index < questionMark
        while index < questionMark {
            guard index + 2 < questionMark, PercentDecoding.hexValue(bytes[index + 1]) != nil,
                PercentDecoding.hexValue(bytes[index + 2]) != nil
            else {
                hasValidPathEncoding = false
                return
            }
            index = HTTPSyntax.firstByte(UInt8(ascii: "%"), bytes, from: index + 3, to: questionMark)
        }
    }

    // MARK: - Bytes

    /// The method's bytes, e.g. `POST`.
    @inlinable
    public var methodBytes: ByteSpan { ByteSpan(base: bytes, offset: 0, count: Int(methodEnd)) }

    /// The target in origin form (`/path?query`, or `*`), still percent-encoded.
    @inlinable
    public var targetBytes: ByteSpan { ByteSpan(base: bytes, Int(targetStart)..<Int(targetEnd)) }

    /// The target's path, still percent-encoded.
    @inlinable
    public var pathBytes: ByteSpan { ByteSpan(base: bytes, Int(targetStart)..<Int(pathEnd)) }

    /// The target's query after its `?`, still percent-encoded; nil when there is no `?`.
    @inlinable
    public var queryBytes: ByteSpan? {
        guard pathEnd < targetEnd else { return nil }
        return ByteSpan(base: bytes, Int(pathEnd) + 1..<Int(targetEnd))
    }

    /// The target is `*` (the asterisk form, `OPTIONS *`), read off the bytes without a span.
    public var isAsteriskTarget: Bool {
        targetEnd - targetStart == 1 && bytes[Int(targetStart)] == UInt8(ascii: "*")
    }

    /// The first `header` field's value (trimmed); nil when the head has none.
    @inlinable
    public func field(_ header: KnownHeader) -> ByteSpan? {
        let table = Int(tableStart)
        let range = bytes.withUnsafeBytes { KnownFields.range(of: header, in: $0, table: table) }
        return range.map { ByteSpan(base: bytes, $0) }
    }

    /// `body` called with the first `header` field's value (trimmed), or nil when the head has none: the head's own
    /// bytes, borrowed, where `field(_:)` makes a span that holds on to them (a retain and a release).
    @inlinable
    public func withField<Result>(_ header: KnownHeader, _ body: (UnsafeBufferPointer<UInt8>?) -> Result) -> Result {
        let table = Int(tableStart)
        return bytes.withUnsafeBufferPointer { bytes in
            guard let range = KnownFields.range(of: header, in: UnsafeRawBufferPointer(bytes), table: table) else {
                return body(nil)
            }
            return body(UnsafeBufferPointer(rebasing: bytes[range]))
        }
    }

    /// `body` called with the target's query after its `?` (still percent-encoded, empty when there is none),
    /// borrowed from the head's bytes.
    @inlinable
    public func withQuery<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        let start = Int(pathEnd) + 1
        let end = Int(targetEnd)
        return bytes.withUnsafeBufferPointer { bytes in
            guard start < end else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
            return body(UnsafeBufferPointer(rebasing: bytes[start..<end]))
        }
    }

    /// `body` called with the head's bytes, borrowed: where route parameters' ranges lie.
    @inlinable
    public func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        bytes.withUnsafeBufferPointer(body)
    }

    /// How many `header` fields the head has (at most 255 are counted).
    @inlinable
    public func fieldCount(_ header: KnownHeader) -> Int {
        let table = Int(tableStart)
        return bytes.withUnsafeBytes { Int($0[table + KnownFields.countsOffset + header.rawValue]) }
    }

    // MARK: - Strings

    public var method: String {
        get { methodBytes.string }
        set { rebuild(method: newValue, target: target, headers: headers) }
    }

    /// The request target in origin form, e.g. `/api/x/observe?labels=a%2Cb` (an absolute target's path and query).
    public var target: String {
        get { targetBytes.string }
        set { rebuild(method: method, target: newValue, headers: headers) }
    }

    /// The header fields, as strings; reading one looks through the head's lines.
    public var headers: HTTPHeaders {
        get {
            guard fieldsStart < 0 else {
                return HTTPHeaders(lines: bytes, start: Int(fieldsStart), end: Int(fieldsEnd), table: Int(tableStart))
            }
            return HTTPHeaders(builtFields)
        }
        set { rebuild(method: method, target: target, headers: newValue) }
    }

    /// Whether a body follows the head.
    public var hasBody: Bool { isChunked || (contentLength ?? 0) > 0 }

    /// The target's path, still percent-encoded.
    public var rawPath: Substring { Substring(pathBytes.string) }

    /// The target's query, still percent-encoded; nil when there is no `?`.
    public var rawQuery: Substring? { queryBytes.map { Substring($0.string) } }

    /// The path split at `/` on the raw bytes, then each segment percent-decoded, so `%2F` stays inside its segment.
    /// Nil when a segment holds a broken percent escape. `/` gives `[""]`, `/a/b/` gives `["a", "b", ""]`.
    public var pathSegments: [String]? {
        var segments: [String] = []
        for raw in pathBytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).dropFirst() {
            guard let decoded = PercentDecoding.decode(raw, plusIsSpace: false) else { return nil }
            segments.append(decoded)
        }
        return segments
    }

    /// The query's `name=value` pairs, each side percent-decoded (`+` is a space, as in HTML forms). Nil when an
    /// escape is broken.
    public var queryItems: [(name: String, value: String)]? {
        guard let query = queryBytes else { return [] }
        return PercentDecoding.formPairs(query)
    }
}

extension RequestHead {
    /// Where one field of a head built from strings lies in its bytes: the name, then the value up to `valueEnd`.
    struct BuiltField {
        var name: ByteRange
        var valueEnd: Int32
    }

    /// The fields of a head built from strings, exactly as given.
    private var builtFields: [(name: String, value: String)] {
        bytes.withUnsafeBytes { raw in
            let placesStart = Int(tableStart) + KnownFields.size
            return (0..<Int(fieldsEnd)).map { index in
                let place = raw.loadUnaligned(
                    fromByteOffset: placesStart + MemoryLayout<BuiltField>.stride * index,
                    as: BuiltField.self
                )
                func text(_ range: Range<Int>) -> String {
                    String(decoding: UnsafeRawBufferPointer(rebasing: raw[range]), as: UTF8.self)
                }
                return (name: text(place.name.range), value: text(Int(place.name.end)..<Int(place.valueEnd)))
            }
        }
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
