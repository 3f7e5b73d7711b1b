import Glibc
import Logging
import Loop

/// Durable writes: a `200` means the write is on disk. Owns the journal writer and the snapshots; the application
/// defers a writing request's response until `whenDurable` calls back.
///
/// Boot (`open`) reads the files synchronously, before the loop serves anything; after that, every file operation
/// runs on libuv's thread pool and the loop never waits on disk.
final class Persistence {
    /// A persistence file that cannot be used at all: the process says why on one line and exits 2.
    struct Unusable: Error, CustomStringConvertible {
        let description: String
    }

    let writer: JournalWriter
    private let loop: EventLoop
    private let registry: Registry
    private let deduplication: WebhookDeduplication?
    private let files: any FileLayer
    private let paths: PersistencePaths
    private let logger: Logger
    private let intervalMilliseconds: UInt64
    private let syncs: MetricFamily
    private let batchRecords: MetricFamily
    private let snapshots: MetricFamily
    private var flushHook: IterationHook?
    private var snapshotTimer: Timer?
    private var snapshotInFlight = false
    private var recordsAtLastSnapshot = 0
    private var snapshotFailed = false
    private let onFailure: () -> Void
    /// Whether boot replayed journal records, which a first snapshot then folds away.
    private let replayedJournal: Bool

    var hasFailed: Bool { writer.hasFailed || snapshotFailed }

    /// Replays what is on disk into `registry` (and the webhook deliveries' keys into `deduplication`), then opens a
    /// new journal segment and attaches it to every persisted family and to `deduplication`.
    init(
        path: String,
        intervalMilliseconds: UInt64,
        registry: Registry,
        deduplication: WebhookDeduplication? = nil,
        loop: EventLoop,
        logger: Logger,
        files: any FileLayer = POSIXFileLayer(),
        onFailure: @escaping () -> Void
    ) throws(Unusable) {
        paths = PersistencePaths(snapshot: path)
        self.loop = loop
        self.registry = registry
        self.deduplication = deduplication
        self.files = files
        self.logger = logger
        self.intervalMilliseconds = intervalMilliseconds
        self.onFailure = onFailure
        syncs = registry.require("persistence_syncs_total")
        batchRecords = registry.require("persistence_batch_records")
        snapshots = registry.require("persistence_snapshots_total")
        let report: Recovery.Report
        let descriptor: Int32
        do {
            try Self.makeFolder(paths.folder)
            report = try Recovery(
                registry: registry,
                files: files,
                paths: paths,
                logger: logger,
                deduplication: deduplication
            ).run()
            descriptor = try files.openSegment(paths.segment(report.nextSegment))
        } catch {
            throw Unusable(description: "persistence file \(path) cannot be used: \(error)")
        }
        replayedJournal = report.journalRecords > 0
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
            descriptor: descriptor
        )
        writer.onCompleted = { [unowned self] completed in
            let now = WallClock.now()
            _ = try? syncs.apply(.inc, labelValues: [], now: now)
            _ = try? batchRecords.apply(.observe, labelValues: [], value: Double(completed.records), now: now)
        }
        writer.onFailure = { [unowned self] error in fail("journal write or sync failed", error, inSnapshot: false) }
        for family in registry.families where family.definition.isPersisted { family.journal = writer }
        deduplication?.journal = writer
        // Series whose time-to-live passed while the process was down go now, journaled like any expiry.
        registry.expire(now: WallClock.now())
    }

    /// Starts the batch hook and the snapshot timer; folds a replayed journal into a snapshot straight away.
    func start() {
        flushHook = IterationHook(loop: loop) { [unowned self] in writer.flush() }
        let timer = Timer(loop: loop)
        timer.start(after: intervalMilliseconds, every: intervalMilliseconds) { [unowned self] in
            if writer.appendedRecords != recordsAtLastSnapshot { snapshot() }
        }
        timer.unref()
        snapshotTimer = timer
        if replayedJournal { snapshot() }
    }

    /// Calls `waiter` once every write so far is on disk (true) or cannot be (false).
    func whenDurable(_ waiter: @escaping (Bool) -> Void) {
        writer.whenDurable(waiter)
    }

    /// The whole persisted state, written atomically beside the journal on the thread pool; the segments it holds
    /// are removed once it is in place. One at a time.
    func snapshot() {
        guard !snapshotInFlight, !hasFailed else { return }
        snapshotInFlight = true
        recordsAtLastSnapshot = writer.appendedRecords
        let covered = writer.startNextSegment()
        var bytes: [UInt8] = []
        var count: UInt64 = 0
        WriteRecord.snapshotStart(coveredSegment: covered, time: WallClock.now()).append(to: &bytes)
        for family in registry.families where family.definition.isPersisted {
            if let lastWrite = family.lastWrite {
                WriteRecord.familyWritten(metric: family.definition.apiName, time: lastWrite).append(to: &bytes)
                count += 1
            }
            for state in family.snapshotStates() {
                WriteRecord.series(state).append(to: &bytes)
                count += 1
            }
        }
        // The live delivery keys, one record each without writes: the snapshot replaces the journal that held them.
        for entry in deduplication?.entries(now: WallClock.now()) ?? [] {
            WriteRecord.webhookDelivery(source: entry.source, keys: [entry.key], time: entry.time, writes: [])
                .append(to: &bytes)
            count += 1
        }
        WriteRecord.snapshotEnd(records: count).append(to: &bytes)
        let job = SnapshotJob(files: files, paths: paths, bytes: bytes, covered: covered)
        ThreadPool.run(on: loop, job.run) { [weak self] error in
            guard let self else { return }
            snapshotInFlight = false
            if let error {
                fail("snapshot failed", error, inSnapshot: true)
                return
            }
            _ = try? snapshots.apply(.inc, labelValues: [], now: WallClock.now())
            logger.debug("persistence: snapshot written", metadata: ["bytes": "\(bytes.count)", "records": "\(count)"])
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
    }

    private func fail(_ what: String, _ error: IOError, inSnapshot: Bool) {
        if inSnapshot { snapshotFailed = true }
        logger.error(
            "persistence: \(what); exiting so that a restart recovers from what is on disk",
            metadata: ["error": "\(error)"]
        )
        onFailure()
    }

    private static func makeFolder(_ folder: String) throws(IOError) {
        var status = stat()
        if stat(folder, &status) == 0 { return }
        guard errno == ENOENT, mkdir(folder, 0o755) == 0 else { throw IOError("mkdir", folder) }
    }
}

/// The snapshot's file work, on a pool thread: replace the snapshot, then remove the segments it holds.
private struct SnapshotJob: Sendable {
    let files: any FileLayer
    let paths: PersistencePaths
    let bytes: [UInt8]
    let covered: UInt64

    func run() -> IOError? {
        do {
            try files.replaceAtomically(paths.snapshot, with: bytes)
            for number in paths.segmentNumbers(in: try files.list(paths.folder)) where number <= covered {
                try files.remove(paths.segment(number))
            }
            return nil
        } catch {
            return error
        }
    }
}
