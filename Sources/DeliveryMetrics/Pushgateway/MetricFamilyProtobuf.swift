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
    /// that runs past the body, is refused.
    static func decodeDelimited(_ body: [UInt8]) throws(PushBodyError) -> [PushedFamily] {
        var stream = ProtobufReader(body)
        var families: [PushedFamily] = []
        while !stream.isAtEnd {
            var message = try stream.lengthDelimited()
            families.append(try family(&message))
        }
        return families
    }

    private static func family(_ reader: inout ProtobufReader) throws(PushBodyError) -> PushedFamily {
        var family = PushedFamily()
        while !reader.isAtEnd {
            let key = try reader.key()
            switch (key.field, key.wireType) {
            case (1, .lengthDelimited): family.name = try reader.byteString()
            case (2, .lengthDelimited): family.help = try reader.byteString()
            case (3, .varint): family.kind = PushedFamily.Kind(protobufValue: try reader.varint())
            case (4, .lengthDelimited):
                var message = try reader.lengthDelimited()
                family.metrics.append(try metric(&message))
            default: try reader.skip(key.wireType)  // `unit` (5) and whatever a later client_model adds.
            }
        }
        return family
    }

    private static func metric(_ reader: inout ProtobufReader) throws(PushBodyError) -> PushedMetric {
        var metric = PushedMetric()
        while !reader.isAtEnd {
            let key = try reader.key()
            switch (key.field, key.wireType) {
            case (1, .lengthDelimited):
                var message = try reader.lengthDelimited()
                metric.labels.append(try label(&message))
            case (2, .lengthDelimited):
                var message = try reader.lengthDelimited()
                metric.gauge = try value(&message, merging: metric.gauge)
            case (3, .lengthDelimited):
                var message = try reader.lengthDelimited()
                metric.counter = try value(&message, merging: metric.counter)
            case (4, .lengthDelimited):
                var message = try reader.lengthDelimited()
                var summary = metric.summary ?? PushedSummary()
                try merge(&summary, &message)
                metric.summary = summary
            case (5, .lengthDelimited):
                var message = try reader.lengthDelimited()
                metric.untyped = try value(&message, merging: metric.untyped)
            case (6, .varint): metric.timestampMilliseconds = Int64(bitPattern: try reader.varint())
            case (7, .lengthDelimited):
                var message = try reader.lengthDelimited()
                var histogram = metric.histogram ?? PushedHistogram()
                try merge(&histogram, &message)
                metric.histogram = histogram
            default: try reader.skip(key.wireType)
            }
        }
        return metric
    }

    private static func label(_ reader: inout ProtobufReader) throws(PushBodyError) -> PushedLabel {
        var label = PushedLabel(name: [], value: [])
        while !reader.isAtEnd {
            let key = try reader.key()
            switch (key.field, key.wireType) {
            case (1, .lengthDelimited): label.name = try reader.byteString()
            case (2, .lengthDelimited): label.value = try reader.byteString()
            default: try reader.skip(key.wireType)
            }
        }
        return label
    }

    /// A `Gauge`, `Counter` or `Untyped`: its `value` (1), 0 when absent; a counter's exemplar (2) and created
    /// timestamp (3) are skipped.
    private static func value(_ reader: inout ProtobufReader, merging earlier: Double?) throws(PushBodyError) -> Double
    {
        var value = earlier ?? 0
        while !reader.isAtEnd {
            let key = try reader.key()
            if key.field == 1, key.wireType == .fixed64 {
                value = try reader.double()
            } else {
                try reader.skip(key.wireType)
            }
        }
        return value
    }

    private static func merge(_ summary: inout PushedSummary, _ reader: inout ProtobufReader) throws(PushBodyError) {
        while !reader.isAtEnd {
            let key = try reader.key()
            switch (key.field, key.wireType) {
            case (1, .varint): summary.count = try reader.varint()
            case (2, .fixed64): summary.sum = try reader.double()
            case (3, .lengthDelimited):
                var message = try reader.lengthDelimited()
                var quantile = PushedSummary.Quantile()
                while !message.isAtEnd {
                    let inner = try message.key()
                    switch (inner.field, inner.wireType) {
                    case (1, .fixed64): quantile.quantile = try message.double()
                    case (2, .fixed64): quantile.value = try message.double()
                    default: try message.skip(inner.wireType)
                    }
                }
                summary.quantiles.append(quantile)
            default: try reader.skip(key.wireType)  // created_timestamp (4).
            }
        }
    }

    private static func merge(_ histogram: inout PushedHistogram, _ reader: inout ProtobufReader) throws(PushBodyError)
    {
        while !reader.isAtEnd {
            let key = try reader.key()
            switch (key.field, key.wireType) {
            case (1, .varint): histogram.count = try reader.varint()
            case (2, .fixed64): histogram.sum = try reader.double()
            case (3, .lengthDelimited):
                var message = try reader.lengthDelimited()
                var bucket = PushedHistogram.Bucket()
                while !message.isAtEnd {
                    let inner = try message.key()
                    switch (inner.field, inner.wireType) {
                    case (1, .varint): bucket.cumulativeCount = try message.varint()
                    case (2, .fixed64): bucket.upperBound = try message.double()
                    case (4, _):
                        // cumulative_count_float: a float histogram.
                        histogram.hasNativeOrFloatFields = true
                        try message.skip(inner.wireType)
                    default: try message.skip(inner.wireType)  // exemplar (3).
                    }
                }
                histogram.buckets.append(bucket)
            case (4...14, _):
                // sample_count_float, schema, zero threshold and counts, spans, deltas and counts: a float or
                // native histogram, packed or not.
                histogram.hasNativeOrFloatFields = true
                try reader.skip(key.wireType)
            default: try reader.skip(key.wireType)  // created_timestamp (15), exemplars (16).
            }
        }
    }
}
