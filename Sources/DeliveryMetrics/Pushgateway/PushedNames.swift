/// The rules pushed names and values must meet for the exposition to stay readable by Prometheus: metric names
/// `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*` (and not `__`-prefixed, which Prometheus
/// reserves), label values and help valid UTF-8. Checked over bytes: a name is its bytes.
enum PushedNames {
    static func isMetricName(_ name: [UInt8]) -> Bool {
        guard let first = name.first, isNameStart(first) || first == UInt8(ascii: ":") else { return false }
        return name.allSatisfy { isNameStart($0) || isDigit($0) || $0 == UInt8(ascii: ":") }
    }

    static func isLabelName(_ name: [UInt8]) -> Bool {
        guard let first = name.first, isNameStart(first) else { return false }
        return name.allSatisfy { isNameStart($0) || isDigit($0) }
    }

    /// Prometheus keeps `__`-prefixed label names for itself (`__name__`, `__address__`...).
    static func isReservedLabelName(_ name: [UInt8]) -> Bool {
        name.count >= 2 && name[0] == UInt8(ascii: "_") && name[1] == UInt8(ascii: "_")
    }

    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        // ASCII is by far the common case, and checked a byte at a time without the decoder.
        if bytes.allSatisfy({ $0 < 0x80 }) { return true }
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// `bytes` as text for a one-line message: at most 64 bytes, anything but printable ASCII as `\xNN`.
    static func quoted(_ bytes: [UInt8]) -> String {
        var text = "\""
        for byte in bytes.prefix(64) {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): text += "\\" + String(UnicodeScalar(byte))
            case 0x20..<0x7F: text.unicodeScalars.append(UnicodeScalar(byte))
            default:
                let hex = String(byte, radix: 16)
                text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        if bytes.count > 64 { text += "..." }
        return text + "\""
    }

    private static func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_")
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}

extension [UInt8] {
    /// Whether these bytes begin with `prefix`'s UTF-8.
    func hasPrefix(_ prefix: String) -> Bool {
        starts(with: prefix.utf8)
    }

    /// Whether these bytes end with `suffix`'s UTF-8.
    func hasSuffix(_ suffix: String) -> Bool {
        let suffix = Array(suffix.utf8)
        return count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
