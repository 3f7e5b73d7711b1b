/// One catalogue metric on the status page: its name, type, help and labels, a ready `curl` line with a copy button,
/// and its series in a `<details>` that is open only when some series holds a value. Series at their reset value
/// sit behind one "show N zero series" toggle, and at most `listed` series are in the page, the ones with values
/// first, so that a metric of 40,000 series stays a few kilobytes.
struct MetricSection {
    static let listed = 200

    let overview: MetricOverview
    let baseURL: String
    /// The series in the page: those with values, then those at their reset value, `listed` in all, each part in
    /// exposition order.
    private let listedValues: ArraySlice<(key: SeriesKey, value: Series)>
    private let listedZeros: ArraySlice<(key: SeriesKey, value: Series)>
    private let zeroCount: Int
    /// What the filter box matches, for this section and its overview row alike: the names, the help, the label
    /// names and the listed series' values, lowercased.
    let filterText: String

    init(overview: MetricOverview, baseURL: String) {
        self.overview = overview
        self.baseURL = baseURL
        let definition = overview.family.definition
        let order = Array(definition.labels.indices)
        var withValues: [(key: SeriesKey, value: Series)] = []
        var zeros: [(key: SeriesKey, value: Series)] = []
        for entry in overview.family.series {
            if MetricOverview.isAtReset(entry.value) { zeros.append(entry) } else { withValues.append(entry) }
        }
        withValues.sort { $0.key.precedes($1.key, in: order) }
        zeros.sort { $0.key.precedes($1.key, in: order) }
        listedValues = withValues.prefix(Self.listed)
        listedZeros = zeros.prefix(Self.listed - listedValues.count)
        zeroCount = zeros.count
        var words = [definition.fullName, definition.apiName, definition.help] + definition.labels.map(\.name)
        for entry in listedValues { words += entry.key.values.map(HTMLText.shortened) }
        for entry in listedZeros { words += entry.key.values.map(HTMLText.shortened) }
        filterText = words.joined(separator: " ").lowercased()
    }

    private var definition: MetricDefinition { overview.family.definition }

    func html() -> String {
        let family = overview.family
        var html = "<section id=\"\(HTMLText.escape(definition.apiName))\" class=\"metric\""
        html += " data-filter=\"\(HTMLText.escape(filterText))\">\n"
        html +=
            "<h2>\(HTMLText.escape(definition.fullName))<span class=\"kind\">\(definition.kind.rawValue)</span></h2>\n"
        html += "<p class=\"help\">\(HTMLText.escape(definition.help))</p>\n"
        html += labelsLine()
        html += pushLine()
        guard !family.series.isEmpty else { return html + "<p class=\"meta\">No series yet.</p>\n</section>\n" }
        html += "<details class=\"series\"\(listedValues.isEmpty ? "" : " open")><summary>\(summary())</summary>\n"
        if !listedValues.isEmpty { html += table(listedValues) }
        if !listedZeros.isEmpty {
            html += "<details class=\"zeros\"><summary>show \(zeroCount) zero series</summary>\n"
            html += table(listedZeros) + "</details>\n"
        }
        let unlisted = family.series.count - listedValues.count - listedZeros.count
        if unlisted > 0 {
            html += "<p class=\"meta\">… and \(unlisted) more series not listed here (the page lists "
            html += "\(Self.listed) a metric; <a href=\"/metrics\">/metrics</a> has them all).</p>\n"
        }
        return html + "</details>\n</section>\n"
    }

    private func summary() -> String {
        let count = overview.seriesCount
        switch overview.withValues {
        case 0: return "\(count) series, all at their reset value"
        case count: return "\(count) series, all with values"
        default: return "\(count) series, \(overview.withValues) with values"
        }
    }

    private func labelsLine() -> String {
        guard !definition.labels.isEmpty else { return "" }
        let described = definition.labels.map { label in
            switch label.validator {
            case .oneOf(let values):
                "<code>\(HTMLText.escape(label.name))</code> (one of "
                    + values.map { "<code>\(HTMLText.escape($0.isEmpty ? "\"\"" : $0))</code>" }
                    .joined(separator: ", ") + ")"
            case .pattern(let source):
                "<code>\(HTMLText.escape(label.name))</code> (matching <code>\(HTMLText.escape(source))</code>)"
            }
        }
        return "<p>Labels, in push order: " + described.joined(separator: "; ") + "</p>\n"
    }

    /// The operation a CI job most often wants: set a gauge, add to a counter, observe into a histogram.
    private func pushLine() -> String {
        guard definition.writer.acceptsPushes else { return "<p class=\"meta\">Written by the service itself.</p>\n" }
        let operation: Operation =
            switch definition.kind {
            case .gauge: .set
            case .counter: .add
            case .histogram: .observe
            }
        var form = operation.needsValue ? "-d value=1 " : ""
        if !definition.labels.isEmpty {
            form += "-d labels=\(HTMLText.shellQuote(definition.labels.map(\.example).joined(separator: ","))) "
        }
        let line =
            "curl -X POST -H \"X-Private-Token: $DELIVERY_METRICS_TOKEN\" \(form)"
            + "\"\(baseURL)/api/\(definition.apiName)/\(operation.rawValue)\""
        return "<div class=\"push\"><pre>\(HTMLText.escape(line))</pre>"
            + "<button type=\"button\" class=\"copy\" hidden>copy</button></div>\n"
    }

    private func table(_ rows: ArraySlice<(key: SeriesKey, value: Series)>) -> String {
        let isHistogram = definition.kind == .histogram
        var html = "<div class=\"scroll\"><table><thead><tr>"
        html += definition.labels.map { "<th>\(HTMLText.escape($0.name))</th>" }.joined()
        html +=
            isHistogram
            ? "<th>buckets</th><th class=\"num\">count</th><th class=\"num\">sum</th><th class=\"num\">mean</th>"
            : "<th class=\"num\">value</th>"
        html += "<th>last written</th></tr></thead><tbody>\n"
        for (key, series) in rows {
            html +=
                "<tr class=\"series\">"
                + key.values.map { "<td>\(HTMLText.escape(HTMLText.shortened($0)))</td>" }.joined()
            if isHistogram {
                let chart = HistogramChart(catalogueBounds: definition.buckets, bucketCounts: series.bucketCounts)
                let mean = series.count == 0 ? "—" : HTMLText.rounded(series.sum / Double(series.count))
                html += "<td>\(chart.svg(label: "observations per bucket"))</td>"
                html += "<td class=\"num\">\(series.count)</td><td class=\"num\">\(HTMLText.number(series.sum))</td>"
                html += "<td class=\"num\">\(mean)</td>"
            } else {
                html += "<td class=\"value num\">\(HTMLText.number(series.value))</td>"
            }
            html += "<td>\(HTMLText.time(series.lastWrite))</td></tr>\n"
        }
        return html + "</tbody></table></div>\n"
    }
}
