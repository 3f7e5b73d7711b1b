/// Percent-decoding of URL parts and of `application/x-www-form-urlencoded` pairs. Inlinable, so that the service's
/// calls are specialised for their byte collections instead of going through generic metadata on every push.
public enum PercentDecoding {
    /// Decodes `%XX` escapes (and `+` as a space when `plusIsSpace`); nil when an escape is broken. Invalid UTF-8 is
    /// repaired with U+FFFD rather than refused.
    @inlinable
    public static func decode<Bytes: Collection>(_ bytes: Bytes, plusIsSpace: Bool) -> String?
    where Bytes.Element == UInt8 {
        decodeText(bytes, plusIsSpace: plusIsSpace)?.text
    }

    /// `decode`, with the decoded bytes kept when they are not valid UTF-8, for a caller that must refuse them.
    @inlinable
    public static func decodeText<Bytes: Collection>(_ bytes: Bytes, plusIsSpace: Bool) -> DecodedText?
    where Bytes.Element == UInt8 {
        if !bytes.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) {
            return DecodedText(bytes)
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let first = bytes.index(after: index)
                guard first != bytes.endIndex else { return nil }
                let second = bytes.index(after: first)
                guard second != bytes.endIndex, let high = hexValue(bytes[first]), let low = hexValue(bytes[second])
                else { return nil }
                output.append(high << 4 | low)
                index = bytes.index(after: second)
                continue
            }
            output.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index = bytes.index(after: index)
        }
        return DecodedText(output)
    }

    /// Splits `a=1&b=2` into decoded pairs, like Go's `url.ParseQuery`; a part without `=` has an empty value.
    /// Nil when an escape is broken.
    @inlinable
    public static func formPairs<Bytes: Collection>(_ bytes: Bytes) -> [(name: String, value: String)]?
    where Bytes.Element == UInt8, Bytes.SubSequence: Collection {
        formFields(bytes)?.map { (name: $0.name, value: $0.value.text) }
    }

    /// `formPairs` with each value's bytes kept when they are not valid UTF-8.
    @inlinable
    public static func formFields<Bytes: Collection>(_ bytes: Bytes) -> [(name: String, value: DecodedText)]?
    where Bytes.Element == UInt8, Bytes.SubSequence: Collection {
        var pairs: [(name: String, value: DecodedText)] = []
        for part in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = part.firstIndex(of: UInt8(ascii: "="))
            let rawName = equals.map { part[..<$0] } ?? part[...]
            let rawValue = equals.map { part[part.index(after: $0)...] } ?? part[part.endIndex...]
            guard let name = decode(rawName, plusIsSpace: true), let value = decodeText(rawValue, plusIsSpace: true)
            else { return nil }
            pairs.append((name: name, value: value))
        }
        return pairs
    }

    /// The value of one hexadecimal digit, or nil.
    @inlinable
    public static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Decoded input as text, repaired with U+FFFD where its bytes are not valid UTF-8, and those bytes, kept only then:
/// a caller that must not let two inputs merge (label values) refuses what `invalidUTF8` holds.
public struct DecodedText: Sendable, Equatable {
    public let text: String
    /// The bytes as they arrived, when they are not valid UTF-8; nil when `text` holds them exactly.
    public let invalidUTF8: [UInt8]?

    @inlinable
    public init(_ bytes: some Collection<UInt8>) {
        if let text = String(validating: bytes, as: UTF8.self) {
            self.text = text
            invalidUTF8 = nil
        } else {
            text = String(decoding: bytes, as: UTF8.self)
            invalidUTF8 = Array(bytes)
        }
    }
}
