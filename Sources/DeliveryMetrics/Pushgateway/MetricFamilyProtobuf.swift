/// Pushgateway bodies in protobuf (`application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
/// encoding=delimited`), what Go's `client_golang/prometheus/push` sends: varint-length-prefixed `MetricFamily`
/// messages of client_model's `metrics.proto` (proto2), decoded by hand (swift-protobuf would bring Foundation).
///
/// As proto2 readers do: unknown fields of every wire type are skipped, a scalar given twice keeps the last, a
/// message field given twice is merged (its repeated fields appended), an absent `type` is COUNTER. Exemplars and
/// created timestamps are skipped. What the body states is kept as stated (a timestamp, native-histogram fields, a
/// value field that does not match the type): judging it is the consistency checks' part, shared with the text
/// format. Families come in the body's order; a repeated name is the caller's to resolve (the Pushgateway keeps the
/// last).
enum MetricFamilyProtobuf {
    /// Every family of a delimited stream. A stream ends cleanly only between messages; one cut short, or a length
    /// that runs past the body, is refused, as is a stream of more than `maxSeries` series (a family without
    /// metrics counts as one), as soon as the count is passed.
    static func decodeDelimited(_ body: [UInt8], maxSeries: Int = .max) throws(PushBodyError) -> [PushedFamily] {
        var stream = ProtobufReader(body)
        var families: [PushedFamily] = []
        var budget = SeriesBudget(limit: maxSeries)
        while !stream.isAtEnd {
            let family = try family(try stream.lengthDelimited(), budget: &budget)
            // A family's first metric was spent as it came; one without any still costs one.
            if family.metrics.isEmpty { try budget.spend() }
            families.append(family)
        }
        return families
    }

    private static func family(
        _ message: ProtobufReader,
        budget: inout SeriesBudget
    ) throws(PushBodyError) -> PushedFamily {
        var family = PushedFamily()
        var reader = message
        // `unit` (5) and whatever a later client_model adds are skipped.
        try reader.fields { key, reader throws(PushBodyError) in
            switch (key.field, key.wireType) {
            case (1, .lengthDelimited): family.name = try reader.byteString()
            case (2, .lengthDelimited): family.help = try reader.byteString()
            case (3, .varint): family.kind = PushedFamily.Kind(protobufValue: try reader.varint())
            case (4, .lengthDelimited):
                try budget.spend()
                family.metrics.append(try metric(try reader.lengthDelimited()))
            default: return false
            }
            return true
        }
        return family
    }

    private static func metric(_ message: ProtobufReader) throws(PushBodyError) -> PushedMetric {
        var metric = PushedMetric()
        var reader = message
        try reader.fields { key, reader throws(PushBodyError) in
            switch (key.field, key.wireType) {
            case (1, .lengthDelimited): metric.labels.append(try label(try reader.lengthDelimited()))
            case (2, .lengthDelimited): metric.gauge = try value(try reader.lengthDelimited(), merging: metric.gauge)
            case (3, .lengthDelimited):
                metric.counter = try value(try reader.lengthDelimited(), merging: metric.counter)
            case (4, .lengthDelimited):
                metric.summary = try summary(try reader.lengthDelimited(), merging: metric.summary)
            case (5, .lengthDelimited):
                metric.untyped = try value(try reader.lengthDelimited(), merging: metric.untyped)
            case (6, .varint): metric.timestampMilliseconds = Int64(bitPattern: try reader.varint())
            case (7, .lengthDelimited):
                metric.histogram = try histogram(try reader.lengthDelimited(), merging: metric.histogram)
            default: return false
            }
            return true
        }
        return metric
    }

    private static func label(_ message: ProtobufReader) throws(PushBodyError) -> PushedLabel {
        var label = PushedLabel(name: [], value: [])
        var reader = message
        try reader.fields { key, reader throws(PushBodyError) in
            switch (key.field, key.wireType) {
            case (1, .lengthDelimited): label.name = try reader.byteString()
            case (2, .lengthDelimited): label.value = try reader.byteString()
            default: return false
            }
            return true
        }
        return label
    }

    /// A `Gauge`, `Counter` or `Untyped`: its `value` (1), 0 when absent; a counter's exemplar (2) and created
    /// timestamp (3) are skipped.
    private static func value(_ message: ProtobufReader, merging earlier: Double?) throws(PushBodyError) -> Double {
        var value = earlier ?? 0
        var reader = message
        try reader.fields { key, reader throws(PushBodyError) in
            guard key.field == 1, key.wireType == .fixed64 else { return false }
            value = try reader.double()
            return true
        }
        return value
    }

    /// Its created timestamp (4) is skipped.
    private static func summary(
        _ message: ProtobufReader,
        merging earlier: PushedSummary?
    ) throws(PushBodyError) -> PushedSummary {
        var summary = earlier ?? PushedSummary()
        var reader = message
        try reader.fields { key, reader throws(PushBodyError) in
            switch (key.field, key.wireType) {
            case (1, .varint): summary.count = try reader.varint()
            case (2, .fixed64): summary.sum = try reader.double()
            case (3, .lengthDelimited):
                var quantile = PushedSummary.Quantile()
                var inner = try reader.lengthDelimited()
                try inner.fields { key, inner throws(PushBodyError) in
                    switch (key.field, key.wireType) {
                    case (1, .fixed64): quantile.quantile = try inner.double()
                    case (2, .fixed64): quantile.value = try inner.double()
                    default: return false
                    }
                    return true
                }
                summary.quantiles.append(quantile)
            default: return false
            }
            return true
        }
        return summary
    }

    /// Its created timestamp (15) and exemplars (16) are skipped, as are a bucket's exemplar (3).
    private static func histogram(
        _ message: ProtobufReader,
        merging earlier: PushedHistogram?
    ) throws(PushBodyError) -> PushedHistogram {
        var histogram = earlier ?? PushedHistogram()
        var reader = message
        try reader.fields { key, reader throws(PushBodyError) in
            switch (key.field, key.wireType) {
            case (1, .varint): histogram.count = try reader.varint()
            case (2, .fixed64): histogram.sum = try reader.double()
            case (3, .lengthDelimited):
                var bucket = PushedHistogram.Bucket()
                var inner = try reader.lengthDelimited()
                try inner.fields { key, inner throws(PushBodyError) in
                    switch (key.field, key.wireType) {
                    case (1, .varint): bucket.cumulativeCount = try inner.varint()
                    case (2, .fixed64): bucket.upperBound = try inner.double()
                    case (4, _):
                        // cumulative_count_float: a float histogram (the value itself is skipped).
                        histogram.hasNativeOrFloatFields = true
                        return false
                    default: return false
                    }
                    return true
                }
                histogram.buckets.append(bucket)
            // sample_count_float, schema, zero threshold and counts, spans, deltas and counts: a float or native
            // histogram, packed or not (the values themselves are skipped).
            case (4...14, _):
                histogram.hasNativeOrFloatFields = true
                return false
            default: return false
            }
            return true
        }
        return histogram
    }
}
