// The fuzzers compile this file into one module with Loop's HTTP sources, where there is no Loop to import.
#if canImport(Loop)
    import Loop
#endif

/// A push's `value` and `labels`, parsed and checked as the original did.
struct PushRequest {
    let value: Double
    let labelValues: [String]

    init(_ request: Request, operation: Operation, labelCount: Int) throws(MetricError) {
        let fields = try FormDecoding.fields(of: request)
        if operation.needsValue {
            guard let text = fields["value"], !text.isEmpty else {
                throw MetricError(400, "invalid_value", "Missing or wrong value parameter: no value given")
            }
            guard let parsed = Self.parseFloat(text) else {
                throw MetricError(
                    400,
                    "invalid_value",
                    "Missing or wrong value parameter: \"\(EchoedInput.text(text))\" is not a number"
                )
            }
            value = parsed
        } else {
            value = 1
        }
        // Split on commas without trimming, as the original did; for a metric without labels, an absent or empty
        // `labels` means no values.
        let labels = fields["labels"] ?? ""
        if labelCount == 0, labels.isEmpty {
            labelValues = []
        } else {
            labelValues = labels.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// Go's `strconv.ParseFloat(s, 64)`: decimal or exponent notation, an optional sign, `Inf`/`NaN` spellings
    /// (refused later as not finite), and `_` only between digits of a prefixed number (not supported, so refused).
    static func parseFloat(_ text: String) -> Double? {
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return Double(text)
    }
}
