import Testing

@_spi(Harness) @testable import DeliveryMetrics

@Suite("Status page")
struct StatusPageTests {
    @Test func listsEveryMetricWithAPushLineAndItsSeriesEscaped() throws {
        let registry = Registry(Catalogue.definitions(experiments: []), maxSeriesPerMetric: 100, now: 0)
        try registry.family(named: "deployment_blocker_count")?.apply(
            .set,
            labelValues: ["<script>&\"", "2024-W01"],
            value: 4,
            now: 0
        )
        let html = StatusPage.html(registry, baseURL: "http://example.test:2112")
        for family in registry.deliveryFamilies {
            #expect(html.contains("<section id=\"\(family.definition.apiName)\">"), "\(family.definition.fullName)")
        }
        #expect(html.contains("/api/deployment_blocker_count/set&quot;</pre>"))
        #expect(html.contains("-d labels=example,2024-W23"))
        #expect(html.contains("<td>&lt;script&gt;&amp;&quot;</td><td>2024-W01</td><td class=\"value\">4</td>"))
        #expect(!html.contains("<script>"))
    }
}
