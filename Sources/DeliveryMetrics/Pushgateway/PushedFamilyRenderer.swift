/// Writes a merged pushed family in text 0.0.4 or OpenMetrics 1.0, as Go's `expfmt` writes a gathered one: HELP
/// (when there is one) then TYPE, each series' labels sorted, a histogram's `+Inf` bucket added from its count when
/// the push had none, summaries' quantiles then `_sum` and `_count`.
///
/// In OpenMetrics a counter's samples must end in `_total`, which the family name drops; a counter pushed without
/// the suffix is written as `unknown`, as the service writes its own (renaming the samples would break every query
/// on them), and so is an untyped family. The `_created` gauges Python's client pushes beside its counters,
/// histograms and summaries are, in OpenMetrics, those families' own `_created` samples (a family of that name would
/// clash with them): `created` holds them by label set, written after each series' samples.
enum PushedFamilyRenderer {
    /// `header` false writes the samples alone, for a family merged into one of the service's own (`process_*`),
    /// whose HELP and TYPE come first.
    static func render(
        _ family: PushedFamily,
        as format: ExpositionFormat,
        header: Bool = true,
        created: [[PushedLabel]: Double] = [:],
        into output: inout String
    ) {
        guard !family.metrics.isEmpty else { return }
        let openMetrics = format != .text
        let name = String(decoding: family.name, as: UTF8.self)
        if header {
            var familyName = name
            var type: String
            switch family.kind {
            case .counter: type = "counter"
            case .gauge: type = "gauge"
            case .summary: type = "summary"
            case .histogram: type = "histogram"
            case .untyped, .gaugeHistogram, .unknown: type = openMetrics ? "unknown" : "untyped"
            }
            if openMetrics, family.kind == .counter {
                if name.hasSuffix("_total") { familyName.removeLast("_total".count) } else { type = "unknown" }
            }
            if let help = family.help, !help.isEmpty {
                let text = FamilyRenderer.escapeHelp(String(decoding: help, as: UTF8.self), openMetrics: openMetrics)
                output += "# HELP \(familyName) \(text)\n"
            }
            output += "# TYPE \(familyName) \(type)\n"
        }
        for metric in family.metrics {
            let pairs = labelPairs(metric.labels)
            let braces = pairs.isEmpty ? "" : "{\(pairs)}"
            let prefix = pairs.isEmpty ? "" : pairs + ","
            if let summary = metric.summary {
                for quantile in summary.quantiles {
                    output +=
                        "\(name){\(prefix)quantile=\"\(float(quantile.quantile, openMetrics))\"} "
                        + "\(float(quantile.value, openMetrics))\n"
                }
                output += "\(name)_sum\(braces) \(float(summary.sum, openMetrics))\n"
                output += "\(name)_count\(braces) \(count(summary.count, openMetrics))\n"
            } else if let histogram = metric.histogram {
                for bucket in histogram.buckets {
                    output +=
                        "\(name)_bucket{\(prefix)le=\"\(float(bucket.upperBound, openMetrics))\"} "
                        + "\(count(bucket.cumulativeCount, openMetrics))\n"
                }
                if histogram.buckets.last?.upperBound != .infinity {
                    output += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(count(histogram.count, openMetrics))\n"
                }
                output += "\(name)_sum\(braces) \(float(histogram.sum, openMetrics))\n"
                output += "\(name)_count\(braces) \(count(histogram.count, openMetrics))\n"
            } else {
                let value = metric.counter ?? metric.gauge ?? metric.untyped ?? 0
                output += "\(name)\(braces) \(float(value, openMetrics))\n"
            }
            if let time = created[metric.labels] {
                let base = family.kind == .counter ? name.dropLast("_total".count) : Substring(name)
                output += "\(base)_created\(braces) \(float(time, openMetrics))\n"
            }
        }
    }

    /// In OpenMetrics, the family whose `_created` samples the pushed family `name` of `kind` holds: a counter
    /// `x_total`'s and a histogram's or summary's `x` are `x_created`. Nil for any other.
    static func createdName(of name: [UInt8], _ kind: PushedFamily.Kind) -> [UInt8]? {
        switch kind {
        case .counter where name.hasSuffix("_total"): Array(name.dropLast("_total".utf8.count)) + Array("_created".utf8)
        case .histogram, .summary: name + Array("_created".utf8)
        default: nil
        }
    }

    /// `name="value",...`, values escaped; the labels are sorted already.
    static func labelPairs(_ labels: [PushedLabel]) -> String {
        FamilyRenderer.labelPairs(
            labels.map { (String(decoding: $0.name, as: UTF8.self), String(decoding: $0.value, as: UTF8.self)) }
        )
    }

    /// A value, bound or quantile: OpenMetrics wants it to look like a float (`1.0`), as the service's own are.
    private static func float(_ value: Double, _ openMetrics: Bool) -> String {
        openMetrics ? FamilyRenderer.openMetricsFloat(value) : GoFloat.format(value)
    }

    /// Text writes counts as floats, OpenMetrics as integers.
    private static func count(_ value: UInt64, _ openMetrics: Bool) -> String {
        openMetrics ? String(value) : GoFloat.format(Double(value))
    }
}
