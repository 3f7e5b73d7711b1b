import Glibc
import Synchronization

@testable import DeliveryMetrics

/// A file layer that keeps nothing and records every call, to check the order of append, sync and respond. Its
/// sync can be slowed (to let a batch gather behind it) or made to fail.
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

    init(syncDelayMicroseconds: UInt32 = 0, failSync: Bool = false) {
        self.syncDelayMicroseconds = syncDelayMicroseconds
        self.failSync = failSync
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

    func append(_ bytes: [UInt8], to descriptor: Int32) throws(IOError) {
        record("append \(RecordFraming.payloads(of: bytes).payloads.count)")
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
            throw IOError("fdatasync", "journal", errno: EIO)
        }
        record("sync")
    }

    func close(_ descriptor: Int32) { record("close") }
    func replaceAtomically(_ path: String, with bytes: [UInt8]) throws(IOError) { record("snapshot") }
    func remove(_ path: String) throws(IOError) { record("remove \(path.split(separator: ".").last ?? "")") }
    func list(_ folder: String) throws(IOError) -> [String] { [] }
    func read(_ path: String) throws(IOError) -> [UInt8]? { nil }
}
