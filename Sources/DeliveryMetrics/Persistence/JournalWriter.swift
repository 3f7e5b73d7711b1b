import Loop

/// Group commit on the loop: records gather into a batch while the previous batch is written and synced on the
/// thread pool; one writer and at most one sync in flight. The batch closes at the end of a loop iteration (the
/// iteration hook), and its waiters (deferred responses) hear only after its `fdatasync` returned.
///
/// Disk space is reserved ahead (zeros written, `FileLayer.reserve`): a write is accepted only while the reserved
/// space not yet used can hold it, so a full disk is known before a write applies (`hasRoomForWrites`), never after.
/// Records are written over those zeros at offsets the writer tracks, so a sync has no size or extent to journal.
/// A segment starts with its header; every record is framed with the segment's id and the next sequence number.
///
/// Loop-confined like the rest of the application's state.
final class JournalWriter {
    /// Records for one segment, and who waits for them to be durable.
    private struct Batch {
        let segment: UInt64
        /// Where `bytes` go in the segment: records are written over its reserved zeros, not appended.
        let offset: Int
        var bytes: [UInt8] = []
        var records = 0
        var waiters: [(Bool) -> Void] = []
    }

    /// What a finished write reports to its owner (for `delivery_persistence_*`).
    struct Completed {
        let records: Int
        let bytes: Int
    }

    /// A segment opened and reserved ahead of the switch to it, so a snapshot never leaves writes without space.
    struct PreparedSegment: Sendable {
        let number: UInt64
        let descriptor: Int32
    }

    /// Space reserved per request to the file system, and the low-water mark that asks for the next.
    static let defaultReservation = 4 << 20
    /// Unused reservation below which new writes are refused: more than any one request's records.
    static let writeMargin = 64 << 10

    private let loop: EventLoop
    private let files: any FileLayer
    private let paths: PersistencePaths
    private let reservationBytes: Int
    /// Told of every synced batch (for `delivery_persistence_*`) and of the one failure; set by the owner.
    var onCompleted: (Completed) -> Void = { _ in }
    var onFailure: (IOError) -> Void = { _ in }
    /// Told when reserving space fails (the disk is full) and when it succeeds again.
    var onReservationChange: (IOError?) -> Void = { _ in }
    /// The open segment; only the job in flight touches it, and only one is ever in flight.
    private var descriptor: Int32
    private var openSegment: UInt64
    /// Where the records written to the open segment end, for the cut at a clean shutdown.
    private var writtenEnd = 0
    /// Closed batches waiting for the writer (more than one only across a segment change).
    private var sealed: [Batch] = []
    private var gathering: Batch
    private var frames: FrameWriter
    private var inFlight = false
    /// Set at shutdown: the segment closes once the write in flight, if any, is done.
    private var closeRequested = false
    private(set) var hasFailed = false
    /// Every record appended since boot: a handler that raised it has something to wait for.
    private(set) var appendedRecords = 0
    /// Bytes of the gathering segment, written or gathered, and how far its reservation reaches.
    private var segmentBytes = 0
    private var reservedEnd = 0
    /// The last reservation failed: writes are refused until one succeeds (retried at most once a second).
    private(set) var reservationError: IOError?
    private var lastReservationAttempt: UInt64 = 0
    private var prepared: PreparedSegment?
    /// The changes recorded since `beginGroup`, which `endGroup` writes as one record.
    var group: [RecordedChange]?

    init(
        loop: EventLoop,
        files: any FileLayer,
        paths: PersistencePaths,
        segment: UInt64,
        descriptor: Int32,
        reservedBytes: Int,
        reservationBytes: Int = JournalWriter.defaultReservation
    ) {
        self.loop = loop
        self.files = files
        self.paths = paths
        self.descriptor = descriptor
        self.reservationBytes = reservationBytes
        openSegment = segment
        frames = FrameWriter()
        gathering = Batch(segment: segment, offset: 0, bytes: frames.header)
        segmentBytes = gathering.bytes.count
        reservedEnd = reservedBytes
    }

    var currentSegment: UInt64 { gathering.segment }
    var isIdle: Bool { !inFlight && sealed.isEmpty && gathering.records == 0 }

    /// Whether a new write may apply: the reserved space not yet used holds more than any one request writes.
    var hasRoomForWrites: Bool { reservedEnd - segmentBytes >= Self.writeMargin }

    func append(_ record: WriteRecord) {
        // Counted even after a failure, so the request that made it still waits, and hears false.
        appendedRecords += 1
        guard !hasFailed else { return }
        segmentBytes += frames.append(record, to: &gathering.bytes)
        gathering.records += 1
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

    /// Opens and reserves the next segment on the thread pool, so that the switch to it (`startNextSegment`) finds
    /// its space already there; `done` hears whether that worked. A full disk postpones the switch, nothing else.
    func prepareNextSegment(_ done: @escaping (IOError?) -> Void) {
        guard prepared == nil else { return done(nil) }
        let number = gathering.segment + 1
        let job = SegmentPrepareJob(files: files, path: paths.segment(number), reservation: reservationBytes)
        ThreadPool.run(on: loop, job.run) { [self] outcome in
            switch outcome {
            case .success(let descriptor):
                guard !closeRequested else {
                    files.close(descriptor)  // Shut down meanwhile: the segment stays empty, removed at next boot.
                    return done(nil)
                }
                prepared = PreparedSegment(number: number, descriptor: descriptor)
                done(nil)
            case .failure(let error):
                done(error)
            }
        }
    }

    /// Closes the gathering batch in the current segment and moves to the prepared next one for what follows;
    /// returns the segment just closed, which a snapshot taken now holds entirely. Without `prepareNextSegment`
    /// first, the segment is opened by the write that first needs it, and its space reserved after.
    func startNextSegment() -> UInt64 {
        let closed = gathering.segment
        let isPrepared = prepared?.number == closed + 1
        if gathering.records > 0 || !gathering.waiters.isEmpty { sealed.append(gathering) }
        frames = FrameWriter()
        gathering = Batch(segment: closed + 1, offset: 0, bytes: frames.header)
        segmentBytes = gathering.bytes.count
        reservedEnd = isPrepared ? reservationBytes : 0
        return closed
    }

    /// The end of a loop iteration: hands everything gathered to the thread pool, unless a write is in flight; asks
    /// for more reserved space when the reservation runs low.
    func flush() {
        guard !inFlight, !hasFailed else { return }
        // After a switch, the new segment's header goes out (and the job moves to its descriptor) even before a
        // record does, so the prepared segment is handed over before another can be prepared.
        let switched = prepared?.number == gathering.segment
        if gathering.records > 0 || !gathering.waiters.isEmpty || switched {
            sealed.append(gathering)
            gathering = Batch(segment: gathering.segment, offset: segmentBytes)
        }
        let reservation = nextReservation()
        guard !sealed.isEmpty || reservation != nil else { return }
        let batches = sealed
        sealed = []
        inFlight = true
        let handOver = prepared.flatMap { next in batches.contains { $0.segment == next.number } ? next : nil }
        if handOver != nil { prepared = nil }
        let job = JournalWriteJob(
            files: files,
            paths: paths,
            descriptor: descriptor,
            segment: openSegment,
            prepared: handOver,
            parts: batches.map { ($0.segment, $0.offset, $0.bytes) },
            reservation: reservation
        )
        ThreadPool.run(on: loop, job.run) { [self] outcome in
            inFlight = false
            descriptor = outcome.descriptor
            openSegment = outcome.segment
            if let last = batches.last(where: { $0.segment == outcome.segment }) {
                writtenEnd = last.offset + last.bytes.count
            }
            if let error = outcome.error {
                fail(error, batches: batches)
                return
            }
            noteReservation(reservation, outcome.reservationError)
            if !batches.isEmpty {
                onCompleted(Completed(records: batches.reduce(0) { $0 + $1.records }, bytes: outcome.bytes))
            }
            // What gathered during this sync goes at once, before the answers are sent: the next sync then runs
            // while the loop writes this batch's answers, instead of after (and the loop may have nothing else to
            // wake it: shutdown, tests).
            flush()
            for batch in batches {
                for waiter in batch.waiters { waiter(true) }
            }
            if closeRequested { close() }
        }
    }

    /// The next stretch to reserve in the gathering segment, when the unused reservation is under half a
    /// reservation (after a failure, retried at most once a second).
    private func nextReservation() -> Reservation? {
        guard reservedEnd - segmentBytes < reservationBytes / 2, openSegment == gathering.segment else { return nil }
        if reservationError != nil, loop.now &- lastReservationAttempt < 1_000 { return nil }
        lastReservationAttempt = loop.now
        // From the end of what is reserved, or of what is written or gathered past it (the job writes all of that
        // first): zeros are written once, not again over a stretch still unused.
        let offset = max(segmentBytes, reservedEnd)
        let length = reservationBytes - (offset - segmentBytes)
        return Reservation(segment: gathering.segment, offset: offset, length: length)
    }

    private func noteReservation(_ reservation: Reservation?, _ error: IOError?) {
        guard let reservation else { return }
        if let error {
            if reservationError == nil { onReservationChange(error) }
            reservationError = error
            return
        }
        if reservation.segment == gathering.segment {
            reservedEnd = max(reservedEnd, reservation.offset + reservation.length)
        }
        if reservationError != nil {
            reservationError = nil
            onReservationChange(nil)
        }
    }

    /// A failed write or sync is never retried: every waiter hears false, and the owner stops the process.
    private func fail(_ error: IOError, batches: [Batch]) {
        hasFailed = true
        let waiting = batches + sealed + [gathering]
        sealed = []
        gathering = Batch(segment: gathering.segment, offset: segmentBytes)
        for batch in waiting {
            for waiter in batch.waiters { waiter(false) }
        }
        onFailure(error)
    }

    /// Closes the open segment once nothing is in flight (at shutdown).
    func close() {
        closeRequested = true
        guard !inFlight, descriptor >= 0 else { return }
        // On the loop, once, at shutdown: an `ftruncate` that frees the unused zeros.
        if writtenEnd > 0 { files.cut(descriptor, to: writtenEnd) }
        files.close(descriptor)
        descriptor = -1
        if let prepared {
            files.close(prepared.descriptor)
            self.prepared = nil
        }
    }
}
