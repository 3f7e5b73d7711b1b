import Loop

/// Group commit on the loop: records gather into a batch while the previous batch is written and synced on the
/// thread pool; one writer and at most one sync in flight. The batch closes at the end of a loop iteration (the
/// iteration hook), and its waiters (deferred responses) hear only after its `fdatasync` returned.
///
/// Loop-confined like the rest of the application's state.
final class JournalWriter {
    /// Records for one segment, and who waits for them to be durable.
    private struct Batch {
        let segment: UInt64
        var bytes: [UInt8] = []
        var records = 0
        var waiters: [(Bool) -> Void] = []
    }

    /// What a finished write reports to its owner (for `delivery_persistence_*`).
    struct Completed {
        let records: Int
        let bytes: Int
    }

    private let loop: EventLoop
    private let files: any FileLayer
    private let paths: PersistencePaths
    /// Told of every synced batch (for `delivery_persistence_*`) and of the one failure; set by the owner.
    var onCompleted: (Completed) -> Void = { _ in }
    var onFailure: (IOError) -> Void = { _ in }
    /// The open segment; only the job in flight touches it, and only one is ever in flight.
    private var descriptor: Int32
    private var openSegment: UInt64
    /// Closed batches waiting for the writer (more than one only across a segment change).
    private var sealed: [Batch] = []
    private var gathering: Batch
    private var inFlight = false
    /// Set at shutdown: the segment closes once the write in flight, if any, is done.
    private var closeRequested = false
    private(set) var hasFailed = false
    /// Every record appended since boot: a handler that raised it has something to wait for.
    private(set) var appendedRecords = 0
    /// The records appended since `beginGroup`, which `endGroup` writes as one.
    private var group: [WriteRecord]?

    init(
        loop: EventLoop,
        files: any FileLayer,
        paths: PersistencePaths,
        segment: UInt64,
        descriptor: Int32
    ) {
        self.loop = loop
        self.files = files
        self.paths = paths
        self.descriptor = descriptor
        openSegment = segment
        gathering = Batch(segment: segment)
    }

    var currentSegment: UInt64 { gathering.segment }
    var isIdle: Bool { !inFlight && sealed.isEmpty && gathering.records == 0 }

    func append(_ record: WriteRecord) {
        if group != nil {
            group!.append(record)
            return
        }
        // Counted even after a failure, so the request that made it still waits, and hears false.
        appendedRecords += 1
        guard !hasFailed else { return }
        record.append(to: &gathering.bytes)
        gathering.records += 1
    }

    /// Gathers the records appended from now until `endGroup` into one, so that they reach the disk together or not
    /// at all (a webhook delivery's writes and the keys that recognise its redeliveries).
    func beginGroup() {
        precondition(group == nil, "journal groups do not nest")
        group = []
    }

    /// Appends the one record `combine` makes of the records gathered since `beginGroup`.
    func endGroup(_ combine: ([WriteRecord]) -> WriteRecord) {
        guard let records = group else { return }
        group = nil
        append(combine(records))
    }

    /// Calls `waiter` once everything appended so far is on disk (true), or could not be put there (false).
    func whenDurable(_ waiter: @escaping (Bool) -> Void) {
        if hasFailed { return waiter(false) }
        if gathering.records > 0 {
            gathering.waiters.append(waiter)
        } else if var last = sealed.popLast() {
            last.waiters.append(waiter)
            sealed.append(last)
        } else if inFlight {
            // Only the batch in flight holds unsynced records: wait for it through an empty batch behind it.
            gathering.waiters.append(waiter)
        } else {
            waiter(true)
        }
    }

    /// Closes the gathering batch in the current segment and starts the next segment for what follows; returns the
    /// segment just closed, which a snapshot taken now holds entirely.
    func startNextSegment() -> UInt64 {
        let closed = gathering.segment
        if gathering.records > 0 || !gathering.waiters.isEmpty { sealed.append(gathering) }
        gathering = Batch(segment: closed + 1)
        return closed
    }

    /// The end of a loop iteration: hands everything gathered to the thread pool, unless a write is in flight.
    func flush() {
        guard !inFlight, !hasFailed else { return }
        if gathering.records > 0 || !gathering.waiters.isEmpty {
            sealed.append(gathering)
            gathering = Batch(segment: gathering.segment)
        }
        guard !sealed.isEmpty else { return }
        let batches = sealed
        sealed = []
        inFlight = true
        let job = WriteJob(
            files: files,
            paths: paths,
            descriptor: descriptor,
            segment: openSegment,
            parts: batches.map { ($0.segment, $0.bytes) }
        )
        ThreadPool.run(on: loop, job.run) { [self] outcome in
            inFlight = false
            descriptor = outcome.descriptor
            openSegment = outcome.segment
            if let error = outcome.error {
                fail(error, batches: batches)
                return
            }
            onCompleted(Completed(records: batches.reduce(0) { $0 + $1.records }, bytes: outcome.bytes))
            for batch in batches {
                for waiter in batch.waiters { waiter(true) }
            }
            // What gathered during this sync goes at once rather than at the next iteration's end: the loop may
            // have nothing else to wake it (shutdown, tests).
            flush()
            if closeRequested { close() }
        }
    }

    /// A failed write or sync is never retried: every waiter hears false, and the owner stops the process.
    private func fail(_ error: IOError, batches: [Batch]) {
        hasFailed = true
        let waiting = batches + sealed + [gathering]
        sealed = []
        gathering = Batch(segment: gathering.segment)
        for batch in waiting {
            for waiter in batch.waiters { waiter(false) }
        }
        onFailure(error)
    }

    /// Closes the open segment once nothing is in flight (at shutdown).
    func close() {
        closeRequested = true
        guard !inFlight, descriptor >= 0 else { return }
        files.close(descriptor)
        descriptor = -1
    }
}

/// What runs on the pool thread: append each part to its segment (opening the next segment, folder synced, when the
/// part's number moves on; the old one synced first), then one `fdatasync` for the lot.
private struct WriteJob: Sendable {
    struct Outcome: Sendable {
        var descriptor: Int32
        var segment: UInt64
        var bytes = 0
        var error: IOError?
    }

    let files: any FileLayer
    let paths: PersistencePaths
    let descriptor: Int32
    let segment: UInt64
    let parts: [(UInt64, [UInt8])]

    func run() -> Outcome {
        var outcome = Outcome(descriptor: descriptor, segment: segment)
        var unsynced = false
        do {
            for (number, bytes) in parts {
                if number != outcome.segment {
                    if unsynced { try files.sync(outcome.descriptor) }
                    let next = try files.openSegment(paths.segment(number))
                    files.close(outcome.descriptor)
                    outcome.descriptor = next
                    outcome.segment = number
                    unsynced = false
                }
                guard !bytes.isEmpty else { continue }
                try files.append(bytes, to: outcome.descriptor)
                outcome.bytes += bytes.count
                unsynced = true
            }
            if unsynced { try files.sync(outcome.descriptor) }
        } catch {
            outcome.error = error
        }
        return outcome
    }
}
