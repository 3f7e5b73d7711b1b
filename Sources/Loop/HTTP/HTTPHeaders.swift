/// Header fields in arrival order; names compare case-insensitively, values are already trimmed.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The first value of the field `name`.
    public subscript(name: String) -> String? {
        fields.first { asciiCaseInsensitiveEqual($0.name, name) }?.value
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
        fields.append((name: name, value: value))
    }

    public mutating func replaceOrAdd(_ name: String, _ value: String) {
        fields.removeAll { asciiCaseInsensitiveEqual($0.name, name) }
        fields.append((name: name, value: value))
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
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

@inline(__always)
func lowercaseASCII(_ byte: UInt8) -> UInt8 {
    byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
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
