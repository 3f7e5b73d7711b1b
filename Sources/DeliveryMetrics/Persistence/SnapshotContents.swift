/// What a snapshot holds, framed as a segment is: a start record naming the last segment it covers, every persisted
/// family's last write and series, the live webhook delivery keys, and an end record with the count.
struct SnapshotContents {
    private(set) var bytes: [UInt8]
    /// The records between the start and end records.
    private(set) var records: UInt64 = 0

    init(
        covering covered: UInt64,
        registry: Registry,
        deduplication: WebhookDeduplication?,
        pushes: PushStore? = nil
    ) {
        var frames = FrameWriter()
        bytes = frames.header
        frames.append(WriteRecord.snapshotStart(coveredSegment: covered, time: WallClock.now()), to: &bytes)
        for family in registry.families where family.definition.isPersisted {
            if let lastWrite = family.lastWrite {
                frames.append(WriteRecord.familyWritten(metric: family.definition.apiName, time: lastWrite), to: &bytes)
                records += 1
            }
            for state in family.snapshotStates() {
                frames.append(WriteRecord.series(state), to: &bytes)
                records += 1
            }
        }
        // The live delivery keys, one record each without writes: the snapshot replaces the journal that held them.
        for entry in deduplication?.entries(now: WallClock.now()) ?? [] {
            frames.append(
                WriteRecord.webhookDelivery(source: entry.source, keys: [entry.key], time: entry.time, writes: []),
                to: &bytes
            )
            records += 1
        }
        // Each pushed group, then its families one record each, so that no record grows with the group.
        for group in pushes?.groups.values.sorted(by: { PushStore.precedes($0.key.labels, $1.key.labels) }) ?? [] {
            frames.append(
                WriteRecord.pushedGroup(
                    key: group.key,
                    pushTime: group.pushTime,
                    failureTime: group.failureTime,
                    timeToLive: group.timeToLive
                ),
                to: &bytes
            )
            records += 1
            for stored in group.families.values.sorted(by: { $0.family.name.lexicographicallyPrecedes($1.family.name) })
            {
                frames.append(
                    WriteRecord.pushedFamily(key: group.key, time: stored.time, family: stored.family),
                    to: &bytes
                )
                records += 1
            }
        }
        frames.append(WriteRecord.snapshotEnd(records: records), to: &bytes)
    }
}
