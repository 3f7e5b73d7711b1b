/// A journal writer's flush, on a pool thread: write each part at its offset in its segment (moving to the prepared
/// segment, the old one synced first, when the part's number moves on), one `fdatasync` for the lot, then the
/// reservation asked for, if any. A failed reservation is reported apart: nothing written depends on it.
struct JournalWriteJob: Sendable {
    struct Outcome: Sendable {
        var descriptor: Int32
        var segment: UInt64
        var bytes = 0
        var error: IOError?
        var reservationError: IOError?
    }

    let files: any FileLayer
    let paths: PersistencePaths
    let descriptor: Int32
    let segment: UInt64
    let prepared: JournalWriter.PreparedSegment?
    /// Segment, offset in it, bytes.
    let parts: [(UInt64, Int, [UInt8])]
    let reservation: Reservation?

    func run() -> Outcome {
        var outcome = Outcome(descriptor: descriptor, segment: segment)
        var unsynced = false
        do {
            for (number, offset, bytes) in parts {
                if number != outcome.segment {
                    // The old segment is synced before the next one is used; a segment not prepared ahead is opened
                    // (its folder synced) only now.
                    if unsynced { try files.sync(outcome.descriptor) }
                    let next: Int32
                    if let prepared, prepared.number == number {
                        next = prepared.descriptor
                    } else {
                        next = try files.openSegment(paths.segment(number))
                    }
                    files.close(outcome.descriptor)
                    outcome.descriptor = next
                    outcome.segment = number
                    unsynced = false
                }
                guard !bytes.isEmpty else { continue }
                try files.write(bytes, to: outcome.descriptor, at: offset)
                outcome.bytes += bytes.count
                unsynced = true
            }
            if unsynced { try files.sync(outcome.descriptor) }
        } catch {
            outcome.error = error
            return outcome
        }
        if let reservation, reservation.segment == outcome.segment {
            do {
                try files.reserve(outcome.descriptor, offset: reservation.offset, length: reservation.length)
            } catch {
                outcome.reservationError = error
            }
        }
        return outcome
    }
}
