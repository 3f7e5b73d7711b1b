/// One element of a header value such as `text/plain;version=0.0.4;q=0.5` or `form-data; name="value"`: the value,
/// lowercased, and its parameters (names lowercased, values trimmed and unquoted, their case kept).
///
/// ASCII text (every real header) is read as bytes; other text goes through the same steps on characters, so both
/// give what the character version always gave. `value(of:)` and `parameter(_:of:)` answer the same from a head's
/// bytes without building the element.
public struct HeaderElement: Sendable, Equatable {
    public let value: String
    public let parameters: [String: String]

    @inlinable
    public init<Text: StringProtocol>(_ text: Text) {
        self.init(parsing: String(text))
    }

    @usableFromInline
    init(parsing text: String) {
        var text = text
        if let element = text.withUTF8({ Self.asciiElement($0, 0, $0.count) }) {
            self = element
        } else {
            self.init(characters: text)
        }
    }

    private init(value: String, parameters: [String: String]) {
        self.value = value
        self.parameters = parameters
    }

    /// The character version, for text that is not ASCII.
    private init(characters text: String) {
        let pieces = text.split(separator: ";")
        value = pieces.first.map { String($0.trimmingHTTPWhitespace()).lowercasedASCII() } ?? ""
        var parameters: [String: String] = [:]
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            var parameter = pair[1].trimmingHTTPWhitespace()
            if parameter.count >= 2, parameter.hasPrefix("\""), parameter.hasSuffix("\"") {
                parameter = parameter.dropFirst().dropLast()
            }
            parameters[String(pair[0].trimmingHTTPWhitespace()).lowercasedASCII()] = String(parameter)
        }
        self.parameters = parameters
    }

    /// The `q` weight (RFC 9110 §12.4.2); 1 when absent.
    public var quality: Double { parameters["q"].flatMap(Double.init) ?? 1 }

    /// The elements of a comma-separated header value (`Accept`, `Accept-Encoding`).
    public static func list(_ header: String) -> [HeaderElement] {
        var header = header
        let ascii = header.withUTF8 { bytes -> [HeaderElement]? in
            var elements: [HeaderElement] = []
            var start = 0
            while start < bytes.count {
                let comma = HTTPSyntax.firstByte(UInt8(ascii: ","), bytes, from: start, to: bytes.count)
                if comma > start {
                    guard let element = asciiElement(bytes, start, comma) else { return nil }
                    elements.append(element)
                }
                start = comma + 1
            }
            return elements
        }
        return ascii ?? header.split(separator: ",").map(HeaderElement.init)
    }

    // MARK: - Bytes

    /// The first element's value in `field` (`text/plain` of `Text/Plain; charset=utf-8`), trimmed; its case is kept
    /// for ASCII, so compare it with `ByteSpan.equalsIgnoringASCIICase`. As `HeaderElement(field.string).value`.
    public static func value(of field: ByteSpan) -> ByteSpan {
        let range = field.withUnsafeBufferPointer { bytes -> Range<Int>? in
            guard isASCII(bytes, 0, bytes.count) else { return nil }
            var start = 0
            while start < bytes.count, bytes[start] == UInt8(ascii: ";") { start += 1 }
            let end = HTTPSyntax.firstByte(UInt8(ascii: ";"), bytes, from: start, to: bytes.count)
            return trimmed(bytes, start, end)
        }
        guard let range else { return ByteSpan(HeaderElement(parsing: field.string).value) }
        return field.span(range)
    }

    /// The value of the parameter `name` (lowercase) of the first element in `field`, trimmed and unquoted; nil when
    /// there is none. As `HeaderElement(field.string).parameters[name]`.
    public static func parameter(_ name: String, of field: ByteSpan) -> ByteSpan? {
        var name = name
        let found = field.withUnsafeBufferPointer { bytes -> Range<Int>?? in
            guard isASCII(bytes, 0, bytes.count) else { return nil }
            return name.withUTF8 { wanted in
                var found: Range<Int>?
                forEachParameter(bytes, 0, bytes.count) { nameRange, value in
                    let candidate = UnsafeBufferPointer(rebasing: bytes[nameRange])
                    if candidate.count == wanted.count,
                        zip(candidate, wanted).allSatisfy({ lowercaseASCII($0) == $1 })
                    {
                        found = value
                    }
                }
                return .some(found)
            }
        }
        guard let found else {
            return HeaderElement(parsing: field.string).parameters[name].map { ByteSpan($0) }
        }
        return found.map { field.span($0) }
    }

    // MARK: - ASCII

    /// The element `bytes[start..<end]`, or nil when it is not ASCII.
    private static func asciiElement(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> HeaderElement? {
        guard isASCII(bytes, start, end) else { return nil }
        // Empty pieces between semicolons do not count: the value is the first piece that is not empty.
        var valueStart = start
        while valueStart < end, bytes[valueStart] == UInt8(ascii: ";") { valueStart += 1 }
        let valueEnd = HTTPSyntax.firstByte(UInt8(ascii: ";"), bytes, from: valueStart, to: end)
        let value = lowercased(bytes, trimmed(bytes, valueStart, valueEnd))
        var parameters: [String: String] = [:]
        forEachParameter(bytes, start, end) { name, parameter in
            parameters[lowercased(bytes, name)] = String(
                decoding: UnsafeBufferPointer(rebasing: bytes[parameter]),
                as: UTF8.self
            )
        }
        return HeaderElement(value: value, parameters: parameters)
    }

    /// Calls `body` with the trimmed name and the trimmed, unquoted value of each `name=value` piece after the first
    /// piece of `bytes[start..<end]`, as splitting at `;` then at the first `=` (empty pieces dropped) gives them.
    private static func forEachParameter(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        _ body: (Range<Int>, Range<Int>) -> Void
    ) {
        var pieceStart = start
        while pieceStart < end, bytes[pieceStart] == UInt8(ascii: ";") { pieceStart += 1 }
        // The first piece is the value.
        pieceStart = HTTPSyntax.firstByte(UInt8(ascii: ";"), bytes, from: pieceStart, to: end) + 1
        while pieceStart < end {
            let pieceEnd = HTTPSyntax.firstByte(UInt8(ascii: ";"), bytes, from: pieceStart, to: end)
            // `split(separator: "=", maxSplits: 1)`: leading `=` make empty pieces, which are dropped.
            var nameStart = pieceStart
            while nameStart < pieceEnd, bytes[nameStart] == UInt8(ascii: "=") { nameStart += 1 }
            let equals = HTTPSyntax.firstByte(UInt8(ascii: "="), bytes, from: nameStart, to: pieceEnd)
            if equals + 1 < pieceEnd {
                var value = trimmed(bytes, equals + 1, pieceEnd)
                if value.count >= 2, bytes[value.lowerBound] == UInt8(ascii: "\""),
                    bytes[value.upperBound - 1] == UInt8(ascii: "\"")
                {
                    value = value.lowerBound + 1..<value.upperBound - 1
                }
                body(trimmed(bytes, nameStart, equals), value)
            }
            pieceStart = pieceEnd + 1
        }
    }

    private static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var index = start
        while index < end {
            guard bytes[index] < 0x80 else { return false }
            index += 1
        }
        return true
    }

    /// Without spaces, tabs and line ends around it.
    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Range<Int> {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var first = start
        var last = end
        while first < last, isSpace(bytes[first]) { first += 1 }
        while last > first, isSpace(bytes[last - 1]) { last -= 1 }
        return first..<last
    }

    private static func lowercased(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(unsafeUninitializedCapacity: range.count) { output in
            for index in 0..<range.count { output[index] = lowercaseASCII(bytes[range.lowerBound + index]) }
            return range.count
        }
    }
}
