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
    /// A webhook delivery: the keys that recognise its redeliveries, remembered for `source` at `time`, and the
    /// journal writes it caused, in one record so that a crash keeps both or neither. A snapshot holds the live keys
    /// as such records without writes. The writes are never deliveries themselves.
    case webhookDelivery(source: String, keys: [String], time: Double, writes: [WriteRecord])
    /// A snapshot's first record: it holds every write of the journal segments numbered up to `coveredSegment`.
    case snapshotStart(coveredSegment: UInt64, time: Double)
    /// A snapshot's series, whole; `bounds` are the histogram's bucket bounds when it was taken.
    case series(SeriesState)
    /// A snapshot's record of when a family was last written, which its series alone do not tell after a reset.
    case familyWritten(metric: String, time: Double)
    /// A snapshot's last record, with how many came before it: a snapshot without it is incomplete.
    case snapshotEnd(records: UInt64)
    /// A change to the pushed groups (the Pushgateway protocol): a push, a refused push, a delete, a wipe.
    case push(PushChange)
    /// A snapshot's pushed group, without its families (which follow as `pushedFamily` records, one each, so that
    /// no record grows with the group).
    case pushedGroup(key: GroupingKey, pushTime: Double, failureTime: Double, timeToLive: Double?)
    /// A snapshot's family of a pushed group, with the time of the push that stored it.
    case pushedFamily(key: GroupingKey, time: Double, family: PushedFamily)

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
        case webhookDelivery = 5
        case snapshotStart = 10
        case series = 11
        case familyWritten = 12
        case snapshotEnd = 13
        case push = 6
        case pushedGroup = 14
        case pushedFamily = 15
    }

    /// Appends this record in the version 1 framing (length and checksum only), as files before version 2 hold it.
    func append(to buffer: inout [UInt8]) {
        RecordFraming.append(to: &buffer) { payload in writePayload(into: &payload) }
    }

    /// Appends the payload alone; the caller frames it.
    func writePayload(into payload: inout [UInt8]) {
        if case .webhookDelivery(let source, let keys, let time, let writes) = self {
            PayloadWriter.put(Tag.webhookDelivery.rawValue, &payload)
            PayloadWriter.put(source, &payload)
            PayloadWriter.put(time, &payload)
            PayloadWriter.put(UInt64(keys.count), &payload)
            for key in keys { PayloadWriter.put(key, &payload) }
            PayloadWriter.put(UInt64(writes.count), &payload)
            // Each write's fields as its own payload holds them: they delimit themselves.
            for write in writes { write.putFields(&payload) }
        } else {
            putFields(&payload)
        }
    }

    /// The payload of a record other than a delivery.
    private func putFields(_ payload: inout [UInt8]) {
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
        case .push(let change):
            PayloadWriter.put(Tag.push.rawValue, &payload)
            PushPayload.put(change, &payload)
        case .pushedGroup(let key, let pushTime, let failureTime, let timeToLive):
            PayloadWriter.put(Tag.pushedGroup.rawValue, &payload)
            PushPayload.put(key, &payload)
            PayloadWriter.put(pushTime, &payload)
            PayloadWriter.put(failureTime, &payload)
            PayloadWriter.put(timeToLive ?? .nan, &payload)
        case .pushedFamily(let key, let time, let family):
            PayloadWriter.put(Tag.pushedFamily.rawValue, &payload)
            PushPayload.put(key, &payload)
            PayloadWriter.put(time, &payload)
            PushPayload.put([family], &payload)
        case .webhookDelivery:
            // `append` writes deliveries; the journal's groups do not nest, so none holds another.
            preconditionFailure("a webhook delivery inside another")
        }
    }

    /// Reads a payload back; a checksummed payload that still does not parse (a newer format, say) is `Malformed`.
    init(payload: ArraySlice<UInt8>) throws(Malformed) {
        var reader = PayloadReader(payload)
        do {
            let tag = try Self.tag(&reader)
            self = tag == .webhookDelivery ? try Self.delivery(&reader) : try Self.fields(tag, &reader)
        } catch {
            throw Malformed()
        }
        guard reader.isAtEnd else { throw Malformed() }
    }

    /// A write a family journals: what a delivery groups.
    private var isFamilyWrite: Bool {
        switch self {
        case .operation, .stored, .reset, .expired: true
        default: false
        }
    }

    private static func tag(_ reader: inout PayloadReader) throws -> Tag {
        guard let tag = Tag(rawValue: try reader.byte()) else { throw Malformed() }
        return tag
    }

    /// A delivery's fields, after its tag; each write is read as its own payload would be.
    private static func delivery(_ reader: inout PayloadReader) throws -> WriteRecord {
        let source = try reader.string()
        let time = try reader.double()
        let keys = try (0..<Self.count(&reader)).map { _ throws(PayloadReader.Short) in try reader.string() }
        var writes: [WriteRecord] = []
        for _ in 0..<(try Self.count(&reader)) {
            let write = try Self.fields(try Self.tag(&reader), &reader)
            guard write.isFamilyWrite else { throw Malformed() }
            writes.append(write)
        }
        return .webhookDelivery(source: source, keys: keys, time: time, writes: writes)
    }

    /// The fields of a record other than a delivery, after its tag.
    private static func fields(_ tag: Tag, _ reader: inout PayloadReader) throws -> WriteRecord {
        switch tag {
        case .operation:
            let metric = try reader.string()
            let time = try reader.double()
            guard let operation = Operation(rawValue: try reader.string()) else { throw Malformed() }
            return .operation(
                metric: metric,
                time: time,
                operation: operation,
                labelValues: try Self.labelValues(&reader),
                value: try reader.double()
            )
        case .stored:
            return .stored(
                metric: try reader.string(),
                time: try reader.double(),
                labelValues: try Self.labelValues(&reader),
                value: try reader.double()
            )
        case .reset:
            return .reset(metric: try reader.string(), time: try reader.double())
        case .expired:
            return .expired(metric: try reader.string(), time: try reader.double())
        case .snapshotStart:
            return .snapshotStart(coveredSegment: try reader.uint64(), time: try reader.double())
        case .series:
            let metric = try reader.string()
            let labelValues = try Self.labelValues(&reader)
            let lastWrite = try reader.double()
            let value = try reader.double()
            let bounds = try (0..<Self.count(&reader)).map { _ throws(PayloadReader.Short) in try reader.double() }
            let counts = try (0..<Self.count(&reader)).map { _ throws(PayloadReader.Short) in try reader.uint64() }
            return .series(
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
            return .familyWritten(metric: try reader.string(), time: try reader.double())
        case .snapshotEnd:
            return .snapshotEnd(records: try reader.uint64())
        case .push:
            return .push(try PushPayload.change(&reader))
        case .pushedGroup:
            return .pushedGroup(
                key: try PushPayload.key(&reader),
                pushTime: try reader.double(),
                failureTime: try reader.double(),
                timeToLive: PushPayload.timeToLive(try reader.double())
            )
        case .pushedFamily:
            let key = try PushPayload.key(&reader)
            let time = try reader.double()
            let families = try PushPayload.families(&reader)
            guard families.count == 1 else { throw Malformed() }
            return .pushedFamily(key: key, time: time, family: families[0])
        case .webhookDelivery:
            // Only at the top of a payload: a delivery's writes are never deliveries.
            throw Malformed()
        }
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

extension WriteRecord {
    /// A snapshot's first or last record, which holds no state of its own.
    var isSnapshotBoundary: Bool {
        switch self {
        case .snapshotStart, .snapshotEnd: true
        default: false
        }
    }
}
