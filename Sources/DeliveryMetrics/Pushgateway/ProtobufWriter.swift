/// Writes the protobuf wire format of pushed families, what `MetricFamilyProtobuf` reads: the journal keeps an
/// accepted push in it, so what replays at boot goes through the same decoder as what was pushed, with varint
/// lengths that store any name, value or help whole.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    /// `families` as a delimited stream, each message after its length.
    static func delimited(_ families: [PushedFamily]) -> [UInt8] {
        var stream = ProtobufWriter()
        for family in families {
            var message = ProtobufWriter()
            message.family(family)
            stream.varint(UInt64(message.bytes.count))
            stream.bytes += message.bytes
        }
        return stream.bytes
    }

    private mutating func family(_ family: PushedFamily) {
        field(1, family.name)
        if let help = family.help { field(2, help) }
        key(3, 0)
        varint(Self.protobufValue(family.kind))
        for metric in family.metrics {
            message(4) { $0.metric(metric) }
        }
    }

    private mutating func metric(_ metric: PushedMetric) {
        for label in metric.labels {
            message(1) { writer in
                writer.field(1, label.name)
                writer.field(2, label.value)
            }
        }
        if let gauge = metric.gauge { message(2) { $0.double(1, gauge) } }
        if let counter = metric.counter { message(3) { $0.double(1, counter) } }
        if let summary = metric.summary {
            message(4) { writer in
                writer.key(1, 0)
                writer.varint(summary.count)
                writer.double(2, summary.sum)
                for quantile in summary.quantiles {
                    writer.message(3) { inner in
                        inner.double(1, quantile.quantile)
                        inner.double(2, quantile.value)
                    }
                }
            }
        }
        if let untyped = metric.untyped { message(5) { $0.double(1, untyped) } }
        if let timestamp = metric.timestampMilliseconds {
            key(6, 0)
            varint(UInt64(bitPattern: timestamp))
        }
        if let histogram = metric.histogram {
            message(7) { writer in
                writer.key(1, 0)
                writer.varint(histogram.count)
                writer.double(2, histogram.sum)
                for bucket in histogram.buckets {
                    writer.message(3) { inner in
                        inner.key(1, 0)
                        inner.varint(bucket.cumulativeCount)
                        inner.double(2, bucket.upperBound)
                    }
                }
            }
        }
    }

    private static func protobufValue(_ kind: PushedFamily.Kind) -> UInt64 {
        switch kind {
        case .counter: 0
        case .gauge: 1
        case .summary: 2
        case .untyped: 3
        case .histogram: 4
        case .gaugeHistogram: 5
        case .unknown(let value): value
        }
    }

    /// A nested message: written apart, then appended after its length (they nest three deep at most).
    private mutating func message(_ number: UInt64, _ write: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        write(&inner)
        field(number, inner.bytes)
    }

    private mutating func field(_ number: UInt64, _ content: [UInt8]) {
        key(number, 2)
        varint(UInt64(content.count))
        bytes += content
    }

    private mutating func double(_ number: UInt64, _ value: Double) {
        key(number, 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private mutating func key(_ number: UInt64, _ wireType: UInt64) {
        varint(number << 3 | wireType)
    }

    private mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }
}
