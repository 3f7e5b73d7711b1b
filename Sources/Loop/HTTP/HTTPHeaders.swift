/// Header fields in arrival order; names compare case-insensitively, values are already trimmed.
///
/// A request head's fields are not copied into strings when the head is parsed: `RequestHead.headers` is a view of
/// the head's bytes, and only the values asked for become strings. A handler on the request path should rather ask
/// `RequestHead.field(_:)` for the bytes of a `KnownHeader`.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    enum Storage: Sendable {
        case list([(name: String, value: String)])
        /// Header lines of a parsed head, `bytes[start..<end]`, each `name: value` ending in LF or CRLF, checked
        /// already, and where the head's table of known fields starts (`KnownFields`).
        case lines([UInt8], start: Int, end: Int, table: Int)
    }

    var storage: Storage

    public init(_ fields: [(name: String, value: String)] = []) {
        storage = .list(fields)
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        storage = .list(elements.map { (name: $0.0, value: $0.1) })
    }

    init(lines bytes: [UInt8], start: Int, end: Int, table: Int) {
        storage = .lines(bytes, start: start, end: end, table: table)
    }

    /// Every field, in order.
    public var fields: [(name: String, value: String)] {
        switch storage {
        case .list(let fields):
            return fields
        case .lines(let bytes, let start, let end, _):
            var fields: [(name: String, value: String)] = []
            Self.forEachLine(bytes, start, end) { bytes, name, value in
                fields.append((name: Self.string(bytes, name), value: Self.string(bytes, value)))
                return true
            }
            return fields
        }
    }

    /// The first value of the field `name`.
    public subscript(name: String) -> String? {
        switch storage {
        case .list(let fields):
            return fields.first { asciiCaseInsensitiveEqual($0.name, name) }?.value
        case .lines(let bytes, let start, let end, let table):
            var found: String?
            var name = name
            // A known field is read from the head's table.
            let known = name.withUTF8 { name -> KnownHeader? in
                guard HTTPSyntax.tokenEnd(name, from: 0, to: name.count) == name.count else { return nil }
                return KnownHeader.identify(name, 0, name.count)
            }
            if let known {
                return bytes.withUnsafeBytes { raw -> String? in
                    guard let range = KnownFields.range(of: known, in: raw, table: table) else { return nil }
                    return String(decoding: UnsafeRawBufferPointer(rebasing: raw[range]), as: UTF8.self)
                }
            }
            name.withUTF8 { wanted in
                Self.forEachLine(bytes, start, end) { bytes, nameRange, value in
                    guard Self.equal(bytes, nameRange, wanted) else { return true }
                    found = Self.string(bytes, value)
                    return false
                }
            }
            return found
        }
    }

    /// Every value of the field `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { asciiCaseInsensitiveEqual($0.name, name) }.map(\.value)
    }

    /// The comma-separated elements of every `name` field, trimmed and lowercased (`Connection`, `Transfer-Encoding`).
    public func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }.map { $0.trimmingHTTPWhitespace().lowercasedASCII() }
            .filter { !$0.isEmpty }
    }

    public mutating func add(_ name: String, _ value: String) {
        var fields = self.fields
        storage = .list([])  // So that `fields` is not shared while it grows.
        fields.append((name: name, value: value))
        storage = .list(fields)
    }

    public mutating func replaceOrAdd(_ name: String, _ value: String) {
        var fields = self.fields
        storage = .list([])
        fields.removeAll { asciiCaseInsensitiveEqual($0.name, name) }
        fields.append((name: name, value: value))
        storage = .list(fields)
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    /// Whether there are no fields.
    public var isEmpty: Bool {
        switch storage {
        case .list(let fields): fields.isEmpty
        case .lines(_, let start, let end, _): start >= end
        }
    }

    // MARK: - Lines of a parsed head

    /// Calls `body` with the name and value ranges of each line of `bytes[start..<end]` until it returns false.
    private static func forEachLine(
        _ storage: [UInt8],
        _ start: Int,
        _ end: Int,
        _ body: (UnsafeBufferPointer<UInt8>, Range<Int>, Range<Int>) -> Bool
    ) {
        storage.withUnsafeBufferPointer { bytes in
            var lineStart = start
            while lineStart < end {
                let newline = HTTPSyntax.firstNewline(bytes, from: lineStart, to: end)
                var lineEnd = newline
                if lineEnd > lineStart, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let colon = HTTPSyntax.firstByte(UInt8(ascii: ":"), bytes, from: lineStart, to: lineEnd)
                var valueStart = Swift.min(colon + 1, lineEnd)
                var valueEnd = lineEnd
                while valueStart < valueEnd, HTTPSyntax.isBlank(bytes[valueStart]) { valueStart += 1 }
                while valueEnd > valueStart, HTTPSyntax.isBlank(bytes[valueEnd - 1]) { valueEnd -= 1 }
                guard body(bytes, lineStart..<colon, valueStart..<valueEnd) else { return }
                lineStart = newline + 1
            }
        }
    }

    private static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    private static func equal(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ range: Range<Int>,
        _ name: UnsafeBufferPointer<UInt8>
    )
        -> Bool
    {
        guard range.count == name.count else { return false }
        for index in 0..<name.count where lowercaseASCII(bytes[range.lowerBound + index]) != lowercaseASCII(name[index])
        {
            return false
        }
        return true
    }
}

/// The header fields the server and the service look at on every request: found once by a byte comparison while the
/// head is parsed, and kept as ranges of its bytes (`RequestHead.field(_:)`).
public enum KnownHeader: Int, CaseIterable, Sendable {
    case host
    case contentLength
    case transferEncoding
    case connection
    case expect
    case contentType
    case accept
    case acceptEncoding
    case userAgent
    case referer
    case authorization
    case xPrivateToken
    case xGitlabToken
    case idempotencyKey

    /// How many there are: the size of `RequestHead`'s table.
    static let count = 14

    /// The field's name as usually written.
    public var name: String {
        switch self {
        case .host: "Host"
        case .contentLength: "Content-Length"
        case .transferEncoding: "Transfer-Encoding"
        case .connection: "Connection"
        case .expect: "Expect"
        case .contentType: "Content-Type"
        case .accept: "Accept"
        case .acceptEncoding: "Accept-Encoding"
        case .userAgent: "User-Agent"
        case .referer: "Referer"
        case .authorization: "Authorization"
        case .xPrivateToken: "X-Private-Token"
        case .xGitlabToken: "X-Gitlab-Token"
        case .idempotencyKey: "Idempotency-Key"
        }
    }

    /// The known field the token `bytes[start..<end]` names, compared case-insensitively; nil for any other name.
    static func identify(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> KnownHeader? {
        func named(_ lowercase: StaticString, _ header: KnownHeader) -> KnownHeader? {
            HTTPSyntax.tokenEqualsLowercased(bytes, start, end, lowercase) ? header : nil
        }
        guard end > start else { return nil }
        switch (end - start, bytes[start] | 0x20) {
        case (4, UInt8(ascii: "h")): return named("host", .host)
        case (6, UInt8(ascii: "e")): return named("expect", .expect)
        case (6, UInt8(ascii: "a")): return named("accept", .accept)
        case (7, UInt8(ascii: "r")): return named("referer", .referer)
        case (10, UInt8(ascii: "c")): return named("connection", .connection)
        case (10, UInt8(ascii: "u")): return named("user-agent", .userAgent)
        case (12, UInt8(ascii: "c")): return named("content-type", .contentType)
        case (13, UInt8(ascii: "a")): return named("authorization", .authorization)
        case (14, UInt8(ascii: "c")): return named("content-length", .contentLength)
        case (14, UInt8(ascii: "x")): return named("x-gitlab-token", .xGitlabToken)
        case (15, UInt8(ascii: "a")): return named("accept-encoding", .acceptEncoding)
        case (15, UInt8(ascii: "x")): return named("x-private-token", .xPrivateToken)
        case (15, UInt8(ascii: "i")): return named("idempotency-key", .idempotencyKey)
        case (17, UInt8(ascii: "t")): return named("transfer-encoding", .transferEncoding)
        default: return nil
        }
    }
}

func asciiCaseInsensitiveEqual(_ lhs: String, _ rhs: String) -> Bool {
    // On the contiguous UTF-8 of both strings: a generic zip over two UTF8Views costs several times as much, and
    // header lookups run many times per request.
    var left = lhs
    var right = rhs
    return left.withUTF8 { a in
        right.withUTF8 { b in
            guard a.count == b.count else { return false }
            for index in 0..<a.count where a[index] != b[index] {
                guard lowercaseASCII(a[index]) == lowercaseASCII(b[index]) else { return false }
            }
            return true
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and line ends: the one trimming the HTTP code and the service share.
    public func trimmingHTTPWhitespace() -> Substring {
        let string = Substring(self)
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let start = string.firstIndex(where: { !isSpace($0) }) else { return string[string.endIndex...] }
        let end = string.lastIndex(where: { !isSpace($0) })!
        return string[start...end]
    }

    func lowercasedASCII() -> String {
        String(decoding: utf8.map(lowercaseASCII), as: UTF8.self)
    }
}
