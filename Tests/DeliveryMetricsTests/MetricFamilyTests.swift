import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// Small families built for each behaviour, independent of the catalogue.
enum Fixtures {
    static let now = 1_700_000_000.0

    static func counter(cartesian: Bool = true, ttl: Double? = nil, maxSeries: Int = 100) -> MetricFamily {
        MetricFamily(
            MetricDefinition(
                .counter,
                name: "things_total",
                help: "Things.",
                labels: [.successOrFailed("result"), Label("env", oneOf: ["a", "b"])],
                cartesianProductReset: cartesian,
                timeToLive: ttl
            ),
            maxSeries: maxSeries,
            now: now
        )
    }

    static func gauge(ttl: Double? = nil, maxSeries: Int = 100) -> MetricFamily {
        MetricFamily(
            MetricDefinition(
                .gauge,
                name: "pressure",
                help: "Pressure.",
                labels: [.minorVersion(), .text("note")],
                timeToLive: ttl
            ),
            maxSeries: maxSeries,
            now: now
        )
    }

    static func histogram() -> MetricFamily {
        MetricFamily(
            MetricDefinition(
                .histogram,
                name: "duration_seconds",
                help: "Durations.",
                labels: [Label("kind", oneOf: ["x", "y"])],
                buckets: [1, 5, 10]
            ),
            maxSeries: 100,
            now: now
        )
    }
}

@Suite("Metric families")
struct MetricFamilyTests {
    private let now = Fixtures.now

    @Test func countersIncrementAndAdd() throws {
        let family = Fixtures.counter()
        #expect(try family.apply(.inc, labelValues: ["success", "a"], now: now) == 1)
        #expect(try family.apply(.add, labelValues: ["success", "a"], value: 2.5, now: now) == 3.5)
        #expect(try family.apply(.add, labelValues: ["success", "a"], value: 0, now: now) == 3.5)
    }

    @Test func countersRefuseToDecreaseOrToBeSet() {
        let family = Fixtures.counter()
        #expect(throws: MetricError.self) {
            try family.apply(.add, labelValues: ["success", "a"], value: -1, now: now)
        }
        for operation in [Operation.set, .dec, .sub, .observe] {
            #expect(throws: MetricError.self) { try family.apply(operation, labelValues: ["success", "a"], now: now) }
        }
    }

    @Test func gaugesTakeEveryOperationButObserve() throws {
        let family = Fixtures.gauge()
        let key = ["17.4", "n"]
        #expect(try family.apply(.set, labelValues: key, value: 10, now: now) == 10)
        #expect(try family.apply(.inc, labelValues: key, now: now) == 11)
        #expect(try family.apply(.dec, labelValues: key, now: now) == 10)
        #expect(try family.apply(.add, labelValues: key, value: -4, now: now) == 6)
        #expect(try family.apply(.sub, labelValues: key, value: 1.5, now: now) == 4.5)
        #expect(throws: MetricError.self) { try family.apply(.observe, labelValues: key, value: 1, now: now) }
    }

    @Test func histogramsCountIntoTheFirstBucketThatHoldsTheValue() throws {
        let family = Fixtures.histogram()
        for value in [0.5, 1, 3, 10, 11] {
            #expect(try family.apply(.observe, labelValues: ["x"], value: value, now: now) == nil)
        }
        let series = try #require(family.series[["x"]])
        #expect(series.bucketCounts == [2, 1, 1, 1])
        #expect(series.count == 5)
        #expect(series.sum == 25.5)
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func refusesValuesThatAreNotFinite(value: Double) {
        #expect(throws: MetricError(.invalidValue, "value must be a finite number")) {
            try Fixtures.gauge().apply(.set, labelValues: ["1.2", "x"], value: value, now: now)
        }
    }

    @Test func namesTheExpectedLabelsWhenTheCountIsWrong() {
        #expect(
            throws: MetricError(.wrongLabelCount, "2 label values expected (result, env), got 1")
        ) {
            try Fixtures.counter().apply(.inc, labelValues: ["success"], now: now)
        }
    }

    @Test func namesTheLabelAndWhatItAcceptsWhenAValueIsRefused() {
        #expect(
            throws: MetricError(
                .invalidLabelValue,
                "label result: \"maybe\" is not accepted; want one of success, failed"
            )
        ) {
            try Fixtures.counter(cartesian: false).apply(.inc, labelValues: ["maybe", "a"], now: now)
        }
        #expect(throws: MetricError.self) {
            try Fixtures.gauge().apply(.set, labelValues: ["17", "n"], value: 1, now: now)
        }
        #expect(throws: MetricError.self) {
            try Fixtures.gauge().apply(.set, labelValues: ["1.2", "line\nbreak"], value: 1, now: now)
        }
        #expect(throws: MetricError.self) {
            try Fixtures.gauge().apply(
                .set,
                labelValues: ["1.2", String(repeating: "x", count: 300)],
                value: 1,
                now: now
            )
        }
    }

    @Test func refusesControlCharactersHiddenInAGraphemeCluster() {
        let checker = LabelChecker(.text("t"))
        #expect(checker.problem(with: "a\r\nb") != nil)
        #expect(checker.problem(with: "caf\u{65}\u{301}") == nil)
        #expect(LabelChecker(.jobID()).problem(with: "١٢٣") != nil, "only ASCII digits")
    }

    @Test func escapesAQuoteEvenWhenACombiningMarkFollowsIt() {
        #expect(FamilyRenderer.escapeLabelValue("\"\u{301}x") == "\\\"\u{301}x")
        #expect(FamilyRenderer.escapeLabelValue("a\r\nb") == "a\r\\nb")
    }

    @Test func holdsEveryCombinationAtZeroUnderACartesianReset() throws {
        let family = Fixtures.counter()
        #expect(family.series.count == 4)
        #expect(family.series.values.allSatisfy { $0.value == 0 })
        try family.apply(.add, labelValues: ["failed", "b"], value: 3, now: now)
        family.reset(now: now)
        #expect(family.series.count == 4)
        #expect(family.series[["failed", "b"]]?.value == 0)
    }

    @Test func removesEverySeriesOnAPlainReset() throws {
        let family = Fixtures.gauge()
        #expect(family.series.isEmpty)
        try family.apply(.set, labelValues: ["1.2", "x"], value: 1, now: now)
        family.reset(now: now)
        #expect(family.series.isEmpty)
    }

    @Test func refusesASeriesPastTheLimitAndChangesNothing() throws {
        let family = Fixtures.gauge(maxSeries: 2)
        try family.apply(.set, labelValues: ["1.1", "a"], value: 1, now: now)
        try family.apply(.set, labelValues: ["1.2", "a"], value: 2, now: now)
        let generation = family.generation
        #expect(throws: MetricError.self) { try family.apply(.set, labelValues: ["1.3", "a"], value: 3, now: now) }
        #expect(family.series.count == 2)
        #expect(family.generation == generation)
        // Existing series still take writes.
        #expect(try family.apply(.inc, labelValues: ["1.2", "a"], now: now) == 3)
    }

    @Test func expiresSeriesNotWrittenForTheirTimeToLive() throws {
        let family = Fixtures.gauge(ttl: 60)
        try family.apply(.set, labelValues: ["1.1", "old"], value: 1, now: now)
        try family.apply(.set, labelValues: ["1.2", "new"], value: 1, now: now + 50)
        #expect(family.expire(now: now + 61) == 1)
        #expect(family.series.keys.map { $0[1] } == ["new"])
    }

    @Test func returnsExpiredSeriesToZeroUnderACartesianReset() throws {
        let family = Fixtures.counter(ttl: 60)
        try family.apply(.add, labelValues: ["success", "a"], value: 5, now: now)
        family.expire(now: now + 120)
        #expect(family.series.count == 4)
        #expect(family.series[["success", "a"]]?.value == 0)
    }

    @Test func keepsTheOneSeriesOfAMetricWithoutLabels() {
        let family = MetricFamily(MetricDefinition(.counter, name: "x_total", help: "X."), maxSeries: 10, now: now)
        #expect(family.series.keys.map(\.count) == [0])
    }
}
