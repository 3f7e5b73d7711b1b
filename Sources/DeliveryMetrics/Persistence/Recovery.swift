import Logging

/// Boot: the snapshot, then every journal segment after the ones it holds, applied to the registry through the same
/// operations as live writes. What no longer fits the catalogue (a metric removed, labels changed, histogram buckets
/// changed) is skipped and counted; a torn or corrupt tail is cut with a warning. It never refuses to start over
/// the content of a file, only over a file it cannot read.
struct Recovery {
    struct Report {
        var applied = 0
        /// Skipped records by metric and reason, for one warning line each.
        var skipped: [String: Int] = [:]
        var segmentsReplayed = 0
        var journalRecords = 0
        /// The snapshot's segment: every segment up to it is held by the snapshot.
        var coveredSegment: UInt64 = 0
        /// The next segment to write: above every segment on disk.
        var nextSegment: UInt64 = 1
    }

    let registry: Registry
    let files: any FileLayer
    let paths: PersistencePaths
    let logger: Logger
    /// Where the webhook deliveries' keys go back to; nil drops them (the journal's other writes still apply).
    var deduplication: WebhookDeduplication?
    /// Boot time: delivery keys older than their memory's age at this time are not restored.
    var now = WallClock.now()

    func run() throws(IOError) -> Report {
        var report = Report()
        if let snapshot = try files.read(paths.snapshot), !loadSnapshot(snapshot, &report) {
            // Kept for inspection: the next snapshot would otherwise replace the only copy.
            let copy = "\(paths.snapshot).damaged-\(Int(WallClock.now()))"
            try files.replaceAtomically(copy, with: snapshot)
            logger.warning("persistence: kept a copy of the damaged snapshot", metadata: ["file": "\(copy)"])
        }
        let segments = paths.segmentNumbers(in: try files.list(paths.folder))
        for number in segments where number <= report.coveredSegment {
            // Held by the snapshot; left behind by a crash between the snapshot's rename and this removal.
            try files.remove(paths.segment(number))
        }
        for number in segments where number > report.coveredSegment {
            guard let bytes = try files.read(paths.segment(number)) else { continue }
            if bytes.isEmpty {
                // Opened at a boot that wrote nothing before the next: nothing to keep.
                try files.remove(paths.segment(number))
                continue
            }
            let (payloads, validLength) = RecordFraming.payloads(of: bytes)
            warnIfCut(paths.segment(number), total: bytes.count, valid: validLength)
            for payload in payloads {
                guard let record = try? WriteRecord(payload: payload) else {
                    report.skipped["(unreadable record)", default: 0] += 1
                    continue
                }
                apply(record, &report)
                report.journalRecords += 1
            }
            report.segmentsReplayed += 1
        }
        report.nextSegment = max(segments.last ?? 0, report.coveredSegment) + 1
        for (what, count) in report.skipped.sorted(by: { $0.key < $1.key }) {
            logger.warning(
                "persistence: skipped records that no longer fit the catalogue",
                metadata: ["what": "\(what)", "records": "\(count)"]
            )
        }
        return report
    }

    /// Loads what the snapshot holds; returns false when it is damaged (cut, no start, no end, a count that does not
    /// match), so that a copy is kept before the next snapshot replaces it.
    private func loadSnapshot(_ bytes: [UInt8], _ report: inout Report) -> Bool {
        let (payloads, validLength) = RecordFraming.payloads(of: bytes)
        warnIfCut(paths.snapshot, total: bytes.count, valid: validLength)
        var records = payloads.lazy.map { try? WriteRecord(payload: $0) }.makeIterator()
        guard case .snapshotStart(let covered, _)?? = records.next() else {
            guard !bytes.isEmpty else { return true }
            logger.warning(
                "persistence: the snapshot has no valid start; loading the journal only",
                metadata: ["file": "\(paths.snapshot)"]
            )
            return false
        }
        report.coveredSegment = covered
        var complete = false
        var count: UInt64 = 0
        while let next = records.next() {
            guard let record = next else {
                report.skipped["(unreadable record)", default: 0] += 1
                continue
            }
            if case .snapshotEnd(let written) = record {
                complete = written == count && validLength == bytes.count
                break
            }
            count += 1
            apply(record, &report)
        }
        if !complete {
            logger.warning(
                "persistence: the snapshot is incomplete; loaded what it holds",
                metadata: ["file": "\(paths.snapshot)"]
            )
        }
        return complete
    }

    private func warnIfCut(_ file: String, total: Int, valid: Int) {
        guard valid < total else { return }
        logger.warning(
            "persistence: cut a torn or corrupt tail",
            metadata: ["file": "\(file)", "dropped_bytes": "\(total - valid)", "kept_bytes": "\(valid)"]
        )
    }

    private func apply(_ record: WriteRecord, _ report: inout Report) {
        let metric: String
        switch record {
        case .webhookDelivery(let source, let keys, let time, let writes):
            // The keys, then the writes, which are never deliveries themselves (the decoder refuses that).
            if let deduplication {
                if deduplication.restore(keys, source: source, time: time, now: now) {
                    report.applied += 1
                } else {
                    report.skipped["webhook source \(source): no longer configured", default: 0] += 1
                }
            }
            for write in writes { apply(write, &report) }
            return
        case .operation(let name, _, _, _, _), .stored(let name, _, _, _), .reset(let name, _),
            .expired(let name, _), .familyWritten(let name, _):
            metric = name
        case .series(let state):
            metric = state.metric
        case .snapshotStart, .snapshotEnd:
            report.skipped["(snapshot record in a journal)", default: 0] += 1
            return
        }
        guard let family = registry.family(named: metric), family.definition.isPersisted else {
            report.skipped["\(metric): not in the catalogue", default: 0] += 1
            return
        }
        do {
            switch record {
            case .operation(_, let time, let operation, let labelValues, let value):
                try family.apply(operation, labelValues: labelValues, value: value, now: time)
            case .stored(_, let time, let labelValues, let value):
                try family.restoreStored(value, labelValues: labelValues, now: time)
            case .reset(_, let time):
                family.resetSeries(now: time)
                family.markWritten(now: time)
            case .expired(_, let time):
                family.expire(now: time)
            case .familyWritten(_, let time):
                family.markWritten(now: time)
            case .series(let state):
                try family.restore(state)
            case .snapshotStart, .snapshotEnd, .webhookDelivery:
                return
            }
            report.applied += 1
        } catch {
            report.skipped["\(metric): \(error.reason)", default: 0] += 1
        }
    }
}
