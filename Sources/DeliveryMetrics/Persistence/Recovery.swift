import Logging

/// Boot: the snapshot, then every journal segment after the ones it holds, applied to the registry through the same
/// operations as live writes. What no longer fits the catalogue (a metric removed, labels changed, histogram buckets
/// changed) is skipped and counted. Damage loses only itself: a damaged record is skipped and reading resumes at the
/// next good one (`FrameReader`); a torn tail is cut back to the last whole record. A damaged file is left in place
/// for the next snapshot to rename aside once it holds what could be read (`Report.damagedSegments`,
/// `snapshotDamaged`), so a crash before then loses nothing more. It refuses to start only over a file it cannot
/// read, or one written in a newer format.
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
        /// Segments with damage inside (good records after a bad stretch): renamed aside once a snapshot holds them.
        var damagedSegments: [UInt64] = []
        /// The snapshot is empty, damaged or incomplete: renamed aside when the next one replaces it.
        var snapshotDamaged = false
        /// A snapshot's pushed groups as their records come, put back whole once the snapshot is read.
        var pendingGroups: [GroupingKey: PushGroup] = [:]
    }

    /// A file the boot must not go past: written by a newer version, or not a file at all.
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// Segment numbers from here on are refused: `max + 1` must never overflow, whatever file names a folder holds.
    static let largestSegmentNumber: UInt64 = 1 << 62

    let registry: Registry
    let files: any FileLayer
    let paths: PersistencePaths
    let logger: Logger
    /// Where the webhook deliveries' keys go back to; nil drops them (the journal's other writes still apply).
    var deduplication: WebhookDeduplication?
    /// Where pushed groups go back to; nil drops them.
    var pushes: PushStore?
    /// Boot time: delivery keys older than their memory's age at this time are not restored.
    var now = WallClock.now()

    func run() throws -> Report {
        var report = Report()
        if let snapshot = try files.read(paths.snapshot) {
            if snapshot.isEmpty {
                // Nothing in it to keep until a snapshot replaces it: aside at once, and never warned of again.
                logger.warning(
                    "persistence: the snapshot is empty; renamed aside, loading the journal only",
                    metadata: ["file": "\(paths.snapshot)"]
                )
                try files.rename(paths.snapshot, to: PersistencePaths.damagedName(paths.snapshot, time: Int(now)))
                try DamagedFiles.prune(files: files, paths: paths)
            } else {
                report.snapshotDamaged = try !loadSnapshot(snapshot, &report)
            }
        }
        let names = try files.list(paths.folder)
        for ignored in paths.unusableSegmentNames(in: names) {
            logger.warning(
                "persistence: ignored a file named like a journal segment whose number is out of range",
                metadata: ["file": "\(paths.folder)/\(ignored)"]
            )
        }
        let segments = paths.segmentNumbers(in: names).filter { $0 <= Self.largestSegmentNumber }
        for number in segments where number <= report.coveredSegment {
            // Held by the snapshot; left behind by a crash between the snapshot's rename and this removal.
            try files.remove(paths.segment(number))
        }
        for number in segments where number > report.coveredSegment {
            let path = paths.segment(number)
            guard let bytes = try files.read(path) else { continue }
            if bytes.allSatisfy({ $0 == 0 }) {
                // Opened (and reserved) at a boot that wrote nothing before the next: nothing to keep.
                try files.remove(path)
                continue
            }
            let (payloads, damaged, end) = try frames(of: bytes, file: path)
            // A segment of an earlier run never grows again: the zeros reserved after its records, and anything
            // reserved past its end, go back to the disk.
            files.releaseReservation(path, size: end)
            if damaged { report.damagedSegments.append(number) }
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

    /// The payloads of a file in either format, with damage logged. A torn tail of a journal segment (nothing good
    /// after it) is cut off the file; damage followed by good records marks the file damaged (the second value).
    /// The third is where the file's content ends: before the zeros of its unused reserved space.
    private func frames(of bytes: [UInt8], file: String) throws -> ([ArraySlice<UInt8>], Bool, Int) {
        switch Frames.format(of: bytes) {
        case .newer(let version):
            throw Refusal(
                description: "\(file) is in format version \(version), newer than this service reads "
                    + "(\(Frames.version)); run the newer version, or move the file away to start without it"
            )
        case .legacy:
            // Version 1 cannot resynchronise: what follows the first bad frame is unreadable, so the file is kept
            // whole (renamed aside by the next snapshot) rather than cut.
            let (payloads, validLength) = RecordFraming.payloads(of: bytes)
            warnIfCut(file, total: bytes.count, valid: validLength)
            return (payloads, validLength < bytes.count, bytes.count)
        case .current(let fileID):
            let result = FrameReader.read(bytes, fileID: fileID)
            for damage in result.damage {
                logger.warning(
                    "persistence: skipped a damaged stretch and resumed at the next good record",
                    metadata: ["file": "\(file)", "offset": "\(damage.offset)", "bytes": "\(damage.bytes)"]
                )
            }
            guard let tail = result.tailOffset else {
                return (result.payloads, !result.damage.isEmpty, result.zerosOffset ?? bytes.count)
            }
            // Only a tail after good records is what a crash tears off; a file with no good record at all is damage
            // (a header nobody can read, say), kept whole and set aside, never cut.
            guard !result.payloads.isEmpty else {
                warnIfCut(file, total: bytes.count, valid: tail)
                return (result.payloads, true, bytes.count)
            }
            try cutTail(file, total: bytes.count, valid: tail)
            return (result.payloads, !result.damage.isEmpty, tail)
        }
    }

    /// Loads what the snapshot holds; returns false when it is empty, damaged (a skipped stretch, a cut), or
    /// incomplete (no start, no end, a count that does not match), so that it is renamed aside when the next one
    /// replaces it.
    private func loadSnapshot(_ bytes: [UInt8], _ report: inout Report) throws -> Bool {
        let payloads: [ArraySlice<UInt8>]
        var intact: Bool
        switch Frames.format(of: bytes) {
        case .newer(let version):
            throw Refusal(
                description: "\(paths.snapshot) is in format version \(version), newer than this service reads "
                    + "(\(Frames.version)); run the newer version, or move the file away to start without it"
            )
        case .legacy:
            let (legacy, validLength) = RecordFraming.payloads(of: bytes)
            payloads = legacy
            intact = validLength == bytes.count
            warnIfCut(paths.snapshot, total: bytes.count, valid: validLength)
        case .current(let fileID):
            let result = FrameReader.read(bytes, fileID: fileID)
            payloads = result.payloads
            intact = result.damage.isEmpty && result.tailOffset == nil
            for damage in result.damage {
                logger.warning(
                    "persistence: skipped a damaged stretch of the snapshot and resumed at the next good record",
                    metadata: ["file": "\(paths.snapshot)", "offset": "\(damage.offset)", "bytes": "\(damage.bytes)"]
                )
            }
            warnIfCut(paths.snapshot, total: bytes.count, valid: result.tailOffset ?? bytes.count)
        }
        var records = payloads.lazy.map { try? WriteRecord(payload: $0) }.makeIterator()
        var first = records.next()
        if case .snapshotStart(let covered, _)?? = first {
            report.coveredSegment = covered
            first = nil
        } else {
            // Its first record is lost: the series after it are whole states and still come back; without the
            // segment number it held, every journal segment left is replayed after it.
            logger.warning(
                "persistence: the snapshot has no valid start; loading the series it still holds, then the journal",
                metadata: ["file": "\(paths.snapshot)"]
            )
            intact = false
        }
        if let pending = first, let record = pending, !record.isSnapshotBoundary {
            apply(record, &report)
        }
        var complete = false
        var count: UInt64 = 0
        while let next = records.next() {
            guard let record = next else {
                report.skipped["(unreadable record)", default: 0] += 1
                continue
            }
            if case .snapshotEnd(let written) = record {
                complete = written == count
                break
            }
            count += 1
            apply(record, &report)
        }
        restorePushedGroups(&report)
        if !complete {
            logger.warning(
                "persistence: the snapshot is incomplete; loaded what it holds",
                metadata: ["file": "\(paths.snapshot)"]
            )
        }
        return complete && intact
    }

    private func cutTail(_ file: String, total: Int, valid: Int) throws {
        guard valid < total else { return }
        warnIfCut(file, total: total, valid: valid)
        // What a crash tore off the end never got a `200`: the file goes back to its last whole record.
        try files.truncate(file, to: valid)
    }

    private func warnIfCut(_ file: String, total: Int, valid: Int) {
        guard valid < total else { return }
        logger.warning(
            "persistence: cut a torn or corrupt tail",
            metadata: ["file": "\(file)", "dropped_bytes": "\(total - valid)", "kept_bytes": "\(valid)"]
        )
    }

    /// The snapshot's pushed groups into the store, in key order; one that no longer fits is skipped and counted.
    private func restorePushedGroups(_ report: inout Report) {
        let groups = report.pendingGroups.values.sorted { PushStore.precedes($0.key.labels, $1.key.labels) }
        report.pendingGroups = [:]
        for group in groups {
            if pushes?.restore(group) == true {
                report.applied += 1
            } else {
                report.skipped["pushed group \(group.key.description): no longer fits", default: 0] += 1
            }
        }
    }

    /// A pushed-group record: a journal's change applied to the store as it was at its time, a snapshot's kept
    /// for `restorePushedGroups`.
    private func applyPushed(_ record: WriteRecord, _ report: inout Report) {
        switch record {
        case .push(let change):
            guard let pushes else { return }
            switch change {
            case .pushed(let key, let families, let replace, let timeToLive, let time):
                do throws(PushRefusal) {
                    try pushes.push(families, to: key, replace: replace, timeToLive: timeToLive, now: time)
                } catch {
                    report.skipped["pushed group \(key.description): \(error.reason.label)", default: 0] += 1
                    return
                }
            case .failed(let key, let time): pushes.recordFailure(key, now: time)
            case .deleted(let key, let time): pushes.delete(key, now: time)
            case .wiped(let time): pushes.wipe(now: time)
            }
            report.applied += 1
        case .pushedGroup(let key, let pushTime, let failureTime, let timeToLive):
            var group = PushGroup(key: key)
            group.pushTime = pushTime
            group.failureTime = failureTime
            group.timeToLive = timeToLive
            report.pendingGroups[key] = group
        case .pushedFamily(let key, let time, let family):
            guard report.pendingGroups[key] != nil else {
                report.skipped["(pushed family without its group)", default: 0] += 1
                return
            }
            report.pendingGroups[key]!.families[family.name] = StoredFamily(family: family, time: time)
        default:
            return
        }
    }

    private func apply(_ record: WriteRecord, _ report: inout Report) {
        let metric: String
        switch record {
        case .push, .pushedGroup, .pushedFamily:
            applyPushed(record, &report)
            return
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
            case .snapshotStart, .snapshotEnd, .webhookDelivery, .push, .pushedGroup, .pushedFamily:
                return
            }
            report.applied += 1
        } catch {
            report.skipped["\(metric): \(error.reason.label)", default: 0] += 1
        }
    }
}
