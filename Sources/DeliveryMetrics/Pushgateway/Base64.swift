/// RFC 4648 base64, decoded the way its two readers here need: Basic credentials in the standard alphabet
/// (`+`, `/`), and path values as the Pushgateway reads them, Go's `base64.RawURLEncoding` after trailing `=` are
/// trimmed (`-`, `_`; padding optional; `=` alone the empty value). Nil for a character outside the alphabet or a
/// length no encoding gives. Encoded in the standard alphabet with padding, for the status page's CSP hashes.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var group: UInt32 = 0
            for offset in 0..<3 {
                group = group << 8 | UInt32(offset < count ? bytes[index + offset] : 0)
            }
            for sextet in 0..<4 {
                output.append(
                    sextet <= count ? alphabet[Int(group >> UInt32(18 - 6 * sextet) & 63)] : UInt8(ascii: "=")
                )
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    enum Alphabet {
        case standard
        case urlSafe
    }

    static func decode(_ text: [UInt8], alphabet: Alphabet) -> [UInt8]? {
        var end = text.count
        while end > 0, text[end - 1] == UInt8(ascii: "=") { end -= 1 }
        guard end % 4 != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(end * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text[..<end] {
            guard let sextet = sextet(byte, alphabet) else { return nil }
            accumulator = accumulator << 6 | UInt32(sextet)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return output
    }

    private static func sextet(_ byte: UInt8, _ alphabet: Alphabet) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+") where alphabet == .standard: 62
        case UInt8(ascii: "/") where alphabet == .standard: 63
        case UInt8(ascii: "-") where alphabet == .urlSafe: 62
        case UInt8(ascii: "_") where alphabet == .urlSafe: 63
        default: nil
        }
    }
}
