import Logging
import Loop

/// Durable writes: a `200` means the write is on disk. Owns the journal writer and the snapshots; the application
/// defers a writing request's response until `whenDurable` calls back.
///
/// Boot (`open`) takes the state folder's lock and reads the files synchronously, before the loop serves anything;
/// after that, every file operation runs on libuv's thread pool and the loop never waits on disk.
///
/// Which failure takes which path: a write or `fdatasync` of data already applied that fails (ENOSPC included) is
/// never retried and stops the process (503, exit 1), since memory now holds what the disk may not; a reservation
/// that fails (the disk is full) only refuses new writes with 507 before they apply, until space is free again; a
/// snapshot that fails or does not fit is logged and tried again at the next interval, the journal left in place.
final class Persistence {
    /// A persistence file that cannot be used at all: the process says why on one line and exits 2.
    struct Unusable: Error, CustomStringConvertible {
        let description: String
    }

    let writer: JournalWriter
    private let loop: EventLoop
    private let registry: Registry
    private let deduplication: WebhookDeduplication?
    private let pushes: PushStore?
    private let files: any FileLayer
    private let paths: PersistencePaths
    private let logger: Logger
    private let intervalMilliseconds: UInt64
    private let syncs: MetricFamily
    private let batchRecords: MetricFamily
    private let snapshots: MetricFamily
    private var flushHook: IterationHook?
    private var snapshotTimer: Timer?
    private let damagedFiles: MetricFamily
    private let diskFull: MetricFamily
    private var snapshotInFlight = false
    private var recordsAtLastSnapshot = 0
    private let onFailure: () -> Void
    /// Whether boot found something a first snapshot should fold away or replace: journal records, a damaged
    /// snapshot or segment. Taken at boot only if it fits on the disk.
    private let snapshotAtStart: Bool
    /// Damage found at boot, renamed aside by the first snapshot that holds what could be read of it.
    private var damagedSnapshot: Bool
    private var damagedSegments: [UInt64]
    private let lock: StateLock

    var hasFailed: Bool { writer.hasFailed }

    /// Whether a new write may apply: the journal holds reserved space for it. False while the disk is full.
    var hasRoomForWrites: Bool { !writer.hasFailed && writer.hasRoomForWrites }

    /// Replays what is on disk into `registry` (and the webhook deliveries' keys into `deduplication`), then opens a
    /// new journal segment and attaches it to every persisted family and to `deduplication`.
    init(
        path: String,
        intervalMilliseconds: UInt64,
        registry: Registry,
        deduplication: WebhookDeduplication? = nil,
        pushes: PushStore? = nil,
        loop: EventLoop,
        logger: Logger,
        files: any FileLayer = POSIXFileLayer(),
        reservationBytes: Int = JournalWriter.defaultReservation,
        onFailure: @escaping () -> Void
    ) throws(Unusable) {
        paths = PersistencePaths(snapshot: StateFolder.resolvingLink(path))
        self.loop = loop
        self.registry = registry
        self.deduplication = deduplication
        self.pushes = pushes
        self.files = files
        self.logger = logger
        self.intervalMilliseconds = intervalMilliseconds
        self.onFailure = onFailure
        syncs = registry.family(.persistenceSyncs)
        batchRecords = registry.family(.persistenceBatchRecords)
        snapshots = registry.family(.persistenceSnapshots)
        damagedFiles = registry.family(.persistenceDamagedFiles)
        diskFull = registry.family(.persistenceDiskFull)
        let report: Recovery.Report
        let descriptor: Int32
        do {
            try StateFolder.make(paths.folder)
        } catch {
            throw Unusable(description: "persistence file \(path) cannot be used: \(error)")
        }
        // Before anything in the folder is read, changed or removed: a second process must not touch the files.
        lock = try StateLock(statePath: paths.snapshot)
        do {
            report = try Recovery(
                registry: registry,
                files: files,
                paths: paths,
                logger: logger,
                deduplication: deduplication,
                pushes: pushes
            ).run()
            descriptor = try files.openSegment(paths.segment(report.nextSegment))
        } catch {
            lock.release()
            throw Unusable(description: "persistence file \(path) cannot be used: \(error)")
        }
        snapshotAtStart = report.journalRecords > 0 || report.snapshotDamaged || !report.damagedSegments.isEmpty
        damagedSnapshot = report.snapshotDamaged
        damagedSegments = report.damagedSegments
        // The first stretch of journal space; a full disk refuses writes (507) rather than the start, so reads and
        // scrapes stay up.
        var reserved = reservationBytes
        var reservationError: IOError?
        do {
            try files.reserve(descriptor, offset: 0, length: reservationBytes)
        } catch {
            reserved = 0
            reservationError = error
        }
        logger.info(
            "persistence: state loaded",
            metadata: [
                "file": "\(path)",
                "applied_records": "\(report.applied)",
                "journal_segments": "\(report.segmentsReplayed)",
                "journal_records": "\(report.journalRecords)",
                "skipped_records": "\(report.skipped.values.reduce(0, +))",
            ]
        )
        writer = JournalWriter(
            loop: loop,
            files: files,
            paths: paths,
            segment: report.nextSegment,
            descriptor: descriptor,
            reservedBytes: reserved,
            reservationBytes: reservationBytes
        )
        writer.onCompleted = { [unowned self] completed in
            let now = WallClock.now()
            _ = try? syncs.apply(.inc, labelValues: [], now: now)
            _ = try? batchRecords.apply(.observe, labelValues: [], value: Double(completed.records), now: now)
        }
        writer.onFailure = { [unowned self] error in fail("journal write or sync failed", error) }
        writer.onReservationChange = { [unowned self] error in noteDiskSpace(error) }
        if let reservationError { noteDiskSpace(reservationError) }
        countDamagedFiles((try? files.list(paths.folder)).map { paths.damagedFiles(in: $0).count } ?? 0)
        for family in registry.families where family.definition.isPersisted { family.observer = writer }
        deduplication?.observer = writer
        pushes?.observer = writer
        pushes?.maxRecordBytes = RecordFraming.maxPayload - 4_096
        // Series and pushed groups whose time-to-live passed while the process was down go now, before the first
        // scrape, journaled like any expiry.
        let now = WallClock.now()
        let series = registry.expire(now: now)
        if series > 0 { logger.info("expired series at boot", metadata: ["series": "\(series)"]) }
        if let groups = pushes?.expire(now: now), groups > 0 {
            logger.info("expired pushed groups at boot", metadata: ["groups": "\(groups)"])
        }
    }

    /// Starts the batch hook and the snapshot timer; folds a replayed journal into a snapshot straight away.
    func start() {
        flushHook = IterationHook(loop: loop) { [unowned self] in writer.flush() }
        let timer = Timer(loop: loop)
        timer.start(after: intervalMilliseconds, every: intervalMilliseconds) { [unowned self] in
            if writer.appendedRecords != recordsAtLastSnapshot || damagedSnapshot || !damagedSegments.isEmpty {
                snapshot()
            }
        }
        timer.unref()
        snapshotTimer = timer
        if snapshotAtStart { snapshot() }
    }

    /// Calls `waiter` once every write so far is on disk (true) or cannot be (false).
    func whenDurable(_ waiter: @escaping (Bool) -> Void) {
        writer.whenDurable(waiter)
    }

    /// The whole persisted state, written atomically beside the journal on the thread pool; the segments it holds
    /// are removed once it is in place (damaged ones renamed aside instead). One at a time. The next journal segment
    /// is opened and reserved first, so writes never wait for space; a snapshot that fails or would not fit is
    /// logged and taken again at the next interval, with the journal left as it is.
    func snapshot() {
        guard !snapshotInFlight, !hasFailed else { return }
        snapshotInFlight = true
        writer.prepareNextSegment { [weak self] error in
            // A snapshot under way at shutdown finishes, as one in flight always did.
            guard let self else { return }
            if let error {
                snapshotInFlight = false
                logger.warning(
                    "persistence: snapshot postponed to the next interval: the next journal segment cannot be reserved",
                    metadata: ["file": "\(paths.segment(writer.currentSegment + 1))", "error": "\(error)"]
                )
                return
            }
            writeSnapshot()
        }
    }

    private func writeSnapshot() {
        let recordsCovered = writer.appendedRecords
        let covered = writer.startNextSegment()
        let contents = SnapshotContents(
            covering: covered,
            registry: registry,
            deduplication: deduplication,
            pushes: pushes
        )
        let job = SnapshotJob(
            files: files,
            paths: paths,
            bytes: contents.bytes,
            covered: covered,
            keepSnapshotAside: damagedSnapshot,
            damagedSegments: damagedSegments.filter { $0 <= covered },
            time: Int(WallClock.now())
        )
        // Only the sizes outlive the job: the bytes go with it.
        let (size, count) = (contents.bytes.count, contents.records)
        ThreadPool.run(on: loop, job.run) { [weak self] outcome in
            guard let self else { return }
            snapshotInFlight = false
            switch outcome {
            case .failure(let error):
                logger.error(
                    "persistence: snapshot failed; the journal stays and the snapshot is tried again at the next interval",
                    metadata: ["file": "\(paths.snapshot)", "error": "\(error)"]
                )
            case .success(let keptDamaged):
                recordsAtLastSnapshot = recordsCovered
                damagedSnapshot = false
                damagedSegments.removeAll { $0 <= covered }
                countDamagedFiles(keptDamaged)
                _ = try? snapshots.apply(.inc, labelValues: [], now: WallClock.now())
                logger.debug("persistence: snapshot written", metadata: ["bytes": "\(size)", "records": "\(count)"])
            }
        }
    }

    /// At shutdown: no more batches or snapshots start; what is in flight finishes on its own.
    func close() {
        flushHook?.close()
        flushHook = nil
        snapshotTimer?.close()
        snapshotTimer = nil
        writer.flush()
        writer.close()
        lock.release()
    }

    private func noteDiskSpace(_ error: IOError?) {
        let now = WallClock.now()
        diskFull.store(error == nil ? 0 : 1, now: now)
        if let error {
            logger.error(
                "persistence: the disk has no room for the journal; writes are refused with 507 until it has",
                metadata: ["file": "\(paths.segment(writer.currentSegment))", "error": "\(error)"]
            )
        } else {
            logger.info("persistence: journal space reserved again; writes are accepted")
        }
    }

    private func countDamagedFiles(_ count: Int) {
        damagedFiles.store(Double(count), now: WallClock.now())
    }

    private func fail(_ what: String, _ error: IOError) {
        logger.error(
            "persistence: \(what); exiting so that a restart recovers from what is on disk",
            metadata: ["error": "\(error)"]
        )
        onFailure()
    }
}
