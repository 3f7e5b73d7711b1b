import Testing

@_spi(Harness) @testable import DeliveryMetrics

@Suite("Status page")
struct StatusPageTests {
    private let now = 1_700_000_000.0

    private func registry(maxSeries: Int = 100) -> Registry {
        Registry(Catalogue.definitions(experiments: []), maxSeriesPerMetric: maxSeries, now: now)
    }

    /// The text between `start` and the next `end`, for the section of one metric.
    private func slice(_ html: String, from start: String, to end: String = "</section>") -> String? {
        guard let lower = html.range(of: start) else { return nil }
        guard let upper = html.range(of: end, range: lower.upperBound..<html.endIndex) else { return nil }
        return String(html[lower.lowerBound..<upper.upperBound])
    }

    @Test func listsEveryMetricWithAPushLineAndItsSeriesEscaped() throws {
        let registry = registry()
        try registry.family(named: "deployment_blocker_count")?.apply(
            .set,
            labelValues: ["<script>&\"", "2024-W01"],
            value: 4,
            now: now
        )
        let html = StatusPage.html(registry, baseURL: "http://example.test:2112", now: now)
        for family in registry.deliveryFamilies {
            #expect(html.contains("<section id=\"\(family.definition.apiName)\" class=\"metric\""))
            #expect(html.contains("<a href=\"#\(family.definition.apiName)\">\(family.definition.fullName)</a>"))
        }
        #expect(
            html.contains("/api/deployment_blocker_count/set&quot;</pre><button type=\"button\" class=\"copy\" hidden>")
        )
        #expect(html.contains("-d labels=example,2024-W23"))
        #expect(html.contains("<td>&lt;script&gt;&amp;&quot;</td><td>2024-W01</td><td class=\"value num\">4</td>"))
        // The page's own script is the one script element.
        #expect(html.components(separatedBy: "<script").count == 2)
        #expect(!html.contains("style=\""), "an inline style attribute would need 'unsafe-inline'")
    }

    @Test func theOverviewCountsSeriesAndValuesNewestWriteFirst() throws {
        let registry = registry()
        try registry.family(named: "deployment_started_total")?.apply(.inc, labelValues: ["gprd"], now: now + 60)
        let html = StatusPage.html(registry, baseURL: "", now: now + 120)
        let overview = try #require(slice(html, from: "<h2 id=\"overview\">", to: "</table>"))
        let rows = overview.components(separatedBy: "<tr class=\"metric\"").dropFirst()
        #expect(rows.count == registry.deliveryFamilies.count)
        let first = try #require(rows.first)
        #expect(first.contains(">delivery_deployment_started_total</a>"))
        #expect(first.contains("<td>counter</td><td class=\"num\">7</td><td class=\"num\">1</td>"))
        #expect(first.contains("<time datetime=\"2023-11-14T22:14:20Z\">2023-11-14 22:14:20 UTC</time>"))
        #expect(rows.dropFirst().allSatisfy { $0.contains("<td>never</td>") || $0.contains("<time") })
    }

    @Test func foldsASectionUnlessItHoldsValuesAndHidesTheZerosBehindOneToggle() throws {
        let registry = registry()
        let fresh = StatusPage.html(registry, baseURL: "", now: now)
        let zeros = try #require(slice(fresh, from: "<section id=\"deployment_started_total\""))
        #expect(zeros.contains("<details class=\"series\"><summary>7 series, all at their reset value</summary>"))
        #expect(zeros.contains("<details class=\"zeros\"><summary>show 7 zero series</summary>"))

        try registry.family(named: "deployment_started_total")?.apply(.inc, labelValues: ["gprd"], now: now)
        let written = StatusPage.html(registry, baseURL: "", now: now)
        let section = try #require(slice(written, from: "<section id=\"deployment_started_total\""))
        #expect(section.contains("<details class=\"series\" open><summary>7 series, 1 with values</summary>"))
        #expect(section.contains("<details class=\"zeros\"><summary>show 6 zero series</summary>"))
        // The series with a value comes before the toggle, outside it.
        let toggle = try #require(section.range(of: "<details class=\"zeros\">"))
        let value = try #require(section.range(of: "<td>gprd</td><td class=\"value num\">1</td>"))
        #expect(value.lowerBound < toggle.lowerBound)
    }

    @Test func listsAtMostTwoHundredSeriesAMetricAndSaysHowManyMore() throws {
        let registry = registry(maxSeries: 50_000)
        let family = try #require(registry.family(named: "deployment_blocker_count"))
        for index in 0..<10_000 {
            try family.apply(.set, labelValues: ["cause-\(index)", "2024-W01"], value: 1, now: now)
        }
        let html = StatusPage.html(registry, baseURL: "", now: now)
        let section = try #require(slice(html, from: "<section id=\"deployment_blocker_count\""))
        #expect(section.components(separatedBy: "<tr class=\"series\">").count - 1 == MetricSection.listed)
        #expect(section.contains("… and 9800 more series not listed here"))
        #expect(html.utf8.count < 400_000, "the page is \(html.utf8.count) bytes at 10,000 series")
    }

    /// A pushed label value may be a megabyte, or one character of a million combining marks: the page shows 200
    /// scalars of it. (A catalogue value is 256 bytes at most.)
    @Test func cutsLongPushedLabelValuesSoThePageStaysSmall() throws {
        let registry = registry()
        let store = PushFixtures.store()
        let long = String(repeating: "x", count: 1_000_000)
        let combining = "e" + String(repeating: "\u{301}", count: 100_000)
        try store.push(
            [PushFixtures.family("big", .gauge, series: [[("a", long)], [("a", combining)]])],
            to: try PushFixtures.key("/metrics/job/ci/instance@base64/" + Base64.encode(Array(long.utf8))),
            replace: true,
            timeToLive: nil,
            now: now
        )
        let html = StatusPage.html(registry, pushes: store, baseURL: "", now: now)
        #expect(html.utf8.count < 200_000, "the page is \(html.utf8.count) bytes")
        #expect(
            html.contains("<code>big{a=&quot;" + String(repeating: "x", count: HTMLText.longest) + "…&quot;}</code>")
        )
        #expect(HTMLText.shortened(combining).unicodeScalars.count == HTMLText.longest + 1)
        #expect(HTMLText.shortened("short") == "short")
    }

    /// A quote followed by a combining mark is one character that is not a quote: escaped scalar by scalar, it
    /// cannot close an attribute.
    @Test func escapesAQuoteEvenWhenACombiningMarkFollowsIt() throws {
        let escaped = HTMLText.escape("\"\u{301} x=<\u{301}")
        #expect(escaped == "&quot;\u{301} x=&lt;\u{301}")
        let store = PushFixtures.store()
        try store.push(
            [PushFixtures.family("x", .gauge, series: [[("a", "\"\u{301} onclick=alert(1) \"\u{301}")]])],
            to: try PushFixtures.key("/metrics/job/ci\"\u{301} hidden x=\"\u{301}"),
            replace: true,
            timeToLive: nil,
            now: now
        )
        let html = StatusPage.html(registry(), pushes: store, baseURL: "", now: now)
        // Outside the macro, which cannot spell a quote fused with a mark in the text it keeps of its argument.
        let mark: Unicode.Scalar = "\u{301}"
        let fused = "\"" + String(mark)
        let hasMark = html.unicodeScalars.contains(mark)
        let hasFused = html.contains(fused)
        #expect(hasMark, "the values are on the page")
        #expect(!hasFused, "a raw quote before a combining mark")
    }

    @Test func drawsAChartWithABarPerBucketForAHistogramWithObservations() throws {
        let registry = registry()
        let family = try #require(registry.family(named: "deployment_duration_seconds"))
        for value in [100.0, 13_000, 19_000.5] {
            try family.apply(.observe, labelValues: ["coordinator_pipeline", "success"], value: value, now: now)
        }
        let html = StatusPage.html(registry, baseURL: "", now: now)
        let section = try #require(slice(html, from: "<section id=\"deployment_duration_seconds\""))
        let row = try #require(slice(section, from: "<td>success</td>", to: "</tr>"))
        let bars = row.components(separatedBy: "<rect class=\"bar\"").count - 1
        #expect(bars == family.definition.buckets.count + 1)
        #expect(
            row.contains(
                "<td class=\"num\">3</td><td class=\"num\">32100.5</td><td class=\"num\">10700.167</td>"
            )
        )
    }

    @Test func theContentSecurityPolicyAllowsExactlyThePagesStyleAndScript() throws {
        let html = StatusPage.html(registry(), baseURL: "", now: now)
        let style = try #require(slice(html, from: "<style>", to: "</style>"))
        let script = try #require(slice(html, from: "<script>", to: "</script>"))
        let styleText = String(style.dropFirst("<style>".count).dropLast("</style>".count))
        let scriptText = String(script.dropFirst("<script>".count).dropLast("</script>".count))
        let policy = StatusPageAssets.contentSecurityPolicy
        #expect(policy.contains("style-src '\(StatusPageAssets.hash(styleText))';"))
        #expect(policy.contains("script-src '\(StatusPageAssets.hash(scriptText))';"))
        #expect(policy.hasPrefix("default-src 'none';"))
        // What the script works on is in the markup, hidden until it runs.
        #expect(html.contains("<input id=\"filter\" class=\"filter\" type=\"search\""))
        #expect(html.contains("autocomplete=\"off\" hidden>"))
        #expect(scriptText.contains("getElementById(\"filter\")") && html.contains("id=\"filter-count\""))
    }

    /// Readers asking after every write cannot keep the loop rendering a page that takes long: a write within ten
    /// times the last render's cost is shown by the render after that.
    @Test func theCacheRendersASlowPageAgainOnlyAfterTenTimesItsCost() throws {
        let registry = registry(maxSeries: 50_000)
        let family = try #require(registry.family(named: "deployment_blocker_count"))
        for index in 0..<2_000 {
            try family.apply(.set, labelValues: ["cause-\(index)", "2024-W01"], value: 1, now: now)
        }
        let cache = StatusPageCache(baseURL: nil)
        _ = cache.response(registry, now: now)
        let cost = cache.renderCost
        #expect(cost > 0)
        let pressure = try #require(registry.family(named: "auto_deploy_pressure"))
        try pressure.apply(.set, labelValues: ["gprd"], value: 7, now: now)
        let soon = cache.response(registry, now: now + cost * StatusPageCache.costFactor / 2)
        #expect(
            !String(decoding: soon.joinedBody, as: UTF8.self).contains("<td>gprd</td><td class=\"value num\">7</td>")
        )
        let later = cache.response(registry, now: now + cost * StatusPageCache.costFactor + 0.001)
        #expect(
            String(decoding: later.joinedBody, as: UTF8.self).contains("<td>gprd</td><td class=\"value num\">7</td>")
        )
    }

    @Test func theCacheSendsThePolicyAndRendersAgainAfterAWrite() throws {
        let registry = registry()
        let cache = StatusPageCache(baseURL: nil)
        let first = cache.response(registry, now: now)
        #expect(first.headers["Content-Security-Policy"] == StatusPageAssets.contentSecurityPolicy)
        #expect(first.headers["X-Content-Type-Options"] == "nosniff")
        try registry.family(named: "auto_deploy_pressure")?.apply(.set, labelValues: ["gprd"], value: 7, now: now)
        let second = cache.response(registry, now: now + cache.renderCost * StatusPageCache.costFactor + 1)
        #expect(
            String(decoding: second.joinedBody, as: UTF8.self).contains("<td>gprd</td><td class=\"value num\">7</td>")
        )
    }
}
