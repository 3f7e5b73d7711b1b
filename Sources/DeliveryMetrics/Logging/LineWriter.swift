/// Writes a log line as bytes at a place with room enough (`LogSink.appendLine` gives it), with the escaping of
/// `LogFormatter`: JSON strings as `jsonString` writes them, logfmt values as `logfmtValue` does, numbers as
/// `isJSONNumber` reads them. Work on the UTF-8 bytes gives the same as `LogFormatter`'s work on Unicode scalars,
/// since every byte it escapes is ASCII and a multi-byte sequence is copied whole.
struct LineWriter {
    private let start: UnsafeMutablePointer<UInt8>
    private var end: UnsafeMutablePointer<UInt8>

    init(at start: UnsafeMutablePointer<UInt8>) {
        self.start = start
        end = start
    }

    /// Bytes written so far.
    var count: Int { end - start }

    /// The most bytes a String of `utf8Count` bytes can take once escaped (`\u00XX` for a control byte).
    static func escapedBound(_ utf8Count: Int) -> Int { 6 * utf8Count + 2 }

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        end.pointee = byte
        end += 1
    }

    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        end.update(from: base, count: bytes.count)
        end += bytes.count
    }

    mutating func put(_ text: StaticString) {
        put(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func put(_ text: String) {
        withBytes(of: text) { put($0) }
    }

    /// `String(value)`.
    mutating func putDecimal(_ value: Int) {
        end += GoFloat.writeDecimal(value, to: end)
    }

    /// `value` zero-padded to `width` digits at least, as `LogFormatter.rfc3339` pads its fields.
    mutating func putDecimal(_ value: Int, width: Int) {
        var digits = 1
        var probe = value.magnitude / 10
        while probe > 0 {
            digits += 1
            probe /= 10
        }
        if value < 0 { digits += 1 }  // `String(value)` counts its sign
        for _ in digits..<max(digits, width) { put(UInt8(ascii: "0")) }
        putDecimal(value)
    }

    /// `GoFloat.format(value)`.
    mutating func putGoFloat(_ value: Double) {
        end += GoFloat.write(value, to: end)
    }

    /// `GoFloat.format(micros / 1e6)` for a whole number of microseconds.
    mutating func putGoFloat(micros: Double) {
        if micros >= 0, micros < 1e15, let length = GoFloat.write(micros: Int(micros), to: end) {
            end += length
        } else {
            putGoFloat(micros / 1e6)
        }
    }

    /// `LogFormatter.jsonString(text)`.
    mutating func putJSONString(_ text: String) {
        withBytes(of: text) { putJSONString($0) }
    }

    mutating func putJSONString(_ bytes: UnsafeBufferPointer<UInt8>) {
        put(UInt8(ascii: "\""))
        var run = 0
        while let index = Self.firstEscaped(bytes, from: run) {
            put(UnsafeBufferPointer(rebasing: bytes[run..<index]))
            run = index + 1
            let byte = bytes[index]
            put(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): put(byte)
            case UInt8(ascii: "\n"): put(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): put(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): put(UInt8(ascii: "t"))
            default:
                put("u00")
                put(Self.lowerHex[Int(byte >> 4)])
                put(Self.lowerHex[Int(byte & 0xF)])
            }
        }
        put(UnsafeBufferPointer(rebasing: bytes[run...]))
        put(UInt8(ascii: "\""))
    }

    /// The first byte from `start` on that a JSON string escapes: a control character, `"` or `\\`.
    private static func firstEscaped(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        ByteScan.firstIndex(
            in: bytes,
            from: start,
            word: {
                ByteScan.below($0, 0x20) | ByteScan.equal($0, UInt8(ascii: "\""))
                    | ByteScan.equal($0, UInt8(ascii: "\\"))
            },
            byte: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        )
    }

    private static let lowerHex: [UInt8] = Array("0123456789abcdef".utf8)

    /// `LogFormatter.logfmtValue(text)`: bare, or a JSON string when it is empty or holds a space, a control
    /// character, a quote, `=` or a backslash.
    mutating func putLogfmtValue(_ text: String) {
        withBytes(of: text) { putLogfmtValue($0) }
    }

    mutating func putLogfmtValue(_ bytes: UnsafeBufferPointer<UInt8>) {
        let needsQuotes =
            bytes.isEmpty
            || ByteScan.firstIndex(
                in: bytes,
                word: {
                    ByteScan.below($0, 0x21) | ByteScan.equal($0, UInt8(ascii: "\""))
                        | ByteScan.equal($0, UInt8(ascii: "="))
                        | ByteScan.equal($0, UInt8(ascii: "\\"))
                },
                byte: {
                    $0 <= 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "\\")
                }
            ) != nil
        if needsQuotes { putJSONString(bytes) } else { put(bytes) }
    }

    /// A field the service fills with a number of its own making, in JSON: bare when it reads as a JSON number
    /// (`LogFormatter.isJSONNumber`), else a string; what `LogFormatter.jsonValue` does for its numeric keys.
    mutating func putJSONNumber(_ text: String) {
        withBytes(of: text) { bytes in
            if Self.isJSONNumber(bytes) { put(bytes) } else { putJSONString(bytes) }
        }
    }

    /// Writes with `body` what the most recent bytes, from `mark` on, would be as a JSON number or else a string:
    /// for numbers written straight into the line (`putGoFloat`).
    mutating func quoteUnlessJSONNumber(from mark: Int) {
        let written = UnsafeBufferPointer(start: start + mark, count: count - mark)
        guard !Self.isJSONNumber(written) else { return }
        // Rare (`+Inf`, `NaN`): through a copy, since the escaped text overwrites the bytes it is made from.
        let copy = Array(written)
        end = start + mark
        copy.withUnsafeBufferPointer { putJSONString($0) }
    }

    /// RFC 8259's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    static func isJSONNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        func digits() -> Int {
            let first = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return index - first
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { return false }
        }
        return index == bytes.count
    }
}
