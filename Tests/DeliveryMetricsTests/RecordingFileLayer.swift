import Glibc
import Synchronization

@_spi(Harness) @testable import DeliveryMetrics

/// A file layer that keeps nothing and records every call, to check the order of append, sync and respond. Its
/// sync can be slowed (to let a batch gather behind it) or made to fail, and a full disk can be injected at each
/// step: reservation, write, sync, snapshot.
final class RecordingFileLayer: FileLayer {
    private struct State {
        var events: [String] = []
        var syncsInFlight = 0
        var mostSyncsInFlight = 0
        var syncAttempts = 0
    }

    private let state = Mutex(State())
    let syncDelayMicroseconds: UInt32
    let failSync: Bool
    /// The errno a sync fails with.
    let syncError: Int32
    /// While set, these steps fail with ENOSPC.
    private let full = Mutex(FullDisk())

    struct FullDisk {
        var reserve = false
        var append = false
        var snapshot = false
    }

    init(syncDelayMicroseconds: UInt32 = 0, failSync: Bool = false, syncError: Int32 = EIO) {
        self.syncDelayMicroseconds = syncDelayMicroseconds
        self.failSync = failSync
        self.syncError = syncError
    }

    /// Makes the disk full (or not) for the given steps.
    func setFull(_ change: (inout FullDisk) -> Void) {
        full.withLock { change(&$0) }
    }

    var events: [String] { state.withLock { $0.events } }
    var mostSyncsInFlight: Int { state.withLock { $0.mostSyncsInFlight } }
    var syncAttempts: Int { state.withLock { $0.syncAttempts } }

    /// Responses are recorded on the loop thread, into the same log.
    func record(_ event: String) {
        state.withLock { $0.events.append(event) }
    }

    func openSegment(_ path: String) throws(IOError) -> Int32 {
        record("open \(path.split(separator: ".").last ?? "")")
        return 1_000
    }

    func reserve(_ descriptor: Int32, offset: Int, length: Int) throws(IOError) {
        if full.withLock({ $0.reserve }) {
            record("reserve failed")
            throw IOError("fallocate", "journal", errno: ENOSPC)
        }
        // A reservation that works is not part of the order these tests check.
    }

    func write(_ bytes: [UInt8], to descriptor: Int32, at offset: Int) throws(IOError) {
        if full.withLock({ $0.append }) {
            record("append failed")
            throw IOError("write", "journal", errno: ENOSPC)
        }
        record("append \(Self.frameCount(bytes))")
    }

    /// Frames in a batch (after the segment's header, when the batch starts one), walked by their lengths.
    static func frameCount(_ bytes: [UInt8]) -> Int {
        var position = bytes.starts(with: Frames.magic) ? Frames.headerSize : 0
        var count = 0
        while bytes.count - position >= Frames.frameHeaderSize {
            position += Frames.frameHeaderSize + Int(PayloadReader.uint32(bytes, at: position))
            count += 1
        }
        return count
    }

    func sync(_ descriptor: Int32) throws(IOError) {
        state.withLock {
            $0.syncsInFlight += 1
            $0.syncAttempts += 1
            $0.mostSyncsInFlight = max($0.mostSyncsInFlight, $0.syncsInFlight)
        }
        if syncDelayMicroseconds > 0 { usleep(syncDelayMicroseconds) }
        state.withLock { $0.syncsInFlight -= 1 }
        if failSync {
            record("sync failed")
            throw IOError("fdatasync", "journal", errno: syncError)
        }
        record("sync")
    }

    func cut(_ descriptor: Int32, to length: Int) {}
    func close(_ descriptor: Int32) { record("close") }
    func replaceAtomically(_ path: String, with bytes: [UInt8], keepingAside: String?) throws(IOError) {
        if full.withLock({ $0.snapshot }) {
            record("snapshot failed")
            throw IOError("write", path + ".tmp", errno: ENOSPC)
        }
        record("snapshot")
    }

    func remove(_ path: String) throws(IOError) { record("remove \(path.split(separator: ".").last ?? "")") }
    func rename(_ path: String, to newPath: String) throws(IOError) { record("rename") }
    func truncate(_ path: String, to length: Int) throws(IOError) { record("truncate \(length)") }
    func list(_ folder: String) throws(IOError) -> [String] { [] }
    func read(_ path: String) throws(IOError) -> [UInt8]? { nil }
    func freeBytes(_ folder: String) -> Int? { nil }
    func releaseReservation(_ path: String, size: Int) {}
}
