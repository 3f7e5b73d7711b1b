/// One durable fact about the registry: the journal holds writes, a snapshot holds whole series. Metrics are named
/// as under `/api`, so a record finds its family again after a restart; times are wall-clock seconds, so expiry and
/// last-write times survive one.
enum WriteRecord: Equatable {
    /// A write through `MetricFamily.apply`: the push API, webhooks, the scraper.
    case operation(metric: String, time: Double, operation: Operation, labelValues: [String], value: Double)
    /// A value the service computed and stored itself (`MetricFamily.store`).
    case stored(metric: String, time: Double, labelValues: [String], value: Double)
    /// `DELETE /api/<metric>`.
    case reset(metric: String, time: Double)
    /// An expiry pass that dropped (or zeroed) series: replayed at its time, so a series expired before a later write
    /// does not come back with its old value under that write.
    case expired(metric: String, time: Double)
    /// A snapshot's first record: it holds every write of the journal segments numbered up to `coveredSegment`.
    case snapshotStart(coveredSegment: UInt64, time: Double)
    /// A snapshot's series, whole; `bounds` are the histogram's bucket bounds when it was taken.
    case series(SeriesState)
    /// A snapshot's record of when a family was last written, which its series alone do not tell after a reset.
    case familyWritten(metric: String, time: Double)
    /// A snapshot's last record, with how many came before it: a snapshot without it is incomplete.
    case snapshotEnd(records: UInt64)

    struct SeriesState: Equatable {
        var metric: String
        var labelValues: [String]
        var lastWrite: Double
        var value: Double
        var bounds: [Double]
        var bucketCounts: [UInt64]
        var sum: Double
        var count: UInt64
    }

    struct Malformed: Error {}

    private enum Tag: UInt8 {
        case operation = 1
        case stored = 2
        case reset = 3
        case expired = 4
        case snapshotStart = 10
        case series = 11
        case familyWritten = 12
        case snapshotEnd = 13
    }

    /// Appends this record in the version 1 framing (length and checksum only), as files before version 2 hold it.
    func append(to buffer: inout [UInt8]) {
        RecordFraming.append(to: &buffer) { payload in writePayload(into: &payload) }
    }

    /// Appends the payload alone; the caller frames it.
    func writePayload(into payload: inout [UInt8]) {
        switch self {
        case .operation(let metric, let time, let operation, let labelValues, let value):
            PayloadWriter.put(Tag.operation.rawValue, &payload)
            PayloadWriter.put(metric, &payload)
            PayloadWriter.put(time, &payload)
            PayloadWriter.put(operation.rawValue, &payload)
            Self.put(labelValues, &payload)
            PayloadWriter.put(value, &payload)
        case .stored(let metric, let time, let labelValues, let value):
            PayloadWriter.put(Tag.stored.rawValue, &payload)
            PayloadWriter.put(metric, &payload)
            PayloadWriter.put(time, &payload)
            Self.put(labelValues, &payload)
            PayloadWriter.put(value, &payload)
        case .reset(let metric, let time):
            PayloadWriter.put(Tag.reset.rawValue, &payload)
            PayloadWriter.put(metric, &payload)
            PayloadWriter.put(time, &payload)
        case .expired(let metric, let time):
            PayloadWriter.put(Tag.expired.rawValue, &payload)
            PayloadWriter.put(metric, &payload)
            PayloadWriter.put(time, &payload)
        case .snapshotStart(let coveredSegment, let time):
            PayloadWriter.put(Tag.snapshotStart.rawValue, &payload)
            PayloadWriter.put(coveredSegment, &payload)
            PayloadWriter.put(time, &payload)
        case .series(let state):
            PayloadWriter.put(Tag.series.rawValue, &payload)
            PayloadWriter.put(state.metric, &payload)
            Self.put(state.labelValues, &payload)
            PayloadWriter.put(state.lastWrite, &payload)
            PayloadWriter.put(state.value, &payload)
            PayloadWriter.put(UInt64(state.bounds.count), &payload)
            for bound in state.bounds { PayloadWriter.put(bound, &payload) }
            PayloadWriter.put(UInt64(state.bucketCounts.count), &payload)
            for count in state.bucketCounts { PayloadWriter.put(count, &payload) }
            PayloadWriter.put(state.sum, &payload)
            PayloadWriter.put(state.count, &payload)
        case .familyWritten(let metric, let time):
            PayloadWriter.put(Tag.familyWritten.rawValue, &payload)
            PayloadWriter.put(metric, &payload)
            PayloadWriter.put(time, &payload)
        case .snapshotEnd(let records):
            PayloadWriter.put(Tag.snapshotEnd.rawValue, &payload)
            PayloadWriter.put(records, &payload)
        }
    }

    /// Reads a payload back; a checksummed payload that still does not parse (a newer format, say) is `Malformed`.
    init(payload: ArraySlice<UInt8>) throws(Malformed) {
        var reader = PayloadReader(payload)
        do {
            guard let tag = Tag(rawValue: try reader.byte()) else { throw Malformed() }
            switch tag {
            case .operation:
                let metric = try reader.string()
                let time = try reader.double()
                guard let operation = Operation(rawValue: try reader.string()) else { throw Malformed() }
                self = .operation(
                    metric: metric,
                    time: time,
                    operation: operation,
                    labelValues: try Self.labelValues(&reader),
                    value: try reader.double()
                )
            case .stored:
                self = .stored(
                    metric: try reader.string(),
                    time: try reader.double(),
                    labelValues: try Self.labelValues(&reader),
                    value: try reader.double()
                )
            case .reset:
                self = .reset(metric: try reader.string(), time: try reader.double())
            case .expired:
                self = .expired(metric: try reader.string(), time: try reader.double())
            case .snapshotStart:
                self = .snapshotStart(coveredSegment: try reader.uint64(), time: try reader.double())
            case .series:
                let metric = try reader.string()
                let labelValues = try Self.labelValues(&reader)
                let lastWrite = try reader.double()
                let value = try reader.double()
                let bounds = try (0..<Self.count(&reader)).map { _ throws(PayloadReader.Short) in try reader.double() }
                let counts = try (0..<Self.count(&reader)).map { _ throws(PayloadReader.Short) in try reader.uint64() }
                self = .series(
                    SeriesState(
                        metric: metric,
                        labelValues: labelValues,
                        lastWrite: lastWrite,
                        value: value,
                        bounds: bounds,
                        bucketCounts: counts,
                        sum: try reader.double(),
                        count: try reader.uint64()
                    )
                )
            case .familyWritten:
                self = .familyWritten(metric: try reader.string(), time: try reader.double())
            case .snapshotEnd:
                self = .snapshotEnd(records: try reader.uint64())
            }
        } catch {
            throw Malformed()
        }
        guard reader.isAtEnd else { throw Malformed() }
    }

    private static func put(_ labelValues: [String], _ payload: inout [UInt8]) {
        PayloadWriter.put(UInt8(truncatingIfNeeded: labelValues.count), &payload)
        for value in labelValues { PayloadWriter.put(value, &payload) }
    }

    private static func labelValues(_ reader: inout PayloadReader) throws(PayloadReader.Short) -> [String] {
        try (0..<Int(try reader.byte())).map { _ throws(PayloadReader.Short) in try reader.string() }
    }

    /// An element count, bounded so that a corrupt one cannot ask for gigabytes.
    private static func count(_ reader: inout PayloadReader) throws(PayloadReader.Short) -> Int {
        let count = try reader.uint64()
        guard count <= 4_096 else { throw PayloadReader.Short() }
        return Int(count)
    }
}
