import Testing

@_spi(Harness) @testable import DeliveryMetrics

@Suite("Status page overview")
struct MetricOverviewTests {
    private let boot = 1_700_000_000.0

    private func registry() -> Registry {
        Registry(Catalogue.definitions(experiments: []), maxSeriesPerMetric: 100, now: boot)
    }

    @Test func countsSeriesAndThoseNotAtTheirResetValue() throws {
        let registry = registry()
        let started = try #require(registry.family(named: "deployment_started_total"))
        // A cartesian reset holds every environment at 0 from the start: series, but none with a value.
        let fresh = MetricOverview(started)
        #expect(fresh.seriesCount == 7)
        #expect(fresh.withValues == 0)
        #expect(fresh.lastWrite == nil)

        try started.apply(.inc, labelValues: ["gprd"], now: boot + 10)
        try started.apply(.add, labelValues: ["gstg"], value: 2, now: boot + 20)
        let written = MetricOverview(started)
        #expect(written.seriesCount == 7)
        #expect(written.withValues == 2)
        #expect(written.lastWrite == boot + 20)
    }

    @Test func aHistogramIsAtItsResetValueUntilItsFirstObservation() throws {
        let registry = registry()
        let durations = try #require(registry.family(named: "deployment_duration_seconds"))
        #expect(MetricOverview(durations).withValues == 0)
        try durations.apply(.observe, labelValues: ["coordinator_pipeline", "success"], value: 0, now: boot + 1)
        // An observation of 0 leaves the sum at 0, but the count moved.
        #expect(MetricOverview(durations).withValues == 1)
    }

    @Test func aGaugeSetBackToZeroIsAtItsResetValue() throws {
        let registry = registry()
        let pressure = try #require(registry.family(named: "auto_deploy_pressure"))
        try pressure.apply(.set, labelValues: ["gprd"], value: 3, now: boot + 1)
        try pressure.apply(.set, labelValues: ["gprd"], value: 0, now: boot + 2)
        let overview = MetricOverview(pressure)
        #expect(overview.withValues == 0)
        #expect(overview.lastWrite == boot + 2)
    }

    @Test func sortsTheNewestWriteFirstAndTheUnwrittenByName() throws {
        let registry = registry()
        try registry.family(named: "deployment_started_total")?.apply(.inc, labelValues: ["gprd"], now: boot + 5)
        try registry.family(named: "auto_deploy_pressure")?.apply(.set, labelValues: ["gprd"], value: 1, now: boot + 9)
        let requests = try #require(registry.family(named: "metrics_http_requests_total"))
        try requests.apply(.inc, labelValues: ["push", "POST", "200"], now: boot + 30)
        let sorted = registry.deliveryFamilies.map(MetricOverview.init).sorted(by: MetricOverview.precedes)
        #expect(
            sorted.prefix(2).map(\.family.definition.apiName) == ["auto_deploy_pressure", "deployment_started_total"]
        )
        // The service's own come last, however recently written.
        let delivery = sorted.prefix { !$0.family.definition.describesProcess }
        let own = sorted.drop { !$0.family.definition.describesProcess }
        #expect(own.allSatisfy { $0.family.definition.describesProcess })
        #expect(own.first?.family.definition.apiName == "metrics_http_requests_total")
        let unwritten = delivery.dropFirst(2).map(\.family.definition.fullName)
        #expect(unwritten == unwritten.sorted())
    }
}
