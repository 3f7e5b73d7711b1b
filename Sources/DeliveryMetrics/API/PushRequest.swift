import Loop

/// A push's `value` and `labels`, parsed and checked as the original did.
@_spi(Harness) public struct PushRequest {
    let value: Double
    @_spi(Harness) public let labelValues: [String]

    @_spi(Harness) public init(_ request: Request, operation: Operation, labelCount: Int) throws(MetricError) {
        let fast = PushForm.withFields(of: request, needsValue: operation.needsValue, labelCount: labelCount) {
            ($0.value, $0.labelValues())
        }
        if let (value, labelValues) = fast {
            self.init(value: value, labelValues: labelValues)
        } else {
            try self.init(decoding: request, operation: operation, labelCount: labelCount)
        }
    }

    private init(value: Double, labelValues: [String]) {
        self.value = value
        self.labelValues = labelValues
    }

    /// The general reading, through `FormDecoding`'s fields: what `PushForm` leaves to it, and every refusal.
    init(decoding request: Request, operation: Operation, labelCount: Int) throws(MetricError) {
        let fields = try FormDecoding.form(of: request)
        if operation.needsValue {
            guard let text = fields["value"]?.text, !text.isEmpty else {
                throw MetricError(.invalidValue, "Missing or wrong value parameter: no value given")
            }
            guard let parsed = Self.parseFloat(text) else {
                throw MetricError(
                    .invalidValue,
                    "Missing or wrong value parameter: \"\(EchoedInput.text(text))\" is not a number"
                )
            }
            value = parsed
        } else {
            value = 1
        }
        if let bytes = fields["labels"]?.invalidUTF8 { throw Self.invalidUTF8(bytes) }
        // Split on commas without trimming, as the original did; for a metric without labels, an absent or empty
        // `labels` means no values.
        let labels = fields["labels"]?.text ?? ""
        if labelCount == 0, labels.isEmpty {
            labelValues = []
        } else {
            labelValues = labels.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// Label values that are not valid UTF-8 are refused, not repaired: `%FF%FE` and `%FE%FF` would both become two
    /// U+FFFD and update one series. The refusal names the first such value, its bad bytes as `\xHH`.
    private static func invalidUTF8(_ labels: [UInt8]) -> MetricError {
        // A comma is never part of a multi-byte sequence, so splitting the bytes splits as the text splits.
        let values = labels.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        let position = values.firstIndex { String(validating: $0, as: UTF8.self) == nil } ?? 0
        return MetricError(
            .invalidLabelValue,
            "label value \(position + 1) is not valid UTF-8: \"\(EchoedInput.bytes(values[position]))\""
        )
    }

    /// Go's `strconv.ParseFloat(s, 64)`: decimal or exponent notation, an optional sign, `Inf`/`NaN` spellings
    /// (refused later as not finite), and `_` only between digits of a prefixed number (not supported, so refused).
    static func parseFloat(_ text: String) -> Double? {
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return Double(text)
    }
}

/// A push's `value` and `labels` read straight from the bytes of the query and the body: no String per field and no
/// dictionary of fields, for the forms nearly every push sends (an urlencoded body, or only a query).
///
/// It gives what `PushRequest(decoding:)` gives, or nothing, and then the caller reads the request that way (which
/// also makes every refusal): for a body in another media type (multipart), a broken escape anywhere, a value that
/// is missing or not a number, labels that are not valid UTF-8 or that hold something else than ASCII beside a comma
/// (where a comma and its neighbour could be one `Character`, which `split` would not split).
enum PushForm {
    /// The fields as `PushRequest` would read them.
    struct Fields {
        /// `value`, parsed; 1 for an operation that takes none.
        let value: Double
        /// `labels`, percent-decoded: valid UTF-8, its values separated by commas.
        let labels: UnsafeBufferPointer<UInt8>
        /// How many label values `labels` holds: none for a metric without labels that was sent none.
        let labelCount: Int

        /// The label values as `PushRequest.labelValues`.
        func labelValues() -> [String] {
            guard labelCount > 0 else { return [] }
            return labels.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
        }
    }

    /// The longest `value` read here (decoded); a longer one goes the general way.
    static let maxValueBytes = 64

    /// `body` called with the push's fields, or nil (and `body` not called) when this reading leaves the request to
    /// `PushRequest(decoding:)`.
    static func withFields<Result>(
        of request: Request,
        needsValue: Bool,
        labelCount: Int,
        _ body: (Fields) -> Result
    ) -> Result? {
        // The Content-Type value and the query are read as the head's bytes, no string made.
        if !request.body.isEmpty {
            guard request.head.withField(.contentType, { $0.map(isURLEncoded) ?? false }) else { return nil }
        }
        return request.head.withQuery { query -> Result? in
            request.body.withUnsafeBufferPointer { form -> Result? in
                var fromQuery = Found()
                if !query.isEmpty { guard fromQuery.scan(query) else { return nil } }
                var fromBody = Found()
                guard fromBody.scan(form) else { return nil }
                // Go's FormValue: an urlencoded body's values come before the query's.
                return read(
                    value: fromBody.value ?? fromQuery.value,
                    labels: fromBody.labels ?? fromQuery.labels,
                    needsValue: needsValue,
                    labelCount: labelCount,
                    body
                )
            }
        }
    }

    private static func read<Result>(
        value rawValue: Found.Field?,
        labels rawLabels: Found.Field?,
        needsValue: Bool,
        labelCount: Int,
        _ body: (Fields) -> Result
    ) -> Result? {
        var value = 1.0
        if needsValue {
            guard let rawValue, rawValue.bytes.count <= maxValueBytes else { return nil }
            let parsed =
                rawValue.isEncoded
                ? withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxValueBytes) { buffer in
                    parseFloat(decoded(rawValue.bytes, into: buffer.baseAddress!))
                } : parseFloat(rawValue.bytes)
            guard let parsed else { return nil }
            value = parsed
        }
        let raw = rawLabels ?? Found.Field(bytes: UnsafeBufferPointer(start: nil, count: 0))
        func call(_ labels: UnsafeBufferPointer<UInt8>) -> Result? {
            // Beyond ASCII, UTF-8 to check and commas' neighbours to look at; ASCII splits as its text does.
            if raw.holdsNonASCII { guard splitsAsText(labels) else { return nil } }
            var count = 0
            if labelCount > 0 || !labels.isEmpty {
                count = 1
                for byte in labels where byte == UInt8(ascii: ",") { count += 1 }
            }
            return body(Fields(value: value, labels: labels, labelCount: count))
        }
        guard raw.isEncoded else { return call(raw.bytes) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: raw.bytes.count) { buffer in
            call(decoded(raw.bytes, into: buffer.baseAddress!))
        }
    }

    /// The first `value` and `labels` of one source (the query or the body), still percent-encoded.
    private struct Found {
        /// A field's value as sent.
        struct Field {
            let bytes: UnsafeBufferPointer<UInt8>
            /// It holds `%` or `+`: its decoded bytes differ.
            var isEncoded = false
            /// It holds a byte beyond ASCII, or an escape of one.
            var holdsNonASCII = false
        }

        var value: Field?
        var labels: Field?

        /// Reads `a=1&b=2` as `PercentDecoding.formFields` does (empty parts skipped, a part without `=` an empty
        /// value), in one pass; false when an escape is broken, which that refuses.
        mutating func scan(_ form: UnsafeBufferPointer<UInt8>) -> Bool {
            var start = 0
            while start < form.count {
                var index = start
                var equals = -1
                // Of the name until `=`, then of the value.
                var encoded = false
                var nonASCII = false
                var nameEncoded = false
                while true {
                    guard let next = PushForm.nextNotable(form, from: index) else {
                        index = form.count
                        break
                    }
                    index = next
                    let byte = form[index]
                    if byte == UInt8(ascii: "&") { break }
                    switch byte {
                    case UInt8(ascii: "="):
                        if equals < 0 {
                            equals = index
                            nameEncoded = encoded
                            encoded = false
                            nonASCII = false
                        }
                    case UInt8(ascii: "%"):
                        // Two hexadecimal digits, which are never `&` or `=`.
                        guard index + 2 < form.count, let high = PercentDecoding.hexValue(form[index + 1]),
                            PercentDecoding.hexValue(form[index + 2]) != nil
                        else { return false }
                        encoded = true
                        if high >= 8 { nonASCII = true }
                        index += 2
                    case UInt8(ascii: "+"): encoded = true
                    default: nonASCII = true
                    }
                    index += 1
                }
                if index > start {
                    let nameEnd = equals < 0 ? index : equals
                    let name = UnsafeBufferPointer(rebasing: form[start..<nameEnd])
                    let field = Field(
                        bytes: UnsafeBufferPointer(rebasing: form[(equals < 0 ? index : equals + 1)..<index]),
                        isEncoded: equals < 0 ? false : encoded,
                        holdsNonASCII: equals < 0 ? false : nonASCII
                    )
                    switch PushForm.fieldName(name, isEncoded: equals < 0 ? encoded : nameEncoded) {
                    case .value: if value == nil { value = field }
                    case .labels: if labels == nil { labels = field }
                    case nil: break
                    }
                }
                start = index + 1
            }
            return true
        }
    }

    /// The first byte from `start` on that `scan` stops at: `&`, `=`, `%`, `+` or one beyond ASCII.
    private static func nextNotable(_ form: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        ByteScan.firstIndex(
            in: form,
            from: start,
            word: {
                ByteScan.equal($0, UInt8(ascii: "&")) | ByteScan.equal($0, UInt8(ascii: "="))
                    | ByteScan.equal($0, UInt8(ascii: "%")) | ByteScan.equal($0, UInt8(ascii: "+"))
                    | ByteScan.nonASCII($0)
            },
            byte: {
                $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+")
                    || $0 >= 0x80
            }
        )
    }

    private enum Name {
        case value
        case labels
    }

    /// `value` or `labels` when `name` decodes to exactly those bytes (which no other spelling equals as a String:
    /// neither holds a letter with a canonical equivalent).
    private static func fieldName(_ name: UnsafeBufferPointer<UInt8>, isEncoded: Bool) -> Name? {
        guard isEncoded else { return decodedFieldName(name) }
        guard name.count >= 5, name.count <= 18 else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 18) { buffer in
            decodedFieldName(decoded(name, into: buffer.baseAddress!))
        }
    }

    private static func decodedFieldName(_ name: UnsafeBufferPointer<UInt8>) -> Name? {
        if equals(name, "value") { return .value }
        if equals(name, "labels") { return .labels }
        return nil
    }

    /// `bytes` percent-decoded with `+` as a space, at `output` (room for `bytes.count`); escapes must be whole.
    private static func decoded(
        _ bytes: UnsafeBufferPointer<UInt8>,
        into output: UnsafeMutablePointer<UInt8>
    ) -> UnsafeBufferPointer<UInt8> {
        var index = 0
        var count = 0
        while index < bytes.count {
            var byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = PercentDecoding.hexValue(bytes[index + 1]),
                let low = PercentDecoding.hexValue(bytes[index + 2])
            {
                byte = high << 4 | low
                index += 3
            } else {
                if byte == UInt8(ascii: "+") { byte = UInt8(ascii: " ") }
                index += 1
            }
            output[count] = byte
            count += 1
        }
        return UnsafeBufferPointer(start: output, count: count)
    }

    /// `PushRequest.parseFloat` on the decoded bytes: plain decimals of at most 15 digits exactly (a value below
    /// 2^53 divided by a power of ten that a double holds exactly is correctly rounded, as `Double(String)` is), the
    /// rest through `Double(String)`.
    static func parseFloat(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard !bytes.isEmpty else { return nil }
        for byte in bytes where byte <= 0x20 || byte >= 0x7F { return nil }
        var index = 0
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        var mantissa = 0
        var digits = 0
        var fractionDigits = 0
        var seenPoint = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                // Past 15 digits the value goes the general way: the mantissa need not grow (nor overflow).
                if digits < 15 { mantissa = mantissa * 10 + Int(byte - UInt8(ascii: "0")) }
                digits += 1
                if seenPoint { fractionDigits += 1 }
            } else if byte == UInt8(ascii: "."), !seenPoint, digits > 0 {
                seenPoint = true
            } else {
                break
            }
            index += 1
        }
        if index == bytes.count, digits > 0, digits <= 15, !seenPoint || fractionDigits > 0 {
            let magnitude = Double(mantissa) / powersOfTen[fractionDigits]
            return negative ? -magnitude : magnitude
        }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    private static let powersOfTen: [Double] = [
        1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ]

    /// Whether `labels` is valid UTF-8 whose commas have ASCII on both sides (or an end): then splitting its bytes at
    /// commas splits the text at its comma `Character`s, as `PushRequest` does. A comma can join a `Character` only
    /// with a prepended mark before it or an extending one after it, and none of those is ASCII.
    static func splitsAsText(_ labels: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < labels.count {
            let byte = labels[index]
            if byte < 0x80 {
                if byte == UInt8(ascii: ",") {
                    if index > 0, labels[index - 1] >= 0x80 { return false }
                    if index + 1 < labels.count, labels[index + 1] >= 0x80 { return false }
                }
                index += 1
                continue
            }
            let length = sequenceLength(labels, at: index)
            guard length > 0 else { return false }
            index += length
        }
        return true
    }

    /// The length of the well-formed UTF-8 sequence at `index` (RFC 3629's table), or 0 when there is none.
    private static func sequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            second = 0xA0...0xBF
        case 0xED:
            length = 3
            second = 0x80...0x9F
        case 0xE1...0xEF: length = 3
        case 0xF0:
            length = 4
            second = 0x90...0xBF
        case 0xF4:
            length = 4
            second = 0x80...0x8F
        case 0xF1...0xF3: length = 4
        default: return 0
        }
        guard index + length <= bytes.count, second.contains(bytes[index + 1]) else { return 0 }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) { return 0 }
        return length
    }

    /// Whether `HeaderElement(contentType).value` is `application/x-www-form-urlencoded`, decided on the bytes when
    /// the value starts so and then ends or goes on, after spaces or tabs, with `;` and ASCII; false (the general way
    /// decides) for any other. After the media type only `;` splits (into pieces trimmed of white space), and a `;`
    /// with ASCII after it is a `Character` of its own.
    static func isURLEncoded(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let length = 33
        guard bytes.count >= length, startsWithURLEncoded(bytes) else { return false }
        var index = length
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        guard index < bytes.count else { return true }
        return bytes[index] == UInt8(ascii: ";") && (index + 1 == bytes.count || bytes[index + 1] < 0x80)
    }

    /// Whether the 33 bytes at the start of `bytes` (at least that many) are `application/x-www-form-urlencoded`,
    /// ASCII letters in any case: eight at a time, each word ORed with 0x20 where the name has a letter (which turns
    /// only A-Z into a-z there) and then compared, the last byte alone.
    private static func startsWithURLEncoded(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // "application/x-www-form-urlencoded" in little-endian words, and where its letters are.
        let words: (UInt64, UInt64, UInt64, UInt64) = (
            0x7461_6369_6C70_7061, 0x7777_2D78_2F6E_6F69, 0x752D_6D72_6F66_2D77, 0x6564_6F63_6E65_6C72
        )
        let letters: (UInt64, UInt64, UInt64, UInt64) = (
            0x2020_2020_2020_2020, 0x2020_0020_0020_2020, 0x2000_2020_2020_0020, 0x2020_2020_2020_2020
        )
        let base = UnsafeRawPointer(bytes.baseAddress!)
        func word(_ offset: Int) -> UInt64 {
            UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }
        return word(0) | letters.0 == words.0 && word(8) | letters.1 == words.1 && word(16) | letters.2 == words.2
            && word(24) | letters.3 == words.3 && bytes[32] | 0x20 == UInt8(ascii: "d")
    }

    /// Whether `bytes` are `text`'s.
    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount else { return false }
        let wanted = text.utf8Start
        for index in 0..<bytes.count where bytes[index] != wanted[index] { return false }
        return true
    }
}

extension PushRequest {
    /// What the push path reads of a form from its bytes (`PushForm`), for the micro-benchmarks: the value and how
    /// many label values the labels hold, or nil where it leaves the request to `init(decoding:)`.
    @_spi(Harness) public static func readFromBytes(
        _ request: Request,
        needsValue: Bool,
        labelCount: Int
    ) -> (value: Double, labelCount: Int)? {
        PushForm.withFields(of: request, needsValue: needsValue, labelCount: labelCount) {
            (value: $0.value, labelCount: $0.labelCount)
        }
    }
}
