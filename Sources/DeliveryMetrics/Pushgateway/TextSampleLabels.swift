/// The label set of a text-format sample, `{name="value",…}` with an optional trailing comma and blanks or tabs
/// anywhere between tokens, read as expfmt's `TextParser` reads it. In a summary the `quantile` label, in a histogram
/// the `le` label, is not a label but the bound of the sample (a float as values are); every other label is kept in
/// the order written. A name given twice is refused (the bound too, which Go lets the last win), as is `__name__`.
struct TextSampleLabels {
    /// The label that holds a summary's quantile or a histogram's upper bound.
    enum Bound {
        case quantile
        case upperBound

        var labelName: String {
            switch self {
            case .quantile: "quantile"
            case .upperBound: "le"
            }
        }
    }

    /// The sample's metric name, for refusals.
    let metricName: ArraySlice<UInt8>
    let bound: Bound?
    private(set) var labels: [PushedLabel] = []
    private(set) var boundValue: Double?

    init(metricName: ArraySlice<UInt8>, bound: Bound?) {
        self.metricName = metricName
        self.bound = bound
    }

    /// Reads the set, the cursor on its `{`, and leaves the cursor on what follows the `}` and its blanks.
    mutating func read(_ reader: inout TextFormatReader) throws(PushBodyError) {
        reader.advance()
        while true {
            reader.skipBlanks()
            if try reader.expectByte() == UInt8(ascii: "}") { break }
            try label(&reader)
            reader.skipBlanks()
            let next = try reader.expectByte()
            if next == UInt8(ascii: "}") { break }
            guard next == UInt8(ascii: ",") else {
                let found = TextFormatReader.quote(reader.upcoming)
                throw reader.error("expected ',' or '}' after a label value of \(quotedMetric), found \(found)")
            }
            reader.advance()
        }
        reader.advance()
        reader.skipBlanks()
        try checkNamesAreUnique(reader)
    }

    private var quotedMetric: String { TextFormatReader.quote(metricName) }

    private mutating func label(_ reader: inout TextFormatReader) throws(PushBodyError) {
        let name = reader.labelName()
        _ = try reader.expectByte()
        guard !name.isEmpty else {
            throw reader.error(
                "invalid label name for metric \(quotedMetric): found \(TextFormatReader.quote(reader.upcoming))"
            )
        }
        guard !name.elementsEqual("__name__".utf8) else {
            throw reader.error("label name \"__name__\" is reserved (metric \(quotedMetric))")
        }
        reader.skipBlanks()
        guard try reader.expectByte() == UInt8(ascii: "=") else {
            let found = TextFormatReader.quote(reader.upcoming)
            throw reader.error("expected '=' after label name \(TextFormatReader.quote(name)), found \(found)")
        }
        reader.advance()
        reader.skipBlanks()
        guard try reader.expectByte() == UInt8(ascii: "\"") else {
            throw reader.error(
                "expected '\"' at start of label value, found \(TextFormatReader.quote(reader.upcoming))"
            )
        }
        let value = try reader.quotedValue()
        guard let bound, name.elementsEqual(bound.labelName.utf8) else {
            labels.append(PushedLabel(name: Array(name), value: value))
            return
        }
        // Built only for a refusal: every bucket and quantile comes this way.
        func label() -> String { "'\(bound.labelName)' label of \(quotedMetric)" }
        guard boundValue == nil else { throw reader.error("a second \(label())") }
        guard let parsed = TextFloat.parse(value[...]) else {
            throw reader.error("expected a float as the \(label()), got \(TextFormatReader.quote(value))")
        }
        // Go drops such a sample without a word.
        guard !parsed.isNaN else { throw reader.error("the \(label()) is NaN") }
        boundValue = parsed
    }

    /// A few labels are compared pair by pair; more are hashed, for a sample may carry a hundred thousand.
    private func checkNamesAreUnique(_ reader: TextFormatReader) throws(PushBodyError) {
        if labels.count <= 8 {
            for (index, label) in labels.enumerated() where labels[..<index].contains(where: { $0.name == label.name })
            {
                throw duplicate(label, reader)
            }
            return
        }
        var seen = Set<[UInt8]>(minimumCapacity: labels.count)
        for label in labels where !seen.insert(label.name).inserted { throw duplicate(label, reader) }
    }

    private func duplicate(_ label: PushedLabel, _ reader: TextFormatReader) -> PushBodyError {
        reader.error("duplicate label name \(TextFormatReader.quote(label.name)) for metric \(quotedMetric)")
    }
}
