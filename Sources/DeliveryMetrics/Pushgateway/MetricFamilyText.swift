/// Pushgateway bodies in the text format (Prometheus exposition 0.0.4), what the Pushgateway reads whenever a body is
/// not delimited protobuf: `curl --data-binary`, Python's `generate_latest`, Go's `expfmt` text encoder. Read as
/// expfmt's `TextParser` reads them, line by line over the bytes, into the model the protobuf decoder produces
/// (`PushedFamily`), so that one set of checks judges both.
///
/// Like `TextParser`: every line ends in a line feed, the last one too; blanks and tabs separate tokens, also inside
/// braces; `# HELP` and `# TYPE` are read, other comments skipped; a name's samples are merged into one family wherever
/// they stand; a summary's `x{quantile=…}`, `x_sum` and `x_count`, and a histogram's `x_bucket{le=…}`, `x_sum` and
/// `x_count`, are gathered into one metric per remaining label set. A timestamp is kept for the checks to refuse.
///
/// Where `TextParser` silently makes something up, this refuses instead: a histogram sample without `le` or a
/// summary one without `quantile` (which Go turns into an empty histogram or summary), an `le` or `quantile` that is
/// NaN or given twice (Go keeps the last or drops the sample), and a count that is not a whole number of at most 2^64
/// (Go's conversion truncates, or is undefined). Label values are kept as bytes (Go checks UTF-8 here; the checks do
/// it for both formats).
enum MetricFamilyText {
    /// Every family of `body` with a sample, in the order of their first, or a refusal naming the line
    /// (`text format: line N: …`); more than `maxSeries` metrics are refused as soon as the count is passed.
    static func parse(_ body: [UInt8], maxSeries: Int = .max) throws(PushBodyError) -> [PushedFamily] {
        var reader = TextFormatReader(body)
        var families = TextFamilies(budget: SeriesBudget(limit: maxSeries))
        while true {
            reader.skipBlanks()
            // The end of the body at the start of a line, blanks or not, is the only clean end.
            guard let byte = reader.current else { break }
            switch byte {
            case UInt8(ascii: "\n"): reader.endLine()
            case UInt8(ascii: "#"): try comment(&reader, &families)
            default: try sample(&reader, &families)
            }
        }
        return families.families
    }

    /// A `#` line, the cursor on the `#`, read to its line feed: `HELP` or `TYPE` (the word may follow the `#`
    /// directly, as in Go) with a metric name and a text, or anything else, skipped. A directive that stops after its
    /// word or name is skipped too, as in Go.
    private static func comment(
        _ reader: inout TextFormatReader,
        _ families: inout TextFamilies
    ) throws(PushBodyError) {
        reader.advance()
        reader.skipBlanks()
        guard try reader.expectByte() != UInt8(ascii: "\n") else { return reader.endLine() }
        let keyword = try reader.token()
        let isHelp = keyword.elementsEqual("HELP".utf8)
        guard isHelp || keyword.elementsEqual("TYPE".utf8), reader.current != UInt8(ascii: "\n") else {
            try reader.skipToEndOfLine()
            return reader.endLine()
        }
        reader.skipBlanks()
        _ = try reader.expectByte()
        let name = reader.metricName()
        let afterName = try reader.expectByte()
        guard afterName != UInt8(ascii: "\n") else { return reader.endLine() }
        guard TextFormatReader.isBlank(afterName) else {
            throw reader.error("invalid metric name in comment: \(TextFormatReader.quote(name + reader.upcoming))")
        }
        let family = families.resolve(name).family
        reader.skipBlanks()
        guard try reader.expectByte() != UInt8(ascii: "\n") else { return reader.endLine() }
        if isHelp {
            guard families.help(of: family) == nil else {
                throw reader.error("second HELP line for metric name \(TextFormatReader.quote(name))")
            }
            families.setHelp(try reader.restOfLine(unescaping: true), of: family)
        } else {
            guard families.kind(of: family) == nil else {
                throw reader.error(
                    "second TYPE line for metric name \(TextFormatReader.quote(name)), or TYPE reported after samples"
                )
            }
            let text = try reader.restOfLine(unescaping: false)
            guard let kind = kind(text) else {
                throw reader.error("unknown metric type \(TextFormatReader.quote(text))")
            }
            families.setKind(kind, of: family)
        }
        reader.endLine()
    }

    /// A TYPE line's type, in any case as Go's `strings.ToUpper` allows (ASCII letters only here), the line's end
    /// included: `counter ` with its blank is not a type, in Go either.
    private static func kind(_ text: [UInt8]) -> PushedFamily.Kind? {
        let kinds: [(StaticString, PushedFamily.Kind)] = [
            ("counter", .counter), ("gauge", .gauge), ("summary", .summary), ("untyped", .untyped),
            ("histogram", .histogram),
        ]
        return kinds.first { TextFormatReader.equalsIgnoringCase(text[...], $0.0) }?.1
    }

    /// A sample line, the cursor on its first byte, read to its line feed and added to its family.
    private static func sample(
        _ reader: inout TextFormatReader,
        _ families: inout TextFamilies
    ) throws(PushBodyError) {
        let name = reader.metricName()
        _ = try reader.expectByte()
        guard !name.isEmpty else {
            throw reader.error("invalid metric name: a sample starts \(TextFormatReader.quote(reader.upcoming))")
        }
        let resolution = families.resolve(name)
        // The first sample of a family without a TYPE line makes it untyped, and a TYPE line after it is refused.
        let kind = families.kind(of: resolution.family) ?? .untyped
        families.setKind(kind, of: resolution.family)
        reader.skipBlanks()
        var labels = TextSampleLabels(
            metricName: name,
            bound: kind == .summary ? .quantile : kind == .histogram ? .upperBound : nil
        )
        if try reader.expectByte() == UInt8(ascii: "{") { try labels.read(&reader) }
        let valueToken = try reader.token()
        guard let value = TextFloat.parse(valueToken) else {
            throw reader.error("expected a float as value, got \(TextFormatReader.quote(valueToken))")
        }
        let timestamp = try self.timestamp(&reader)
        let sample = Sample(
            name: name,
            resolution: resolution,
            labels: labels.labels,
            bound: labels.boundValue,
            value: value,
            valueToken: valueToken,
            timestamp: timestamp
        )
        switch kind {
        case .summary: try summarySample(sample, &families, reader)
        case .histogram: try histogramSample(sample, &families, reader)
        default:
            var metric = PushedMetric(labels: sample.labels, timestampMilliseconds: timestamp)
            switch kind {
            case .counter: metric.counter = value
            case .gauge: metric.gauge = value
            default: metric.untyped = value
            }
            try families.append(metric, to: resolution.family)
        }
        reader.endLine()
    }

    /// What a sample line said, read whole before it is added.
    private struct Sample {
        let name: ArraySlice<UInt8>
        let resolution: TextFamilies.Resolution
        let labels: [PushedLabel]
        /// The `quantile` of a summary's sample, the `le` of a histogram's.
        let bound: Double?
        let value: Double
        let valueToken: ArraySlice<UInt8>
        let timestamp: Int64?
    }

    /// The optional timestamp after a value, the cursor on what followed the value: an `int64` in base 10 with an
    /// optional sign, and then the line feed at once (Go refuses a blank after it, and a blank after the value with
    /// no timestamp).
    private static func timestamp(_ reader: inout TextFormatReader) throws(PushBodyError) -> Int64? {
        guard reader.current != UInt8(ascii: "\n") else { return nil }
        reader.skipBlanks()
        _ = try reader.expectByte()
        let token = try reader.token()
        guard let timestamp = Int64(decimal: token) else {
            throw reader.error("expected integer as timestamp, got \(TextFormatReader.quote(token))")
        }
        guard reader.current == UInt8(ascii: "\n") else {
            let rest = reader.upcoming
            try reader.skipToEndOfLine()
            throw reader.error("spurious string after timestamp: \(TextFormatReader.quote(rest))")
        }
        return timestamp
    }

    /// A summary's sample: `x_count` sets the count, `x_sum` the sum, and `x{quantile=…}` adds a quantile, to the
    /// metric of its remaining labels.
    private static func summarySample(
        _ sample: Sample,
        _ families: inout TextFamilies,
        _ reader: TextFormatReader
    ) throws(PushBodyError) {
        let role = sample.resolution.role
        let count = role == .count ? try wholeCount(sample, of: "summary", reader) : 0
        guard role != .value || sample.bound != nil else {
            throw reader.error("summary \(TextFormatReader.quote(sample.name)) sample without a 'quantile' label")
        }
        try families.updateMetric(
            of: sample.resolution.family,
            labels: sample.labels,
            empty: PushedMetric(summary: PushedSummary())
        ) { metric in
            switch role {
            case .count: metric.summary?.count = count
            case .sum: metric.summary?.sum = sample.value
            case .value: metric.summary?.quantiles.append(.init(quantile: sample.bound ?? .nan, value: sample.value))
            }
            if let timestamp = sample.timestamp { metric.timestampMilliseconds = timestamp }
        }
    }

    /// A histogram's sample: `x_count` sets the count, `x_sum` the sum, and `x_bucket{le=…}` (or `x{le=…}`, as in
    /// Go) adds a bucket, to the metric of its remaining labels.
    private static func histogramSample(
        _ sample: Sample,
        _ families: inout TextFamilies,
        _ reader: TextFormatReader
    ) throws(PushBodyError) {
        let role = sample.resolution.role
        guard role != .value || sample.bound != nil else {
            throw reader.error("histogram \(TextFormatReader.quote(sample.name)) sample without an 'le' label")
        }
        let count =
            switch role {
            case .count: try wholeCount(sample, of: "histogram", reader)
            case .value: try wholeCount(sample, of: "histogram bucket", reader)
            case .sum: UInt64(0)
            }
        try families.updateMetric(
            of: sample.resolution.family,
            labels: sample.labels,
            empty: PushedMetric(histogram: PushedHistogram())
        ) { metric in
            switch role {
            case .count: metric.histogram?.count = count
            case .sum: metric.histogram?.sum = sample.value
            case .value:
                metric.histogram?.buckets.append(.init(cumulativeCount: count, upperBound: sample.bound ?? .nan))
            }
            if let timestamp = sample.timestamp { metric.timestampMilliseconds = timestamp }
        }
    }

    /// A count written as a float (`3.0`, as Python writes it), which the model holds as an integer: refused unless
    /// it is a whole number from 0 to 2^64 - 1, rather than truncated or wrapped as Go's `uint64(value)` does.
    private static func wholeCount(
        _ sample: Sample,
        of what: String,
        _ reader: TextFormatReader
    ) throws(PushBodyError) -> UInt64 {
        let value = sample.value
        guard value >= 0, value < 0x1p64, value.rounded(.towardZero) == value else {
            let token = TextFormatReader.quote(sample.valueToken)
            throw reader.error("\(what) count must be a whole number from 0 to 2^64 - 1, got \(token)")
        }
        return UInt64(value)
    }
}

extension Int64 {
    /// Go's `strconv.ParseInt(text, 10, 64)`: an optional sign, then at least one decimal digit, in range.
    fileprivate init?(decimal text: ArraySlice<UInt8>) {
        var digits = text
        let negative = digits.first == UInt8(ascii: "-")
        if negative || digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
        guard !digits.isEmpty else { return nil }
        var magnitude: UInt64 = 0
        for byte in digits {
            guard TextFloat.isDigit(byte) else { return nil }
            let (times10, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            magnitude = sum
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            self = Int64(truncatingIfNeeded: 0 &- magnitude)
        } else {
            guard magnitude <= UInt64(Int64.max) else { return nil }
            self = Int64(magnitude)
        }
    }
}
