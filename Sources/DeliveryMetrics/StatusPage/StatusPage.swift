/// `GET /`: the status page, for the people who push. An overview of every catalogue metric first (type, series,
/// series with values, last write, newest first), the pushed groups, then a section per metric and per group with
/// its series. One stylesheet and one script, inline and allowed by hash (`StatusPageAssets`); no external asset,
/// so it works offline. Nothing from a request enters it: it is rendered from the state alone and cached.
enum StatusPage {
    static func html(
        _ registry: Registry,
        pushes: PushStore? = nil,
        baseURL: String,
        now: Double = WallClock.now()
    ) -> String {
        let sections = registry.deliveryFamilies.map { MetricSection(overview: MetricOverview($0), baseURL: baseURL) }
        let groups = pushes.map(PushedGroupsSection.init)
        var page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>delivery-metrics</title><link rel="icon" href="data:,">
            <style>\(StatusPageAssets.style)</style></head><body>
            <header><h1>delivery-metrics</h1>
            <p class="meta">Version \(HTMLText.escape(BuildInfo.version)), revision \(HTMLText.escape(BuildInfo.revision)), \
            built \(HTMLText.escape(BuildInfo.buildDate)); this page rendered \(HTMLText.time(now)).
            Prometheus reads <a href="/metrics">/metrics</a>. Pushes need <code>X-Private-Token</code>; the lines below
            read it from <code>$DELIVERY_METRICS_TOKEN</code>.</p>
            <input id="filter" class="filter" type="search" placeholder="Filter by name, label value or help" \
            aria-label="Filter metrics and groups" autocomplete="off" hidden> <span id="filter-count" class="meta"></span>
            </header>

            """
        page += overview(sections.sorted { MetricOverview.precedes($0.overview, $1.overview) })
        if let groups { page += groups.table() }
        for section in sections { page += section.html() }
        if let groups { page += groups.sections() }
        page += "<script>\(StatusPageAssets.script)</script>\n</body></html>\n"
        return page
    }

    /// One row a metric, newest write first, filtered like its section.
    private static func overview(_ sections: [MetricSection]) -> String {
        var html = "<h2 id=\"overview\">Overview</h2>\n<div class=\"scroll\"><table class=\"overview\"><thead><tr>"
        html += "<th>metric</th><th>type</th><th class=\"num\">series</th><th class=\"num\">with values</th>"
        html += "<th>last write</th></tr></thead><tbody>\n"
        for section in sections {
            let overview = section.overview
            let definition = overview.family.definition
            html += "<tr class=\"metric\" data-filter=\"\(HTMLText.escape(section.filterText))\">"
            html +=
                "<td><a href=\"#\(HTMLText.escape(definition.apiName))\">\(HTMLText.escape(definition.fullName))</a></td>"
            html += "<td>\(definition.kind.rawValue)</td><td class=\"num\">\(overview.seriesCount)</td>"
            html += "<td class=\"num\">\(overview.withValues)</td>"
            html += "<td>\(overview.lastWrite.map(HTMLText.time) ?? "never")</td></tr>\n"
        }
        return html + "</tbody></table></div>\n"
    }
}
