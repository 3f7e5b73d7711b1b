import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// Pushed groups in `/metrics`: merged per family across groups, beside the catalogue, in both formats.
@Suite("Pushed groups in the exposition")
struct PushExpositionTests {
    private typealias F = PushFixtures

    private func exposition(_ store: PushStore, _ registry: Registry, _ format: ExpositionFormat) -> String {
        String(decoding: ExpositionCache(registry, pushes: store).exposition(format, gzip: false) ?? [], as: UTF8.self)
    }

    private func setUp() throws -> (PushStore, Registry) {
        let registry = Registry(Catalogue.definitions(experiments: []), maxSeriesPerMetric: 100, now: 0)
        let store = PushStore(
            limits: PushLimits(),
            ownFamilies: registry.families.map { ($0.definition.fullName, $0.definition.kind) }
        )
        return (store, registry)
    }

    /// The lines of `text` from `# HELP name` (or `# TYPE name`) to the next family.
    private func block(_ text: String, _ name: String) -> [String] {
        let lines = text.split(separator: "\n").map(String.init)
        guard let start = lines.firstIndex(where: { $0 == "# TYPE \(name) " + ($0.split(separator: " ").last ?? "") })
        else { return [] }
        let from = start > 0 && lines[start - 1].hasPrefix("# HELP \(name) ") ? start - 1 : start
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("# ") } ?? lines.count
        return Array(lines[from..<end])
    }

    @Test func writesPushedFamiliesAsGosEncoderDoes() throws {
        let (store, registry) = try setUp()
        try store.push(
            [
                F.family("builds_total", .counter, help: "Builds.", series: [[("stage", "a\"b")]], value: 3),
                F.family("step_seconds", .histogram, value: 10.5),
                F.family("wait_seconds", .summary, value: 2),
                F.family("plain", .untyped, value: -1),
            ],
            to: try F.key("/metrics/job/ci/instance/r1"),
            replace: true,
            timeToLive: nil,
            now: 1_700_000_000.5
        )
        let text = exposition(store, registry, .text)
        #expect(
            block(text, "builds_total") == [
                "# HELP builds_total Builds.", "# TYPE builds_total counter",
                "builds_total{instance=\"r1\",job=\"ci\",stage=\"a\\\"b\"} 3",
            ]
        )
        #expect(
            block(text, "step_seconds") == [
                "# TYPE step_seconds histogram",
                "step_seconds_bucket{instance=\"r1\",job=\"ci\",le=\"1\"} 1",
                "step_seconds_bucket{instance=\"r1\",job=\"ci\",le=\"5\"} 2",
                "step_seconds_bucket{instance=\"r1\",job=\"ci\",le=\"+Inf\"} 3",
                "step_seconds_sum{instance=\"r1\",job=\"ci\"} 10.5", "step_seconds_count{instance=\"r1\",job=\"ci\"} 3",
            ]
        )
        #expect(
            block(text, "wait_seconds") == [
                "# TYPE wait_seconds summary", "wait_seconds{instance=\"r1\",job=\"ci\",quantile=\"0.5\"} 2",
                "wait_seconds_sum{instance=\"r1\",job=\"ci\"} 2", "wait_seconds_count{instance=\"r1\",job=\"ci\"} 2",
            ]
        )
        #expect(block(text, "plain") == ["# TYPE plain untyped", "plain{instance=\"r1\",job=\"ci\"} -1"])
        #expect(
            block(text, "push_time_seconds").last == "push_time_seconds{instance=\"r1\",job=\"ci\"} 1.7000000005e+09"
        )
        #expect(
            block(text, "push_failure_time_seconds").last == "push_failure_time_seconds{instance=\"r1\",job=\"ci\"} 0"
        )
        // Sorted among the catalogue's families by name.
        let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(types == types.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test func writesOpenMetricsCountersUnderTheirFamilyName() throws {
        let (store, registry) = try setUp()
        try store.push(
            [F.family("builds_total", .counter, value: 3), F.family("runs", .counter), F.family("plain", .untyped)],
            to: try F.key("/metrics/job/ci"),
            replace: true,
            timeToLive: nil,
            now: 1
        )
        let text = exposition(store, registry, .openMetrics(version: "1.0.0"))
        #expect(text.contains("# TYPE builds counter\nbuilds_total{instance=\"\",job=\"ci\"} 3.0\n"))
        #expect(text.contains("# TYPE runs unknown\nruns{instance=\"\",job=\"ci\"} 1.0\n"))
        #expect(text.contains("# TYPE plain unknown\n"))
        #expect(text.hasSuffix("# EOF\n"))
    }

    @Test func mergesPushedProcessFamiliesIntoTheServicesOwn() throws {
        let (store, registry) = try setUp()
        ProcessMetrics.update(registry, now: 1)
        try store.push(
            [F.family("process_cpu_seconds_total", .counter, help: "Pushed help.", value: 5)],
            to: try F.key("/metrics/job/p"),
            replace: true,
            timeToLive: nil,
            now: 1
        )
        let text = exposition(store, registry, .text)
        let lines = block(text, "process_cpu_seconds_total")
        #expect(lines.filter { $0.hasPrefix("# TYPE") }.count == 1)
        #expect(lines[0].hasPrefix("# HELP process_cpu_seconds_total ") && !lines[0].contains("Pushed help."))
        #expect(lines.last == "process_cpu_seconds_total{instance=\"\",job=\"p\"} 5")
        #expect(lines.count == 4)
    }

    @Test func followsEveryChangeThroughItsCache() throws {
        let (store, registry) = try setUp()
        let cache = ExpositionCache(registry, pushes: store)
        func text() -> String { String(decoding: cache.exposition(.text, gzip: false) ?? [], as: UTF8.self) }
        let key = try F.key("/metrics/job/ci")
        try store.push([F.family("x", .gauge, value: 1)], to: key, replace: true, timeToLive: nil, now: 1)
        #expect(text().contains("x{instance=\"\",job=\"ci\"} 1\n"))
        try store.push([F.family("x", .gauge, value: 2)], to: key, replace: true, timeToLive: nil, now: 2)
        #expect(text().contains("x{instance=\"\",job=\"ci\"} 2\n"))
        store.delete(key, now: 3)
        #expect(!text().contains("job=\"ci\""))
        try store.push([F.family("x", .gauge, value: 4)], to: key, replace: true, timeToLive: nil, now: 4)
        #expect(text().contains("x{instance=\"\",job=\"ci\"} 4\n"))
        // gzip is the same text.
        let gzipped = cache.exposition(.text, gzip: true) ?? []
        #expect(try GzipTestDecoder.decompress(gzipped) == Array(text().utf8))
    }
}

extension PushExpositionTests {
    /// Python's client pushes `x_created` gauges beside its counters: in OpenMetrics they are the counter's own
    /// `_created` samples (a family of that name would clash with them), in text a gauge of their own, as pushed.
    @Test func writesPythonsCreatedGaugesAsTheCountersCreatedSamplesInOpenMetrics() throws {
        let (store, registry) = try setUp()
        try store.push(
            [
                F.family("deploys_total", .counter, value: 3),
                F.family("deploys_created", .gauge, value: 1_700_000_000),
                F.family("lag_seconds", .histogram, value: 4),
                F.family("lag_seconds_created", .gauge, value: 1_700_000_001),
            ],
            to: try F.key("/metrics/job/py"),
            replace: true,
            timeToLive: nil,
            now: 1
        )
        let openMetrics = exposition(store, registry, .openMetrics(version: "1.0.0"))
        #expect(!openMetrics.contains("# TYPE deploys_created"))
        #expect(
            openMetrics.contains(
                "# TYPE deploys counter\ndeploys_total{instance=\"\",job=\"py\"} 3.0\n"
                    + "deploys_created{instance=\"\",job=\"py\"} 1.7e+09\n"
            )
        )
        #expect(
            openMetrics.contains(
                "lag_seconds_count{instance=\"\",job=\"py\"} 3\nlag_seconds_created{instance=\"\",job=\"py\"} 1.700000001e+09\n"
            )
        )
        let text = exposition(store, registry, .text)
        #expect(text.contains("# TYPE deploys_created gauge\ndeploys_created{instance=\"\",job=\"py\"} 1.7e+09\n"))
        // The gauge goes: the counter's samples go with it.
        try store.push(
            [F.family("deploys_total", .counter, value: 3)],
            to: try F.key("/metrics/job/py"),
            replace: true,
            timeToLive: nil,
            now: 2
        )
        #expect(!exposition(store, registry, .openMetrics(version: "1.0.0")).contains("deploys_created"))
    }
}

extension PushExpositionTests {
    @Test func listsPushedGroupsOnTheStatusPage() throws {
        let (store, registry) = try setUp()
        let cache = StatusPageCache(baseURL: nil)
        var clock = 1.0
        // Each look a minute on, past the cache's wait of ten renders' cost.
        func page() -> String {
            clock += 60
            return String(decoding: cache.response(registry, pushes: store, now: clock).joinedBody, as: UTF8.self)
        }
        #expect(page().contains("No groups pushed yet"))
        try store.push(
            [F.family("x", .gauge)],
            to: try F.key("/metrics/job/ci/instance/r<1>"),
            replace: true,
            timeToLive: nil,
            now: 1_700_000_000
        )
        try? store.push(
            [F.family("bad-name", .gauge)],
            to: try F.key("/metrics/job/ci/instance/r<1>"),
            replace: true,
            timeToLive: nil,
            now: 1_700_000_060
        )
        let html = page()
        let anchor = PushedGroupsSection.anchor(of: try F.key("/metrics/job/ci/instance/r<1>"))
        #expect(anchor.count == "group-".count + 16)
        // The table: the job linking to the group's section, its other labels, the two times and the series.
        #expect(
            html.contains("<td><a href=\"#\(anchor)\">ci</a></td><td><code>instance=&quot;r&lt;1&gt;&quot;</code></td>")
        )
        #expect(
            html.contains(
                "<td><time datetime=\"2023-11-14T22:13:20Z\">2023-11-14 22:13:20 UTC</time></td>"
                    + "<td><time datetime=\"2023-11-14T22:14:20Z\">2023-11-14 22:14:20 UTC</time></td>"
                    + "<td class=\"num\">1</td>"
            )
        )
        #expect(html.contains("<tr class=\"group failed\" data-filter=\"instance r&lt;1&gt; job ci x\">"))
        // The section: the group's key, and its series without the key's labels.
        #expect(html.contains("<section id=\"\(anchor)\" class=\"group\""))
        #expect(
            html.contains("<h2>Pushed group <code>{instance=&quot;r&lt;1&gt;&quot;,job=&quot;ci&quot;}</code></h2>")
        )
        #expect(html.contains("<tr class=\"series\"><td><code>x</code></td><td>gauge</td><td class=\"value num\">"))
    }

    @Test func listsAPushedHistogramWithItsChartAndAtMostTwoHundredSeriesAGroup() throws {
        let (store, registry) = try setUp()
        try store.push(
            [F.family("a_wait_seconds", .histogram, value: 2.5)]
                + [F.family("many", .gauge, series: (0..<250).map { [("n", "\($0)")] })],
            to: try F.key("/metrics/job/ci"),
            replace: true,
            timeToLive: nil,
            now: 1_700_000_000
        )
        let html = StatusPage.html(registry, pushes: store, baseURL: "", now: 1_700_000_001)
        let anchor = PushedGroupsSection.anchor(of: try F.key("/metrics/job/ci"))
        #expect(html.contains("<td><a href=\"#\(anchor)\">ci</a></td><td>—</td>"))
        let section = try #require(html.range(of: "<section id=\"\(anchor)\"")).lowerBound
        let group = html[section...]
        #expect(group.components(separatedBy: "<tr class=\"series\">").count - 1 == MetricSection.listed)
        #expect(group.contains("… and 51 more series not listed here"))
        #expect(group.contains("<code>many{n=&quot;0&quot;}</code>"))
        let histogram = try #require(group.range(of: "<code>a_wait_seconds</code>"))
        let row = group[histogram.upperBound...].prefix { $0 != "\n" }
        #expect(row.contains("<td>histogram</td><td><svg class=\"chart\""))
        #expect(row.components(separatedBy: "<rect class=\"bar\"").count - 1 >= 2)
    }
}
