/// A pushed body judged on its own and made ready for its group: what the Pushgateway's trial gather would refuse
/// in it is refused here, with one line naming the family or series, and every series gets the group's labels (the
/// key's pairs override the body's, `instance=""` when there is still none, sorted by name).
///
/// Checks on the store as a whole (types across groups, series two groups would both expose) are `PushStore`'s.
enum PushedBody {
    /// The families by name; of a name given twice (protobuf allows it), the last, as the Pushgateway keeps it.
    static func sanitize(
        _ families: [PushedFamily],
        for key: GroupingKey
    ) throws(PushRefusal) -> [(name: [UInt8], family: PushedFamily)] {
        var byName: [[UInt8]: Int] = [:]
        var result: [(name: [UInt8], family: PushedFamily)] = []
        for family in families {
            let checked = try sanitize(family, for: key)
            if let earlier = byName[checked.name] {
                result[earlier].family = checked
            } else {
                byName[checked.name] = result.count
                result.append((checked.name, checked))
            }
        }
        return result
    }

    /// The series' labels as the exposition shows them: `name{a="1",b="2"}`, for messages.
    static func describe(_ name: [UInt8], _ labels: [PushedLabel]) -> String {
        String(decoding: name, as: UTF8.self) + "{"
            + labels.map { String(decoding: $0.name, as: UTF8.self) + "=" + PushedNames.quoted($0.value) }
            .joined(separator: ",") + "}"
    }

    private static func sanitize(_ family: PushedFamily, for key: GroupingKey) throws(PushRefusal) -> PushedFamily {
        let name = family.name
        guard !name.isEmpty else { throw .inconsistent("a metric family without a name") }
        guard PushedNames.isMetricName(name) else {
            throw .inconsistent("\(PushedNames.quoted(name)) is not a valid metric name")
        }
        let shown = String(decoding: name, as: UTF8.self)
        guard !name.hasPrefix("delivery_") else {
            throw .inconsistent("\(shown): the delivery_ namespace is the service's own; push under another name")
        }
        guard name != PushTimes.success, name != PushTimes.failure else {
            throw .inconsistent("\(shown) is kept by the service for every group; push under another name")
        }
        switch family.kind {
        case .counter, .gauge, .untyped, .summary, .histogram: break
        case .gaugeHistogram: throw .inconsistent("\(shown): gauge histograms are not supported")
        case .unknown(let value): throw .inconsistent("\(shown): unknown metric type \(value)")
        }
        if let help = family.help, !PushedNames.isValidUTF8(help) {
            throw .inconsistent("the help of \(shown) is not UTF-8")
        }
        var sanitized = family
        var seen: Set<[PushedLabel]> = []
        for index in sanitized.metrics.indices {
            var metric = sanitized.metrics[index]
            try check(metric, of: family)
            metric.labels = try labels(metric.labels, of: family, for: key)
            guard seen.insert(metric.labels).inserted else {
                throw .inconsistent("\(describe(name, metric.labels)) was pushed twice")
            }
            sanitized.metrics[index] = metric
        }
        return sanitized
    }

    /// One value field, the family's, and no timestamp.
    /// Runs for every series: the family's name is made a string only for a refusal.
    private static func check(_ metric: PushedMetric, of family: PushedFamily) throws(PushRefusal) {
        var shown: String { String(decoding: family.name, as: UTF8.self) }
        guard metric.timestampMilliseconds == nil else {
            throw .inconsistent("\(shown): pushed metrics must not have timestamps")
        }
        var fields = 0
        if metric.counter != nil { fields += 1 }
        if metric.gauge != nil { fields += 1 }
        if metric.untyped != nil { fields += 1 }
        if metric.summary != nil { fields += 1 }
        if metric.histogram != nil { fields += 1 }
        let matching: Bool
        switch family.kind {
        case .counter: matching = metric.counter != nil
        case .gauge: matching = metric.gauge != nil
        case .untyped: matching = metric.untyped != nil
        case .summary: matching = metric.summary != nil
        case .histogram: matching = metric.histogram != nil
        case .gaugeHistogram, .unknown: matching = false
        }
        guard matching, fields == 1 else {
            throw .inconsistent(
                "\(shown): a metric must hold one value, of the family's type \(PushTypeName.of(family.kind))"
            )
        }
        if let histogram = metric.histogram {
            guard !histogram.hasNativeOrFloatFields else {
                throw .inconsistent("\(shown): native and float histograms are not supported; push classic buckets")
            }
            for (index, bucket) in histogram.buckets.enumerated() {
                guard !bucket.upperBound.isNaN,
                    index == 0 || histogram.buckets[index - 1].upperBound < bucket.upperBound
                else {
                    throw .inconsistent("\(shown): bucket bounds must increase and not be NaN")
                }
            }
        }
    }

    /// The body's labels checked, then the key's set over them, `instance=""` added when missing, sorted.
    private static func labels(
        _ given: [PushedLabel],
        of family: PushedFamily,
        for key: GroupingKey
    ) throws(PushRefusal) -> [PushedLabel] {
        var shown: String { String(decoding: family.name, as: UTF8.self) }
        var labels: [PushedLabel] = []
        labels.reserveCapacity(given.count + key.labels.count + 1)
        for label in given {
            guard PushedNames.isLabelName(label.name), !PushedNames.isReservedLabelName(label.name) else {
                throw .inconsistent("\(shown): \(PushedNames.quoted(label.name)) is not a valid label name")
            }
            if family.kind == .histogram, label.name == PushedLabels.le {
                throw .inconsistent("\(shown): a histogram's series cannot carry the label le")
            }
            if family.kind == .summary, label.name == PushedLabels.quantile {
                throw .inconsistent("\(shown): a summary's series cannot carry the label quantile")
            }
            guard PushedNames.isValidUTF8(label.value) else {
                throw .inconsistent("\(shown): the value of label \(PushedNames.quoted(label.name)) is not UTF-8")
            }
            // The key's labels win over the body's.
            if !key.labels.contains(where: { $0.name == label.name }) { labels.append(label) }
        }
        labels.sort { $0.name.lexicographicallyPrecedes($1.name) }
        for index in labels.indices.dropFirst() where labels[index].name == labels[index - 1].name {
            throw .inconsistent("\(shown): label \(PushedNames.quoted(labels[index].name)) given twice")
        }
        labels.append(contentsOf: key.labels)
        if !labels.contains(where: { $0.name == GroupingKey.instance }) {
            labels.append(PushedLabel(name: GroupingKey.instance, value: []))
        }
        labels.sort { $0.name.lexicographicallyPrecedes($1.name) }
        return labels
    }
}

/// The label names histograms and summaries use for their buckets and quantiles.
enum PushedLabels {
    static let le = Array("le".utf8)
    static let quantile = Array("quantile".utf8)
}

/// The names of the two gauges every group has.
enum PushTimes {
    static let success = Array("push_time_seconds".utf8)
    static let failure = Array("push_failure_time_seconds".utf8)
    static let successHelp = "Last Unix time when changing this group in the Pushgateway succeeded."
    static let failureHelp = "Last Unix time when changing this group in the Pushgateway failed."
}

/// client_model's names of the types, as the Pushgateway's messages and `/api/v1/metrics` spell them.
enum PushTypeName {
    static func of(_ kind: PushedFamily.Kind) -> String {
        switch kind {
        case .counter: "COUNTER"
        case .gauge: "GAUGE"
        case .summary: "SUMMARY"
        case .untyped: "UNTYPED"
        case .histogram: "HISTOGRAM"
        case .gaugeHistogram: "GAUGE_HISTOGRAM"
        case .unknown(let value): "\(value)"
        }
    }
}
