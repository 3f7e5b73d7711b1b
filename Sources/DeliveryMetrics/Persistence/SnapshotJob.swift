import Glibc

/// The snapshot's file work, on a pool thread: check that it fits, replace the snapshot (keeping a damaged one
/// aside), remove the segments it holds (renaming damaged ones aside), and keep at most two damaged files. Returns
/// how many damaged files are kept.
struct SnapshotJob: Sendable {
    let files: any FileLayer
    let paths: PersistencePaths
    let bytes: [UInt8]
    let covered: UInt64
    let keepSnapshotAside: Bool
    let damagedSegments: [UInt64]
    let time: Int

    func run() -> Result<Int, IOError> {
        do throws(IOError) {
            // Written beside the old one before that goes: it needs its own size free, and some room to spare.
            if let free = files.freeBytes(paths.folder), free < bytes.count + (1 << 20) {
                throw IOError("snapshot", paths.snapshot + ".tmp", errno: ENOSPC)
            }
            let aside = keepSnapshotAside ? PersistencePaths.damagedName(paths.snapshot, time: time) : nil
            try files.replaceAtomically(paths.snapshot, with: bytes, keepingAside: aside)
            for number in paths.segmentNumbers(in: try files.list(paths.folder)) where number <= covered {
                let segment = paths.segment(number)
                if damagedSegments.contains(number) {
                    try files.rename(segment, to: PersistencePaths.damagedName(segment, time: time))
                } else {
                    try files.remove(segment)
                }
            }
            return .success(try DamagedFiles.prune(files: files, paths: paths))
        } catch {
            return .failure(error)
        }
    }
}
