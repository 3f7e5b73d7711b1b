import Glibc

/// Byte classes of RFC 9110, and the byte searches the parser and router share.
enum HTTPSyntax {
    /// `tchar` as two 64-bit masks (bytes 0-63, 64-127): `!#$%&'*+-.^_`|~`, digits and letters.
    private static let tokenLow: UInt64 = 0x03FF_6CFA_0000_0000
    private static let tokenHigh: UInt64 = 0x57FF_FFFF_C7FF_FFFE

    /// `tchar`: what method and header names are made of.
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        let mask = byte < 64 ? tokenLow : (byte < 128 ? tokenHigh : 0)
        return (mask >> UInt64(byte & 63)) & 1 == 1
    }

    /// Visible characters, space, tab and obs-text; no other control characters (a bare CR or NUL is refused).
    @inline(__always)
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    /// Space or horizontal tab: the optional whitespace around field values.
    @inline(__always)
    static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09
    }

    /// `tchar` as a table: byte `b` is a token byte when the table's byte `b` is `1`.
    private static let tokenTable: StaticString = """
        0000000000000000000000000000000001011111001101101111111111000000\
        0111111111111111111111111110001111111111111111111111111111101010\
        0000000000000000000000000000000000000000000000000000000000000000\
        0000000000000000000000000000000000000000000000000000000000000000
        """

    /// The end of the token bytes of `bytes[from..<to]`.
    @inline(__always)
    static func tokenEnd(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        let table = tokenTable.utf8Start
        var index = from
        // Four bytes a round while four are left: one bound check for four table look-ups.
        while index &+ 4 <= to {
            guard table[Int(bytes[index])] == UInt8(ascii: "1") else { return index }
            guard table[Int(bytes[index &+ 1])] == UInt8(ascii: "1") else { return index &+ 1 }
            guard table[Int(bytes[index &+ 2])] == UInt8(ascii: "1") else { return index &+ 2 }
            guard table[Int(bytes[index &+ 3])] == UInt8(ascii: "1") else { return index &+ 3 }
            index &+= 4
        }
        while index < to, table[Int(bytes[index])] == UInt8(ascii: "1") { index &+= 1 }
        return index
    }

    /// Whether every byte of `bytes[from..<to]` is visible ASCII (`!` to `~`): what a request target is made of.
    static func isVisibleASCII(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Bool {
        guard let base = bytes.baseAddress else { return from >= to }
        let raw = UnsafeRawPointer(base)
        var index = from
        while index &+ 8 <= to {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            // A high bit, a byte below `!` (a borrow), or `DEL` (a carry into the high bit) is flagged.
            let flagged = word | (word &+ 0x0101_0101_0101_0101) | ((word &- 0x2121_2121_2121_2121) & ~word)
            guard flagged & 0x8080_8080_8080_8080 == 0 else { return false }
            index &+= 8
        }
        while index < to {
            guard base[index] > 0x20, base[index] < 0x7F else { return false }
            index &+= 1
        }
        return true
    }

    /// The first byte of `bytes[from..<to]` that may not be in a field value (`isFieldValueByte`), or `to`.
    static func firstInvalidFieldValueByte(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        guard let base = bytes.baseAddress else { return to }
        let raw = UnsafeRawPointer(base)
        var index = from
        while index &+ 8 <= to {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            // Bytes below a space (tab included) or equal to `DEL` are flagged; the lowest flag is exact (a borrow
            // only moves upwards), so it names the first such byte, and only a tab there is looked past.
            let control = (word &- 0x2020_2020_2020_2020) & ~word
            let delete = word ^ 0x7F7F_7F7F_7F7F_7F7F
            let deleted = (delete &- 0x0101_0101_0101_0101) & ~delete
            let flagged = (control | deleted) & 0x8080_8080_8080_8080
            guard flagged != 0 else {
                index &+= 8
                continue
            }
            let first = index &+ flagged.trailingZeroBitCount >> 3
            guard base[first] == 0x09 else { return first }
            index = first &+ 1
        }
        while index < to {
            guard isFieldValueByte(base[index]) else { return index }
            index &+= 1
        }
        return to
    }

    /// The first `\n` in `bytes[from..<to]`; `to` when there is none.
    @inline(__always)
    static func firstNewline(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        firstByte(UInt8(ascii: "\n"), bytes, from: from, to: to)
    }

    /// The first `byte` in `bytes[from..<to]`; `to` when there is none. By libc's `memchr`, which reads 32 bytes at a
    /// time where the machine can: half the instructions of a word-at-a-time loop on the lines of a head (and fewer
    /// than a byte loop even on a range of a few bytes, measured).
    static func firstByte(_ byte: UInt8, _ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        guard let base = bytes.baseAddress, from < to else { return to }
        guard let found = memchr(base + from, Int32(byte), to - from) else { return to }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }

    /// Whether the token `bytes[start..<end]` (only `tchar`), ASCII-lowercased, is `lowercase`, which must have at
    /// least 4 bytes: a word at a time, setting bit 5 of every byte, which lowercases letters and turns no other token
    /// byte into a letter, a digit or `-`.
    @inline(__always)
    static func tokenEqualsLowercased(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        _ lowercase: StaticString
    ) -> Bool {
        let count = lowercase.utf8CodeUnitCount
        guard end &- start == count, count >= 4, let base = bytes.baseAddress else { return false }
        let name = UnsafeRawPointer(base + start)
        let literal = UnsafeRawPointer(lowercase.utf8Start)
        if count < 8 {
            let tail = count &- 4
            return name.loadUnaligned(as: UInt32.self) | 0x2020_2020 == literal.loadUnaligned(as: UInt32.self)
                && name.loadUnaligned(fromByteOffset: tail, as: UInt32.self) | 0x2020_2020
                    == literal.loadUnaligned(fromByteOffset: tail, as: UInt32.self)
        }
        var offset = 0
        while true {
            let at = min(offset, count &- 8)
            guard
                name.loadUnaligned(fromByteOffset: at, as: UInt64.self) | 0x2020_2020_2020_2020
                    == literal.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            else { return false }
            if at == count &- 8 { return true }
            offset &+= 8
        }
    }

    /// Whether `bytes[start..<end]`, ASCII-lowercased, is `lowercase` (which must be lowercase).
    @inline(__always)
    static func equalsLowercased(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        _ lowercase: StaticString
    )
        -> Bool
    {
        let count = lowercase.utf8CodeUnitCount
        guard end &- start == count else { return false }
        let literal = lowercase.utf8Start
        var index = 0
        while index < count {
            guard lowercaseASCII(bytes[start &+ index]) == literal[index] else { return false }
            index &+= 1
        }
        return true
    }
}

/// A view of bytes the server keeps (a request head's, say), indexed from 0: what the byte accessors of `RequestHead`,
/// `RouteParameters` and `AccessLogEntry` return. Copying one retains the storage; it never copies the bytes.
public struct ByteSpan: RandomAccessCollection, Sendable, Hashable, CustomStringConvertible {
    public typealias Index = Int
    public typealias Element = UInt8
    public typealias Indices = Range<Int>

    @usableFromInline let base: [UInt8]
    @usableFromInline let offset: Int
    public let count: Int

    @inlinable
    init(base: [UInt8], offset: Int, count: Int) {
        self.base = base
        self.offset = offset
        self.count = count
    }

    @inlinable
    init(base: [UInt8], _ range: Range<Int>) {
        self.init(base: base, offset: range.lowerBound, count: range.count)
    }

    /// All of `bytes`.
    @inlinable
    public init(_ bytes: [UInt8]) {
        self.init(base: bytes, offset: 0, count: bytes.count)
    }

    /// The UTF-8 of `text`.
    @inlinable
    public init(_ text: String) {
        self.init(Array(text.utf8))
    }

    /// No bytes.
    public static let empty = ByteSpan([])

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }
    @inlinable public var isEmpty: Bool { count == 0 }

    @inlinable
    public subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < count, "ByteSpan index out of range")
        return base[offset &+ position]
    }

    /// The bytes of `range`, indexed from 0 again.
    @inlinable
    public func span(_ range: Range<Int>) -> ByteSpan {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "ByteSpan range out of bounds")
        return ByteSpan(base: base, offset: offset &+ range.lowerBound, count: range.count)
    }

    @inlinable
    public func withUnsafeBufferPointer<Result>(
        _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
    ) rethrows
        -> Result
    {
        try base.withUnsafeBufferPointer { all in
            try body(UnsafeBufferPointer(rebasing: all[offset..<offset &+ count]))
        }
    }

    @inlinable
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
    }

    @inlinable
    public func withContiguousStorageIfAvailable<Result>(
        _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
    ) rethrows -> Result? {
        try withUnsafeBufferPointer(body)
    }

    /// The bytes as text, invalid UTF-8 repaired with U+FFFD.
    public var string: String {
        withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }

    public var description: String { string }

    /// Whether the bytes are exactly `literal`'s.
    @inlinable
    public func equals(_ literal: StaticString) -> Bool {
        guard literal.utf8CodeUnitCount == count else { return false }
        return withUnsafeBufferPointer { bytes in
            bytes.elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: count))
        }
    }

    /// Whether the bytes equal `literal`'s with ASCII letters compared case-insensitively (header names, tokens).
    @inlinable
    public func equalsIgnoringASCIICase(_ literal: StaticString) -> Bool {
        guard literal.utf8CodeUnitCount == count else { return false }
        return withUnsafeBufferPointer { bytes in
            let other = literal.utf8Start
            for index in 0..<count where bytes[index] != other[index] {
                let lower = bytes[index] | 0x20
                guard lower == other[index] | 0x20, lower >= UInt8(ascii: "a"), lower <= UInt8(ascii: "z") else {
                    return false
                }
            }
            return true
        }
    }

    /// Without leading and trailing spaces, tabs and line ends.
    @inlinable
    public func trimmingHTTPWhitespace() -> ByteSpan {
        withUnsafeBufferPointer { bytes in
            var start = 0
            var end = count
            func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
            while start < end, isSpace(bytes[start]) { start += 1 }
            while end > start, isSpace(bytes[end - 1]) { end -= 1 }
            return span(start..<end)
        }
    }

    @inlinable
    public static func == (lhs: ByteSpan, rhs: ByteSpan) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBufferPointer { left in rhs.withUnsafeBufferPointer { left.elementsEqual($0) } }
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

@inline(__always)
func lowercaseASCII(_ byte: UInt8) -> UInt8 {
    byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
}
