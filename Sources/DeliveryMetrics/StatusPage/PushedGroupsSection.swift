/// The groups pushed by the Pushgateway protocol on the status page: a table of every group (its job and other
/// labels, last push, last failure, series), each linking to a section of its own with its series. The table lists
/// `listedGroups` groups, each section `MetricSection.listed` series, and all sections together `listedSeries`,
/// so that thousands of groups keep the page small; `/api/v1/metrics` has everything.
struct PushedGroupsSection {
    static let listedGroups = 200
    static let listedSeries = 4_000

    let groups: [PushGroup]

    init(_ pushes: PushStore) {
        groups = pushes.groups.values.sorted { PushStore.precedes($0.key.labels, $1.key.labels) }
    }

    /// A name or value as the page shows it, cut to `HTMLText.longest`.
    private static func text(_ bytes: [UInt8]) -> String { HTMLText.shortened(String(decoding: bytes, as: UTF8.self)) }

    private static func job(of group: PushGroup) -> String {
        text(group.key.labels.first { $0.name == GroupingKey.job }?.value ?? [])
    }

    /// The key's pairs other than `job`, as `name="value"`.
    private static func otherLabels(of group: PushGroup) -> String {
        group.key.labels.filter { $0.name != GroupingKey.job }
            .map { "\(text($0.name))=\"\(text($0.value))\"" }.joined(separator: ",")
    }

    private static func filterText(_ group: PushGroup) -> String {
        var words = group.key.labels.flatMap { [text($0.name), text($0.value)] }
        words += group.families.values.map { text($0.family.name) }
        return words.joined(separator: " ").lowercased()
    }

    /// The table, for the top of the page.
    func table() -> String {
        var html = "<h2 id=\"pushed-groups\">Pushed groups</h2>\n"
        guard !groups.isEmpty else {
            return html + "<p class=\"meta\">No groups pushed yet (<code>PUT /metrics/job/&lt;job&gt;</code>).</p>\n"
        }
        html += "<div class=\"scroll\"><table class=\"groups\"><thead><tr><th>job</th><th>labels</th>"
        html += "<th>last push</th><th>last failure</th><th class=\"num\">series</th></tr></thead><tbody>\n"
        for (index, group) in groups.prefix(Self.listedGroups).enumerated() {
            let failed = group.failureTime > group.pushTime ? " failed" : ""
            html += "<tr class=\"group\(failed)\" data-filter=\"\(HTMLText.escape(Self.filterText(group)))\">"
            html += "<td><a href=\"#group-\(index + 1)\">\(HTMLText.escape(Self.job(of: group)))</a></td>"
            let labels = Self.otherLabels(of: group)
            html += labels.isEmpty ? "<td>—</td>" : "<td><code>\(HTMLText.escape(labels))</code></td>"
            html += "<td>\(group.pushTime == 0 ? "never" : HTMLText.time(group.pushTime))</td>"
            html += "<td>\(group.failureTime == 0 ? "never" : HTMLText.time(group.failureTime))</td>"
            html += "<td class=\"num\">\(group.seriesCount)</td></tr>\n"
        }
        html += "</tbody></table></div>\n"
        if groups.count > Self.listedGroups {
            html += "<p class=\"meta\">… and \(groups.count - Self.listedGroups) more groups: "
            html += "<a href=\"/api/v1/metrics\">/api/v1/metrics</a> lists them all.</p>\n"
        }
        return html
    }

    /// A section per listed group, with its series.
    func sections() -> String {
        var html = ""
        var budget = Self.listedSeries
        for (index, group) in groups.prefix(Self.listedGroups).enumerated() {
            html += "<section id=\"group-\(index + 1)\" class=\"group\""
            html += " data-filter=\"\(HTMLText.escape(Self.filterText(group)))\">\n"
            let key =
                "{" + group.key.labels.map { "\(Self.text($0.name))=\"\(Self.text($0.value))\"" }.joined(separator: ",")
                + "}"
            html += "<h2>Pushed group <code>\(HTMLText.escape(key))</code></h2>\n"
            html += "<p class=\"meta\">Last push \(group.pushTime == 0 ? "never" : HTMLText.time(group.pushTime))"
            html += "; last failure \(group.failureTime == 0 ? "never" : HTMLText.time(group.failureTime)).</p>\n"
            let rows = min(group.seriesCount, MetricSection.listed, budget)
            budget -= rows
            html += series(of: group, listing: rows)
            html += "</section>\n"
        }
        return html
    }

    private func series(of group: PushGroup, listing limit: Int) -> String {
        let count = group.seriesCount
        guard count > 0 else { return "<p class=\"meta\">No series: the group holds only its push times.</p>\n" }
        var html = "<details class=\"series\" open><summary>\(count) series</summary>\n"
        html +=
            "<div class=\"scroll\"><table><thead><tr><th>series</th><th>type</th><th>value</th></tr></thead><tbody>\n"
        var listed = 0
        let families = group.families.values.sorted { $0.family.name.lexicographicallyPrecedes($1.family.name) }
        rows: for stored in families {
            for metric in stored.family.metrics {
                guard listed < limit else { break rows }
                listed += 1
                html += row(stored.family, metric, key: group.key)
            }
        }
        html += "</tbody></table></div>\n"
        if count > listed {
            html += "<p class=\"meta\">… and \(count - listed) more series not listed here: "
            html += "<a href=\"/api/v1/metrics\">/api/v1/metrics</a> has them all.</p>\n"
        }
        return html + "</details>\n"
    }

    /// One series: its name with the labels the group's key does not already say, its type and its value.
    private func row(_ family: PushedFamily, _ metric: PushedMetric, key: GroupingKey) -> String {
        let own = metric.labels.filter { label in !key.labels.contains { $0.name == label.name } }
            .filter { !($0.name == GroupingKey.instance && $0.value.isEmpty) }
        let labels = own.map { "\(Self.text($0.name))=\"\(Self.text($0.value))\"" }.joined(separator: ",")
        let name = Self.text(family.name) + (labels.isEmpty ? "" : "{\(labels)}")
        var html = "<tr class=\"series\"><td><code>\(HTMLText.escape(name))</code></td>"
        html += "<td>\(PushTypeName.of(family.kind).lowercased())</td>"
        if let histogram = metric.histogram {
            let chart = HistogramChart(cumulative: histogram.buckets, count: histogram.count)
            let mean = histogram.count == 0 ? "—" : HTMLText.rounded(histogram.sum / Double(histogram.count))
            html += "<td>\(chart.svg(label: "observations per bucket")) count \(histogram.count), "
            html += "sum \(HTMLText.number(histogram.sum)), mean \(mean)</td>"
        } else if let summary = metric.summary {
            html += "<td>count \(summary.count), sum \(HTMLText.number(summary.sum))</td>"
        } else {
            let value = metric.gauge ?? metric.counter ?? metric.untyped ?? 0
            html += "<td class=\"value num\">\(HTMLText.number(value))</td>"
        }
        return html + "</tr>\n"
    }
}
