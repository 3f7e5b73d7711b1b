/// What a refusal may repeat of the client's input: cut and escaped, so that every refusal stays one short line in
/// the answer and in the log, whatever the client sent.
public enum EchoedInput {
    /// Bytes of input echoed at most; longer input ends in an ellipsis.
    public static let limit = 120
    /// The longest reason a refusal carries, however many inputs it quotes.
    public static let maxReasonBytes = 1024

    /// `text` cut at `limit` bytes on a character boundary, with control characters (C0, DEL, C1), line and paragraph
    /// separators and bidirectional overrides as `\xHH` of their bytes. A String is valid UTF-8 by construction; ``bytes(_:)`` escapes invalid sequences too.
    public static func text(_ text: some StringProtocol, limit: Int = limit) -> String {
        var output = ""
        var used = 0
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            guard used + width <= limit else {
                output += "…"
                return output
            }
            used += width
            if isEscaped(scalar) {
                for byte in String(scalar).utf8 { output += hex(byte) }
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// Raw bytes for a message: valid UTF-8 as in ``text(_:limit:)``, every byte of an invalid sequence as `\xHH`.
    public static func bytes(_ bytes: some Collection<UInt8>, limit: Int = limit) -> String {
        let bytes = Array(bytes)
        var output = ""
        var index = 0
        while index < bytes.count {
            let length = sequenceLength(bytes, at: index)
            guard index + max(length, 1) <= limit else {
                output += "…"
                break
            }
            if length == 0 {
                output += hex(bytes[index])
                index += 1
                continue
            }
            let scalar = String(decoding: bytes[index..<index + length], as: UTF8.self)
            output += isEscaped(scalar.unicodeScalars.first!) ? bytes[index..<index + length].map(hex).joined() : scalar
            index += length
        }
        return output
    }

    /// The length of the well-formed UTF-8 sequence at `index` (RFC 3629's table), or 0 when there is none.
    private static func sequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let (length, second): (Int, ClosedRange<UInt8>) =
            switch lead {
            case 0x00...0x7F: (1, 0x80...0xBF)
            case 0xC2...0xDF: (2, 0x80...0xBF)
            case 0xE0: (3, 0xA0...0xBF)
            case 0xED: (3, 0x80...0x9F)
            case 0xE1...0xEF: (3, 0x80...0xBF)
            case 0xF0: (4, 0x90...0xBF)
            case 0xF4: (4, 0x80...0x8F)
            case 0xF1...0xF3: (4, 0x80...0xBF)
            default: (0, 0x80...0xBF)
            }
        guard length > 1 else { return length }
        guard index + length <= bytes.count, second.contains(bytes[index + 1]) else { return 0 }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) { return 0 }
        return length
    }

    /// A whole reason made safe to send and log: one line, at most ``maxReasonBytes`` bytes.
    public static func reason(_ reason: String) -> String {
        guard reason.utf8.count > maxReasonBytes || reason.unicodeScalars.contains(where: isEscaped) else {
            return reason
        }
        return text(reason, limit: maxReasonBytes)
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value <= 0x9F)
    }

    /// What an echo never repeats as it is: controls, and U+2028, U+2029, U+202A–U+202E and U+2066–U+2069, which
    /// would break the line or reorder what a terminal or log viewer shows after them.
    static func isEscaped(_ scalar: Unicode.Scalar) -> Bool {
        isControl(scalar)
            || (0x2028...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return "\\x" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
    }
}
