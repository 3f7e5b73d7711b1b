@_spi(Harness) @testable import DeliveryMetrics

/// Pushed families, keys and stores as the Pushgateway tests build them.
enum PushFixtures {
    static func label(_ name: String, _ value: String) -> PushedLabel {
        PushedLabel(name: Array(name.utf8), value: Array(value.utf8))
    }

    static func key(_ path: String) throws -> GroupingKey {
        try GroupingKey.parse(path: Array(path.utf8))
    }

    /// A family of one kind with one series per label set, each holding `value` in the kind's field.
    static func family(
        _ name: String,
        _ kind: PushedFamily.Kind,
        help: String? = nil,
        series: [[(String, String)]] = [[]],
        value: Double = 1
    ) -> PushedFamily {
        PushedFamily(
            name: Array(name.utf8),
            help: help.map { Array($0.utf8) },
            kind: kind,
            metrics: series.map { labels in metric(kind, labels.map { label($0.0, $0.1) }, value) }
        )
    }

    static func metric(_ kind: PushedFamily.Kind, _ labels: [PushedLabel], _ value: Double) -> PushedMetric {
        var metric = PushedMetric(labels: labels)
        switch kind {
        case .counter: metric.counter = value
        case .gauge: metric.gauge = value
        case .untyped: metric.untyped = value
        case .summary:
            metric.summary = PushedSummary(count: 2, sum: value, quantiles: [.init(quantile: 0.5, value: value)])
        case .histogram:
            metric.histogram = PushedHistogram(
                count: 3,
                sum: value,
                buckets: [.init(cumulativeCount: 1, upperBound: 1), .init(cumulativeCount: 2, upperBound: 5)]
            )
        case .gaugeHistogram, .unknown: break
        }
        return metric
    }

    static func store(_ limits: PushLimits = PushLimits()) -> PushStore {
        let registry = Registry(Catalogue.definitions(experiments: []), maxSeriesPerMetric: 100, now: 0)
        return PushStore(
            limits: limits,
            ownFamilies: registry.families.map { ($0.definition.fullName, $0.definition.kind) }
        )
    }
}

extension PushStore {
    /// The family `name` of the group at `path`, as stored.
    func stored(_ path: String, _ name: String) throws -> PushedFamily? {
        groups[try PushFixtures.key(path)]?.families[Array(name.utf8)]?.family
    }

    /// The labels of every series of the family `name` of the group at `path`, as `a=1,b=2` lines.
    func seriesLabels(_ path: String, _ name: String) throws -> [String] {
        try stored(path, name)?.metrics.map { metric in
            metric.labels.map {
                String(decoding: $0.name, as: UTF8.self) + "=" + String(decoding: $0.value, as: UTF8.self)
            }
            .joined(separator: ",")
        } ?? []
    }
}
