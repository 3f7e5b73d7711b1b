/// Writes one family in text 0.0.4 or OpenMetrics 1.0, byte for byte as Go's `expfmt` writes them: HELP then TYPE,
/// label names sorted (`le` last on buckets), series sorted by label values, histograms cumulative with a `+Inf`
/// bucket equal to `_count`.
enum FamilyRenderer {
    static func render(_ family: MetricFamily, as format: ExpositionFormat, into output: inout String) {
        guard !family.series.isEmpty else { return }  // Go writes no family without series.
        let definition = family.definition
        let openMetrics = format != .text
        var name = definition.fullName
        var sampleName = name
        var type = definition.kind.rawValue
        if openMetrics, definition.kind == .counter {
            if name.hasSuffix("_total") {
                name.removeLast("_total".count)
            } else {
                type = "unknown"  // Renaming the series would break every query that reads it.
            }
        }
        output += "# HELP \(name) \(escapeHelp(definition.help, openMetrics: openMetrics))\n"
        output += "# TYPE \(name) \(type)\n"
        if !openMetrics { sampleName = name }

        let labels = definition.labels
        let order = labels.indices.sorted { labels[$0].name < labels[$1].name }
        // By bytes, as Go sorts strings (`String`'s `<` would hold two spellings of `café` equal).
        let keys = family.series.keys.sorted { $0.precedes($1, in: order) }
        for key in keys {
            let series = family.series[key]!
            let pairs = labelPairs(order.map { (labels[$0].name, key[$0]) })
            switch definition.kind {
            case .counter, .gauge:
                output += sampleName
                if !pairs.isEmpty { output += "{\(pairs)}" }
                output += " \(openMetrics ? openMetricsFloat(series.value) : GoFloat.format(series.value))\n"
            case .histogram:
                renderHistogram(
                    series,
                    name: name,
                    pairs: pairs,
                    bounds: definition.buckets,
                    openMetrics: openMetrics,
                    into: &output
                )
            }
        }
    }

    private static func renderHistogram(
        _ series: Series,
        name: String,
        pairs: String,
        bounds: [Double],
        openMetrics: Bool,
        into output: inout String
    ) {
        let prefix = pairs.isEmpty ? "" : pairs + ","
        var cumulative: UInt64 = 0
        for (index, bound) in bounds.enumerated() {
            cumulative += series.bucketCounts[index]
            let le = openMetrics ? openMetricsFloat(bound) : GoFloat.format(bound)
            output += "\(name)_bucket{\(prefix)le=\"\(le)\"} \(count(cumulative, openMetrics))\n"
        }
        output += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(count(series.count, openMetrics))\n"
        let braces = pairs.isEmpty ? "" : "{\(pairs)}"
        output += "\(name)_sum\(braces) \(openMetrics ? openMetricsFloat(series.sum) : GoFloat.format(series.sum))\n"
        output += "\(name)_count\(braces) \(count(series.count, openMetrics))\n"
    }

    /// Text writes counts as floats (`1.234567e+06`), OpenMetrics as integers.
    private static func count(_ value: UInt64, _ openMetrics: Bool) -> String {
        openMetrics ? String(value) : GoFloat.format(Double(value))
    }

    /// OpenMetrics wants a float to look like one: Go's `%g` plus `.0` when there is neither `.` nor an exponent.
    static func openMetricsFloat(_ value: Double) -> String {
        let text = GoFloat.format(value)
        guard value.isFinite, !text.contains("."), !text.contains("e") else { return text }
        return text + ".0"
    }

    /// `name="value",...` with values escaped, in the order given.
    static func labelPairs(_ pairs: [(name: String, value: String)]) -> String {
        SeriesName.labelPairs(pairs)
    }

    /// HELP escapes backslash and newline; OpenMetrics also escapes the double quote.
    static func escapeHelp(_ help: String, openMetrics: Bool) -> String {
        SeriesName.escape(help, quote: openMetrics)
    }

    /// Label values escape backslash, double quote and newline.
    static func escapeLabelValue(_ value: String) -> String {
        SeriesName.escape(value, quote: true)
    }
}
