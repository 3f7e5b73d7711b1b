/// The journal as the registry's write observer: each recorded change becomes one record, a group one record that
/// nests its changes.
extension JournalWriter: WriteObserver {
    func record(_ change: RecordedChange) {
        if group != nil {
            group!.append(change)
            return
        }
        append(WriteRecord(change))
    }

    /// Gathers the changes recorded from now until `endGroup` into one record, so that they reach the disk together
    /// or not at all (a webhook delivery's writes and the keys that recognise its redeliveries).
    func beginGroup() {
        precondition(group == nil, "journal groups do not nest")
        group = []
    }

    func endGroup(_ combine: ([RecordedChange]) -> RecordedChange) {
        guard let changes = group else { return }
        group = nil
        append(WriteRecord(combine(changes)))
    }
}

extension WriteRecord {
    /// The record that keeps `change`.
    init(_ change: RecordedChange) {
        switch change {
        case .applied(let metric, let time, let operation, let labelValues, let value):
            self = .operation(metric: metric, time: time, operation: operation, labelValues: labelValues, value: value)
        case .stored(let metric, let time, let labelValues, let value):
            self = .stored(metric: metric, time: time, labelValues: labelValues, value: value)
        case .reset(let metric, let time):
            self = .reset(metric: metric, time: time)
        case .expired(let metric, let time):
            self = .expired(metric: metric, time: time)
        case .delivery(let source, let keys, let time, let changes):
            self = .webhookDelivery(source: source, keys: keys, time: time, writes: changes.map(WriteRecord.init))
        }
    }
}

/// The journal as the pushed groups' observer: each change one record.
extension JournalWriter: PushObserver {
    func record(_ change: PushChange) {
        append(WriteRecord.push(change))
    }
}
