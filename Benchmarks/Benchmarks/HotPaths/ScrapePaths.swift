@_spi(Harness) import DeliveryMetrics

/// The exposition: the full catalogue plus 10,000 series (4,500 counter, 4,500 gauge and
/// 1,000 histogram series, free-text labels as CI jobs push them), rendered unchanged or after every series changed.
final class ScrapePaths {
    private let registry: Registry
    private let exposition: ExpositionCache
    private let counters: MetricFamily
    private let gauges: MetricFamily
    private let histograms: MetricFamily
    private var round = 0.0

    init() throws {
        let counter = MetricDefinition(
            .counter,
            name: "bench_events_total",
            help: "Bench counter.",
            labels: [.text("job")]
        )
        let gauge = MetricDefinition(.gauge, name: "bench_level", help: "Bench gauge.", labels: [.text("job")])
        let histogram = MetricDefinition(
            .histogram,
            name: "bench_duration_seconds",
            help: "Bench histogram.",
            labels: [.text("job")],
            buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 600, 1800]
        )
        let registry = Registry(
            Catalogue.definitions(experiments: Experiments.definitions) + [counter, gauge, histogram],
            maxSeriesPerMetric: 10_000,
            now: 0
        )
        // The registry was just built from these definitions, so each is there.
        func family(_ definition: MetricDefinition) -> MetricFamily {
            registry.families.first { $0.definition.fullName == definition.fullName }!
        }
        self.registry = registry
        exposition = ExpositionCache(registry)
        counters = family(counter)
        gauges = family(gauge)
        histograms = family(histogram)
        try changeEverySeries()
    }

    /// Writes once to every one of the 10,000 series.
    func changeEverySeries() throws {
        round += 1
        for index in 0..<4_500 {
            try counters.apply(.add, labelValues: ["job-\(index)"], value: round, now: 0)
            try gauges.apply(.set, labelValues: ["job-\(index)"], value: round * Double(index), now: 0)
        }
        for index in 0..<1_000 {
            try histograms.apply(.observe, labelValues: ["job-\(index)"], value: Double(index % 700), now: 0)
        }
    }

    /// One scrape's body, text 0.0.4, plain or gzip; returns its size.
    func scrape(gzip: Bool) -> Int {
        exposition.exposition(.text, gzip: gzip)?.count ?? 0
    }
}
