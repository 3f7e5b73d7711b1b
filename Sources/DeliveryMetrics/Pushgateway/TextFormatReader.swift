/// A cursor over a text-format body's bytes, with the tokens expfmt's `TextParser` reads: names, quoted label values,
/// tokens up to a blank, the rest of a line. `current` is the byte under the cursor, not yet consumed (expfmt's
/// `currentByte` once read), nil at the end of the body. Nothing here consumes a line feed but `endLine`, so the line
/// number refusals give is the one the bytes came from. Tokens are slices of the body (no copy); only what the model
/// keeps is copied out, unescaped.
struct TextFormatReader {
    private let bytes: [UInt8]
    private var position = 0
    /// The line `current` is on, from 1.
    private(set) var line = 1

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    /// The byte under the cursor when there must be one: the end of the body mid-line is expfmt's "unexpected end of
    /// input stream" (every line ends in a line feed, the last one too).
    func expectByte() throws(PushBodyError) -> UInt8 {
        guard position < bytes.count else { throw error("unexpected end of input stream") }
        return bytes[position]
    }

    mutating func advance() {
        position += 1
    }

    /// Consumes the line feed under the cursor.
    mutating func endLine() {
        position += 1
        line += 1
    }

    /// Steps over blanks and tabs (and nothing else: a carriage return is part of the next token).
    mutating func skipBlanks() {
        while position < bytes.count, Self.isBlank(bytes[position]) { position += 1 }
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*` from the cursor, empty when the byte under it cannot start a metric name.
    mutating func metricName() -> ArraySlice<UInt8> {
        name(startingWith: Self.canStartMetricName, continuingWith: Self.continuesMetricName)
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*` from the cursor, empty when the byte under it cannot start a label name.
    mutating func labelName() -> ArraySlice<UInt8> {
        name(startingWith: Self.canStartLabelName, continuingWith: Self.continuesLabelName)
    }

    private mutating func name(
        startingWith canStart: (UInt8) -> Bool,
        continuingWith continues: (UInt8) -> Bool
    ) -> ArraySlice<UInt8> {
        let start = position
        guard position < bytes.count, canStart(bytes[position]) else { return bytes[start..<start] }
        position += 1
        while position < bytes.count, continues(bytes[position]) { position += 1 }
        return bytes[start..<position]
    }

    /// The bytes from the cursor to the next blank, tab or line feed (which stays under the cursor); may be empty.
    /// The body ending first is refused.
    mutating func token() throws(PushBodyError) -> ArraySlice<UInt8> {
        let start = position
        while position < bytes.count, !Self.isBlank(bytes[position]), bytes[position] != UInt8(ascii: "\n") {
            position += 1
        }
        _ = try expectByte()
        return bytes[start..<position]
    }

    /// A label value, the cursor on its opening quote: its bytes with `\\`, `\"` and `\n` unescaped, the cursor left
    /// past the closing quote. Any other escape, a raw line feed and the end of the body are refused. The bytes are
    /// kept as they are: whether they are UTF-8 is for the checks to say.
    mutating func quotedValue() throws(PushBodyError) -> [UInt8] {
        position += 1
        let start = position
        // Most values hold no escape: one copy of the run.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return Array(bytes[start..<position - 1])
            }
            if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\n") { break }
            position += 1
        }
        var value = Array(bytes[start..<position])
        while true {
            let byte = try expectByte()
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return value
            case UInt8(ascii: "\n"):
                throw error("label value \(Self.quote(value[...])) contains an unescaped line feed")
            case UInt8(ascii: "\\"):
                let escaped = try expectByte()
                switch escaped {
                case UInt8(ascii: "\\"), UInt8(ascii: "\""): value.append(escaped)
                case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                default: throw error("invalid escape sequence \(Self.quote([UInt8(ascii: "\\"), escaped]))")
                }
                position += 1
            default:
                value.append(byte)
            }
        }
    }

    /// The bytes from the cursor to the line feed (left under the cursor), blanks included; with `unescaping` (a
    /// HELP text), `\\` and `\n` unescaped and any other escape refused. The body ending first is refused.
    mutating func restOfLine(unescaping: Bool) throws(PushBodyError) -> [UInt8] {
        let start = position
        while position < bytes.count, bytes[position] != UInt8(ascii: "\n") {
            if unescaping, bytes[position] == UInt8(ascii: "\\") { break }
            position += 1
        }
        var text = Array(bytes[start..<position])
        while true {
            let byte = try expectByte()
            if byte == UInt8(ascii: "\n") { return text }
            position += 1
            guard unescaping, byte == UInt8(ascii: "\\") else {
                text.append(byte)
                continue
            }
            let escaped = try expectByte()
            switch escaped {
            case UInt8(ascii: "\\"): text.append(escaped)
            case UInt8(ascii: "n"): text.append(UInt8(ascii: "\n"))
            default: throw error("invalid escape sequence \(Self.quote([UInt8(ascii: "\\"), escaped]))")
            }
            position += 1
        }
    }

    /// Steps to the line feed that ends this line (a comment's text); the body ending first is refused.
    mutating func skipToEndOfLine() throws(PushBodyError) {
        while position < bytes.count, bytes[position] != UInt8(ascii: "\n") { position += 1 }
        _ = try expectByte()
    }

    /// What follows the cursor on its line, for a refusal to quote: a little more than `quote` shows, so that a cut is
    /// marked.
    var upcoming: ArraySlice<UInt8> {
        var end = position
        while end < bytes.count, end - position <= Self.quotedBytes, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        return bytes[position..<end]
    }

    /// A refusal of the line under the cursor.
    func error(_ reason: String) -> PushBodyError {
        PushBodyError("text format: line \(line): \(reason)")
    }

    /// Whether `text` is `word` (lower-case ASCII letters) in any case.
    static func equalsIgnoringCase(_ text: ArraySlice<UInt8>, _ word: StaticString) -> Bool {
        guard text.count == word.utf8CodeUnitCount else { return false }
        var pointer = word.utf8Start
        for byte in text {
            // Setting bit 5 lower-cases an ASCII letter; no other byte becomes a lower-case letter that way.
            guard byte | 0x20 == pointer.pointee else { return false }
            pointer += 1
        }
        return true
    }

    static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    private static func canStartLabelName(_ byte: UInt8) -> Bool {
        let lower = byte | 0x20
        return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
    }

    private static func continuesLabelName(_ byte: UInt8) -> Bool {
        canStartLabelName(byte) || TextFloat.isDigit(byte)
    }

    private static func canStartMetricName(_ byte: UInt8) -> Bool {
        canStartLabelName(byte) || byte == UInt8(ascii: ":")
    }

    private static func continuesMetricName(_ byte: UInt8) -> Bool {
        continuesLabelName(byte) || byte == UInt8(ascii: ":")
    }

    /// Input as a refusal may quote it: in double quotes, at most `quotedBytes` bytes (then `...`), printable ASCII as
    /// it is but for `\` and `"` (escaped), every other byte as `\xHH`. One short line, whatever the body held.
    static func quote(_ input: some Collection<UInt8>) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = [UInt8(ascii: "\"")]
        for byte in input.prefix(quotedBytes) {
            switch byte {
            case UInt8(ascii: "\\"), UInt8(ascii: "\""): output += [UInt8(ascii: "\\"), byte]
            case 0x20...0x7E: output.append(byte)
            default: output += [UInt8(ascii: "\\"), UInt8(ascii: "x"), digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
            }
        }
        if input.count > quotedBytes { output += Array("...".utf8) }
        output.append(UInt8(ascii: "\""))
        return String(decoding: output, as: UTF8.self)
    }

    static let quotedBytes = 40
}
