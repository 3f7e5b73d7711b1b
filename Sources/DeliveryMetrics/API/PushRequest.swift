import Loop

/// A push's `value` and `labels`, parsed and checked as the original did.
@_spi(Harness) public struct PushRequest {
    let value: Double
    @_spi(Harness) public let labelValues: [String]

    @_spi(Harness) public init(_ request: Request, operation: Operation, labelCount: Int) throws(MetricError) {
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
