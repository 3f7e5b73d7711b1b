/// The groups pushed by the Pushgateway protocol on the status page: a table of every group (its job and other
/// labels, last push, last failure, series), each linking to a section of its own with its series. The table lists
/// `listedGroups` groups, each section `MetricSection.listed` series, and all sections together `listedSeries`,
/// so that thousands of groups keep the page small; `/api/v1/metrics` has everything.
struct PushedGroupsSection {
    static let listedGroups = 200
    static let listedSeries = 4_000

    /// One listed group and what the page shows of it, worked out once for the table and the section.
    struct Listing {
        let group: PushGroup
        /// The anchor of its section: from a hash of its key, so that a link keeps pointing at the same group
        /// when others come and go.
        let anchor: String
        /// Its families in name order, and how many of their series the section lists.
        let families: [StoredFamily]
        let rows: Int
        /// The key's names and values and the names of the listed families, lowercased.
        let filterText: String
    }

    let groupCount: Int
    let listings: [Listing]

    init(_ pushes: PushStore) {
        let groups = pushes.groups.values.sorted { PushStore.precedes($0.key.labels, $1.key.labels) }
        groupCount = groups.count
        var budget = Self.listedSeries
        listings = groups.prefix(Self.listedGroups).map { group in
            let families = group.families.values.sorted { $0.family.name.lexicographicallyPrecedes($1.family.name) }
            let rows = min(group.seriesCount, MetricSection.listed, budget)
            budget -= rows
            var words = group.key.labels.flatMap { [Self.text($0.name), Self.text($0.value)] }
            var left = rows
            for stored in families where left > 0 {
                words.append(Self.text(stored.family.name))
                left -= stored.family.metrics.count
            }
            return Listing(
                group: group,
                anchor: Self.anchor(of: group.key),
                families: families,
                rows: rows,
                filterText: words.joined(separator: " ").lowercased()
            )
        }
    }

    /// `group-` and 16 hex digits of the SHA-256 of the key's pairs.
    static func anchor(of key: GroupingKey) -> String {
        var bytes: [UInt8] = []
        for label in key.labels {
            withUnsafeBytes(of: UInt64(label.name.count).littleEndian) { bytes += $0 }
            bytes += label.name
            withUnsafeBytes(of: UInt64(label.value.count).littleEndian) { bytes += $0 }
            bytes += label.value
        }
        let digits = SHA256.digest(bytes).prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
        return "group-" + digits.joined()
    }

    /// A name or value as the page shows it, cut to `HTMLText.longest`.
    private static func text(_ bytes: [UInt8]) -> String { HTMLText.shortened(String(decoding: bytes, as: UTF8.self)) }

    private static func job(of group: PushGroup) -> String {
        text(group.key.labels.first { $0.name == GroupingKey.job }?.value ?? [])
    }

    /// Labels as `a="1",b="2"`, each name and value cut to `HTMLText.longest`.
    private static func pairs(_ labels: [PushedLabel]) -> String {
        labels.map { "\(text($0.name))=\"\(text($0.value))\"" }.joined(separator: ",")
    }

    /// The key's pairs other than `job`.
    private static func otherLabels(of group: PushGroup) -> String {
        pairs(group.key.labels.filter { $0.name != GroupingKey.job })
    }

    /// The table, for the top of the page.
    func table() -> String {
        var html = "<h2 id=\"pushed-groups\">Pushed groups</h2>\n"
        guard !listings.isEmpty else {
            return html + "<p class=\"meta\">No groups pushed yet (<code>PUT /metrics/job/&lt;job&gt;</code>).</p>\n"
        }
        html += "<div class=\"scroll\"><table class=\"groups\"><thead><tr><th>job</th><th>labels</th>"
        html += "<th>last push</th><th>last failure</th><th class=\"num\">series</th></tr></thead><tbody>\n"
        for listing in listings {
            let group = listing.group
            let failed = group.failureTime > group.pushTime ? " failed" : ""
            html += "<tr class=\"group\(failed)\" data-filter=\"\(HTMLText.escape(listing.filterText))\">"
            html += "<td><a href=\"#\(listing.anchor)\">\(HTMLText.escape(Self.job(of: group)))</a></td>"
            let labels = Self.otherLabels(of: group)
            html += labels.isEmpty ? "<td>—</td>" : "<td><code>\(HTMLText.escape(labels))</code></td>"
            html += "<td>\(group.pushTime == 0 ? "never" : HTMLText.time(group.pushTime))</td>"
            html += "<td>\(group.failureTime == 0 ? "never" : HTMLText.time(group.failureTime))</td>"
            html += "<td class=\"num\">\(group.seriesCount)</td></tr>\n"
        }
        html += "</tbody></table></div>\n"
        if groupCount > listings.count {
            html += "<p class=\"meta\">… and \(groupCount - listings.count) more groups: "
            html += "<a href=\"/api/v1/metrics\">/api/v1/metrics</a> lists them all.</p>\n"
        }
        return html
    }

    /// A section per listed group, with its series.
    func sections() -> String {
        var html = ""
        for listing in listings {
            let group = listing.group
            html += "<section id=\"\(listing.anchor)\" class=\"group\""
            html += " data-filter=\"\(HTMLText.escape(listing.filterText))\">\n"
            let key = "{" + Self.pairs(group.key.labels) + "}"
            html += "<h2>Pushed group <code>\(HTMLText.escape(key))</code></h2>\n"
            html += "<p class=\"meta\">Last push \(group.pushTime == 0 ? "never" : HTMLText.time(group.pushTime))"
            html += "; last failure \(group.failureTime == 0 ? "never" : HTMLText.time(group.failureTime)).</p>\n"
            html += series(of: listing)
            html += "</section>\n"
        }
        return html
    }

    private func series(of listing: Listing) -> String {
        let count = listing.group.seriesCount
        guard count > 0 else { return "<p class=\"meta\">No series: the group holds only its push times.</p>\n" }
        var html = "<details class=\"series\" open><summary>\(count) series</summary>\n"
        html +=
            "<div class=\"scroll\"><table><thead><tr><th>series</th><th>type</th><th>value</th></tr></thead><tbody>\n"
        var listed = 0
        rows: for stored in listing.families {
            for metric in stored.family.metrics {
                guard listed < listing.rows else { break rows }
                listed += 1
                html += row(stored.family, metric, key: listing.group.key)
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
        let labels = Self.pairs(own)
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
