/// Every metric family the service exposes, sorted by name.
///
/// The single source of truth: the push API, the webhooks, the scraper and persistence replay all write through
/// `family(named:)` and `MetricFamily.apply`. What is derived from it (the exposition and its render cache, the
/// journal) lives outside `Metrics/` and follows each family's write generation.
@_spi(Harness) public final class Registry {
    @_spi(Harness) public let families: [MetricFamily]
    private let byAPIName: [String: MetricFamily]

    @_spi(Harness) public init(_ definitions: [MetricDefinition], maxSeriesPerMetric: Int, now: Double) {
        families = definitions.map { MetricFamily($0, maxSeries: maxSeriesPerMetric, now: now) }
            .sorted { $0.definition.fullName < $1.definition.fullName }
        var byAPIName: [String: MetricFamily] = [:]
        for family in families {
            let name =
                family.definition.isInCatalogue
                ? family.definition.apiName : family.definition.fullName
            precondition(byAPIName[name] == nil, "metric \(family.definition.fullName) is declared twice")
            byAPIName[name] = family
        }
        self.byAPIName = byAPIName
    }

    /// The family named as under `/api`: `deployment_duration_seconds` for `delivery_deployment_duration_seconds`.
    @_spi(Harness) public func family(named apiName: String) -> MetricFamily? {
        byAPIName[apiName]
    }

    /// The catalogue proper: the `delivery` namespace (not `process_*`).
    var deliveryFamilies: [MetricFamily] {
        families.filter { $0.definition.isInCatalogue }
    }

    /// A number that changes whenever a delivery family picked by `include` is written: the sum of their write
    /// generations, each of which only grows.
    func generation(of include: (MetricDefinition) -> Bool) -> UInt64 {
        families.reduce(0) { total, family in
            family.definition.isInCatalogue && include(family.definition)
                ? total &+ family.generation : total
        }
    }

    /// Expires stale series in every family; returns how many went.
    @discardableResult
    func expire(now: Double) -> Int {
        families.reduce(0) { $0 + $1.expire(now: now) }
    }
}
