/// `GET /`: one small HTML page (no script, no external assets) with every catalogue metric, its type, help, labels
/// and what they accept, its current series with values and last write times, and a ready `curl` line to push to it.
enum StatusPage {
    static func html(_ registry: Registry, pushes: PushStore? = nil, baseURL: String) -> String {
        var page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>delivery-metrics</title>
            <style>
            body{font-family:sans-serif;margin:2em;max-width:70em}h2{margin-top:2em;font-size:1.1em}
            code,pre{background:#f4f4f4;padding:2px 4px}pre{white-space:pre-wrap;word-break:break-all}
            table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
            .help{color:#444}
            </style></head><body>
            <h1>delivery-metrics</h1>
            <p>Version \(escape(BuildInfo.version)), revision \(escape(BuildInfo.revision)), built \(escape(BuildInfo.buildDate)).
            Prometheus reads <a href="/metrics">/metrics</a>. Pushes need <code>X-Private-Token</code>; the lines below
            read it from <code>$DELIVERY_METRICS_TOKEN</code>.</p>

            """
        if let pushes { page += pushedGroups(pushes) }
        for family in registry.deliveryFamilies {
            page += section(family, baseURL: baseURL)
        }
        page += "</body></html>\n"
        return page
    }

    private static func section(_ family: MetricFamily, baseURL: String) -> String {
        let definition = family.definition
        var html = "<section id=\"\(escape(definition.apiName))\"><h2>\(escape(definition.fullName))</h2>\n"
        html += "<p>\(definition.kind.rawValue)<span class=\"help\"> — \(escape(definition.help))</span></p>\n"
        if !definition.labels.isEmpty {
            html += "<p>Labels, in push order: "
            html += definition.labels.map { label in
                switch label.validator {
                case .oneOf(let values):
                    "<code>\(escape(label.name))</code> (one of "
                        + values.map { "<code>\(escape($0.isEmpty ? "\"\"" : $0))</code>" }.joined(separator: ", ")
                        + ")"
                case .pattern(let source):
                    "<code>\(escape(label.name))</code> (matching <code>\(escape(source))</code>)"
                }
            }.joined(separator: "; ")
            html += "</p>\n"
        }
        if !definition.writer.acceptsPushes {
            html += "<p>Written by the service itself.</p>\n"
        } else {
            // The operation a CI job most often wants: set a gauge, add to a counter, observe into a histogram.
            let operation: Operation =
                switch definition.kind {
                case .gauge: .set
                case .counter: .add
                case .histogram: .observe
                }
            var form = operation.needsValue ? "-d value=1 " : ""
            if !definition.labels.isEmpty {
                form += "-d labels=\(shellQuote(definition.labels.map(\.example).joined(separator: ","))) "
            }
            let line =
                "curl -X POST -H \"X-Private-Token: $DELIVERY_METRICS_TOKEN\" \(form)"
                + "\"\(baseURL)/api/\(definition.apiName)/\(operation.rawValue)\""
            html += "<pre class=\"push\">\(escape(line))</pre>\n"
        }
        html += seriesTable(family)
        return html + "</section>\n"
    }

    /// The groups pushed by the Pushgateway protocol: their labels, last push and failure, and how many series.
    private static func pushedGroups(_ pushes: PushStore) -> String {
        var html = "<section id=\"pushed-groups\"><h2>Pushed groups</h2>\n"
        guard !pushes.groups.isEmpty else { return html + "<p>No groups pushed yet.</p></section>\n" }
        html += "<table><tr><th>group</th><th>last push (UTC)</th><th>last failure (UTC)</th><th>series</th></tr>\n"
        let groups = pushes.groups.values.sorted { PushStore.precedes($0.key.labels, $1.key.labels) }
        func time(_ seconds: Double) -> String {
            seconds == 0 ? "never" : String(LogFormatter.rfc3339(seconds).prefix(19).replacing("T", with: " "))
        }
        for group in groups.prefix(200) {
            let failed = group.failureTime > group.pushTime ? " failed" : ""
            html += "<tr class=\"group\(failed)\"><td><code>\(escape(group.key.description))</code></td>"
            html +=
                "<td>\(time(group.pushTime))</td><td>\(time(group.failureTime))</td><td>\(group.seriesCount)</td></tr>\n"
        }
        if groups.count > 200 { html += "<tr><td colspan=\"4\">… and \(groups.count - 200) more</td></tr>\n" }
        return html + "</table></section>\n"
    }

    private static func seriesTable(_ family: MetricFamily) -> String {
        guard !family.series.isEmpty else { return "<p>No series yet.</p>\n" }
        let labels = family.definition.labels
        var html = "<table><tr>" + labels.map { "<th>\(escape($0.name))</th>" }.joined()
        html += family.definition.kind == .histogram ? "<th>count</th><th>sum</th>" : "<th>value</th>"
        html += "<th>last written (UTC)</th></tr>\n"
        let order = Array(labels.indices)
        let rows = family.series.sorted { $0.key.precedes($1.key, in: order) }.prefix(200)
        for (key, series) in rows {
            html += "<tr class=\"series\">" + key.map { "<td>\(escape($0))</td>" }.joined()
            if family.definition.kind == .histogram {
                html += "<td>\(series.count)</td><td>\(GoFloat.format(series.sum))</td>"
            } else {
                html += "<td class=\"value\">\(GoFloat.format(series.value))</td>"
            }
            html += "<td>\(LogFormatter.rfc3339(series.lastWrite).prefix(19).replacing("T", with: " "))</td></tr>\n"
        }
        if family.series.count > rows.count {
            html += "<tr><td colspan=\"\(labels.count + 3)\">… and \(family.series.count - rows.count) more</td></tr>\n"
        }
        return html + "</table>\n"
    }

    static func escape(_ text: String) -> String {
        var output = ""
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.append(character)
            }
        }
        return output
    }

    /// Single quotes when the value holds anything a shell would interpret.
    private static func shellQuote(_ value: String) -> String {
        value.allSatisfy { $0.isLetter || $0.isNumber || "-_.,:".contains($0) } ? value : "'\(value)'"
    }
}
