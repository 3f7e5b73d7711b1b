/// Space to reserve in a segment: from `offset`, `length` bytes.
struct Reservation: Sendable {
    let segment: UInt64
    let offset: Int
    let length: Int
}

/// Opens the next segment and reserves its first stretch, on a pool thread.
struct SegmentPrepareJob: Sendable {
    let files: any FileLayer
    let path: String
    let reservation: Int

    func run() -> Result<Int32, IOError> {
        do {
            let descriptor = try files.openSegment(path)
            do {
                try files.reserve(descriptor, offset: 0, length: reservation)
            } catch {
                files.close(descriptor)
                return .failure(error)
            }
            return .success(descriptor)
        } catch {
            return .failure(error)
        }
    }
}
