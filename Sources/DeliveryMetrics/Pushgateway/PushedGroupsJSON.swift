/// `GET /api/v1/metrics` in the Pushgateway's shape: `{"status":"success","data":[group, ...]}`, each group its
/// `labels`, `last_push_successful` and one object per family (`time_stamp`, `type`, `help` unless empty,
/// `metrics`), every number a string as Go's `%v` writes it. Object keys are sorted, as Go's encoder sorts a map's;
/// groups are in key order (the Pushgateway's are in Go's map order, which changes from call to call).
enum PushedGroupsJSON {
    static func render(_ store: PushStore) -> String {
        let groups = store.groups.values.sorted { PushStore.precedes($0.key.labels, $1.key.labels) }
        return "{\"status\":\"success\",\"data\":[" + groups.map(group).joined(separator: ",") + "]}"
    }

    private static func group(_ group: PushGroup) -> String {
        var members: [(String, String)] = [
            ("labels", labels(group.key.labels)),
            ("last_push_successful", group.failureTime <= group.pushTime ? "true" : "false"),
        ]
        for stored in group.families.values {
            members.append((String(decoding: stored.family.name, as: UTF8.self), family(stored.family, stored.time)))
        }
        let exposed = group.key.exposedLabels
        let success = PushedFamily(
            name: PushTimes.success,
            help: Array(PushTimes.successHelp.utf8),
            kind: .gauge,
            metrics: [PushedMetric(labels: exposed, gauge: group.pushTime)]
        )
        let failure = PushedFamily(
            name: PushTimes.failure,
            help: Array(PushTimes.failureHelp.utf8),
            kind: .gauge,
            metrics: [PushedMetric(labels: exposed, gauge: group.failureTime)]
        )
        members.append(("push_time_seconds", family(success, group.pushTime)))
        members.append(("push_failure_time_seconds", family(failure, max(group.failureTime, group.pushTime))))
        return object(members)
    }

    private static func family(_ family: PushedFamily, _ time: Double) -> String {
        var members: [(String, String)] = [
            ("time_stamp", string(LogFormatter.rfc3339(time))),
            ("type", string(PushTypeName.of(family.kind))),
            ("metrics", "[" + family.metrics.map(metric).joined(separator: ",") + "]"),
        ]
        if let help = family.help, !help.isEmpty {
            members.append(("help", string(String(decoding: help, as: UTF8.self))))
        }
        return object(members)
    }

    private static func metric(_ metric: PushedMetric) -> String {
        var members: [(String, String)] = [("labels", labels(metric.labels))]
        if let summary = metric.summary {
            members.append(("count", string(GoFloat.format(Double(summary.count)))))
            members.append(("sum", string(GoFloat.format(summary.sum))))
            members.append(
                (
                    "quantiles",
                    object(summary.quantiles.map { (GoFloat.format($0.quantile), string(GoFloat.format($0.value))) })
                )
            )
        } else if let histogram = metric.histogram {
            members.append(("count", string(GoFloat.format(Double(histogram.count)))))
            members.append(("sum", string(GoFloat.format(histogram.sum))))
            members.append(
                (
                    "buckets",
                    object(
                        histogram.buckets.map {
                            (GoFloat.format($0.upperBound), string(GoFloat.format(Double($0.cumulativeCount))))
                        }
                    )
                )
            )
        } else {
            members.append(("value", string(GoFloat.format(metric.counter ?? metric.gauge ?? metric.untyped ?? 0))))
        }
        return object(members)
    }

    private static func labels(_ labels: [PushedLabel]) -> String {
        object(
            labels.map { (String(decoding: $0.name, as: UTF8.self), string(String(decoding: $0.value, as: UTF8.self))) }
        )
    }

    /// An object of members already rendered, keys sorted by bytes as Go sorts a map's.
    static func object(_ members: [(String, String)]) -> String {
        "{"
            + members.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }.map { string($0.0) + ":" + $0.1 }
            .joined(separator: ",") + "}"
    }

    static func string(_ text: String) -> String {
        LogFormatter.jsonString(text)
    }
}
