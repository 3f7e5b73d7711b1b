/// Every metric family the service exposes, sorted by name, with a render cache per family and format.
///
/// The single source of truth: the push API, the webhooks, the scraper and (later) persistence replay all write
/// through `family(named:)` and `MetricFamily.apply`. The exposition is derived: a family is rendered again only when
/// its generation changed since the last scrape.
final class Registry {
    let families: [MetricFamily]
    private let byAPIName: [String: MetricFamily]
    private var cache: [ObjectIdentifier: (generation: UInt64, format: ExpositionFormat, text: String)] = [:]

    init(_ definitions: [MetricDefinition], maxSeriesPerMetric: Int, now: Double) {
        families = definitions.map { MetricFamily($0, maxSeries: maxSeriesPerMetric, now: now) }
            .sorted { $0.definition.fullName < $1.definition.fullName }
        var byAPIName: [String: MetricFamily] = [:]
        for family in families {
            let name =
                family.definition.namespace == MetricDefinition.deliveryNamespace
                ? family.definition.apiName : family.definition.fullName
            precondition(byAPIName[name] == nil, "metric \(family.definition.fullName) is declared twice")
            byAPIName[name] = family
        }
        self.byAPIName = byAPIName
    }

    /// The family named as under `/api`: `deployment_duration_seconds` for `delivery_deployment_duration_seconds`.
    func family(named apiName: String) -> MetricFamily? {
        byAPIName[apiName]
    }

    /// A family the service writes itself; its absence from the catalogue is a programming error found at boot.
    func require(_ apiName: String) -> MetricFamily {
        guard let family = byAPIName[apiName] else { fatalError("\(apiName) is missing from the catalogue") }
        return family
    }

    /// The catalogue proper: the `delivery` namespace (not `process_*`).
    var deliveryFamilies: [MetricFamily] {
        families.filter { $0.definition.namespace == MetricDefinition.deliveryNamespace }
    }

    /// Expires stale series in every family; returns how many went.
    @discardableResult
    func expire(now: Double) -> Int {
        families.reduce(0) { $0 + $1.expire(now: now) }
    }

    /// The whole exposition in `format`, reusing each family's last rendering when nothing wrote to it since.
    func render(_ format: ExpositionFormat) -> String {
        var output = ""
        output.reserveCapacity(64 * 1024)
        for family in families {
            let key = ObjectIdentifier(family)
            if let cached = cache[key], cached.generation == family.generation, cached.format == format {
                output += cached.text
                continue
            }
            var text = ""
            FamilyRenderer.render(family, as: format, into: &text)
            cache[key] = (family.generation, format, text)
            output += text
        }
        if format != .text { output += "# EOF\n" }
        return output
    }
}
