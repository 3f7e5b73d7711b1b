/// The payload fields of the pushed groups' records (`WriteRecord.push`, `.pushedGroup`, `.pushedFamily`): keys as
/// byte pairs and families as the protobuf the Pushgateway's clients send (`ProtobufWriter`), so lengths are never
/// cut and boot reads them back through the decoder every push goes through.
enum PushPayload {
    private enum Change: UInt8 {
        case pushed = 1
        case failed = 2
        case deleted = 3
        case wiped = 4
    }

    static func put(_ change: PushChange, _ payload: inout [UInt8]) {
        switch change {
        case .pushed(let key, let families, let replace, let timeToLive, let time):
            PayloadWriter.put(Change.pushed.rawValue, &payload)
            PayloadWriter.put(time, &payload)
            put(key, &payload)
            PayloadWriter.put(replace ? 1 as UInt8 : 0, &payload)
            PayloadWriter.put(timeToLive ?? .nan, &payload)
            put(families, &payload)
        case .failed(let key, let time):
            PayloadWriter.put(Change.failed.rawValue, &payload)
            PayloadWriter.put(time, &payload)
            put(key, &payload)
        case .deleted(let key, let time):
            PayloadWriter.put(Change.deleted.rawValue, &payload)
            PayloadWriter.put(time, &payload)
            put(key, &payload)
        case .wiped(let time):
            PayloadWriter.put(Change.wiped.rawValue, &payload)
            PayloadWriter.put(time, &payload)
        }
    }

    static func change(_ reader: inout PayloadReader) throws -> PushChange {
        guard let kind = Change(rawValue: try reader.byte()) else { throw WriteRecord.Malformed() }
        let time = try reader.double()
        switch kind {
        case .pushed:
            let key = try self.key(&reader)
            let replace = try reader.byte() == 1
            let timeToLive = timeToLive(try reader.double())
            return .pushed(
                key: key,
                families: try families(&reader),
                replace: replace,
                timeToLive: timeToLive,
                time: time
            )
        case .failed: return .failed(key: try key(&reader), time: time)
        case .deleted: return .deleted(key: try key(&reader), time: time)
        case .wiped: return .wiped(time: time)
        }
    }

    static func put(_ key: GroupingKey, _ payload: inout [UInt8]) {
        PayloadWriter.put(UInt64(key.labels.count), &payload)
        for label in key.labels {
            PayloadWriter.put(bytes: label.name, &payload)
            PayloadWriter.put(bytes: label.value, &payload)
        }
    }

    static func key(_ reader: inout PayloadReader) throws -> GroupingKey {
        let count = try reader.uint64()
        guard count > 0, count <= 4_096 else { throw WriteRecord.Malformed() }
        var labels: [PushedLabel] = []
        for _ in 0..<count {
            labels.append(PushedLabel(name: try reader.prefixedBytes(), value: try reader.prefixedBytes()))
        }
        return GroupingKey(sorted: labels)
    }

    static func put(_ families: [PushedFamily], _ payload: inout [UInt8]) {
        PayloadWriter.put(bytes: ProtobufWriter.delimited(families), &payload)
    }

    static func families(_ reader: inout PayloadReader) throws -> [PushedFamily] {
        try MetricFamilyProtobuf.decodeDelimited(try reader.prefixedBytes())
    }

    /// NaN stands for none.
    static func timeToLive(_ value: Double) -> Double? {
        value.isNaN ? nil : value
    }
}
