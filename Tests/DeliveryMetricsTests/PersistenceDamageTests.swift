import Glibc
import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// Damage loses only itself, odd files never hang or trap the boot, one process owns the state, and a full disk
/// refuses new writes before they apply while what is stored stays readable.
@Suite("Persistence damage and full disks")
struct PersistenceDamageTests {
    private static let labels = ["gprd"]

    private static func boot(writes: Int, at path: String) throws {
        let first = try BootedState(path)
        for _ in 0..<writes { try first.family("deployment_started_total").apply(.inc, labelValues: labels, now: 1) }
        first.sync()
        first.stop()
    }

    private static func names(_ folder: String) -> [String] {
        ((try? POSIXFileLayer().list(folder)) ?? []).sorted()
    }

    @Test func skipsOneDamagedRecordAndKeepsTheSegmentAsideAfterTheSnapshot() throws {
        let folder = StateFiles.folder()
        let path = folder + "/state"
        try Self.boot(writes: 11, at: path)
        let segment = PersistencePaths(snapshot: path).segment(1)
        var bytes = StateFiles.contents(segment)
        let frame = (bytes.count - Frames.headerSize) / 11
        bytes[Frames.headerSize + frame + frame / 2] ^= 0x40  // inside record 2 of 11
        StateFiles.write(segment, bytes)

        let second = try BootedState(path)
        second.sync()
        #expect(second.value("deployment_started_total", Self.labels) == 10)
        second.stop()
        // The boot's snapshot holds the ten; the damaged segment is renamed aside, never deleted.
        #expect(Self.names(folder).contains { $0.hasPrefix("state.journal.1.damaged-") })
        let third = try BootedState(path)
        #expect(third.value("deployment_started_total", Self.labels) == 10)
        third.stop()
    }

    @Test func cutsATornTailOffTheFile() throws {
        let path = StateFiles.folder() + "/state"
        try Self.boot(writes: 3, at: path)
        let segment = PersistencePaths(snapshot: path).segment(1)
        let whole = StateFiles.contents(segment)
        StateFiles.write(segment, Array(whole.dropLast(5)))
        let second = try BootedState(path)
        #expect(second.value("deployment_started_total", Self.labels) == 2)
        second.stop()
    }

    @Test func readsTheReservedZerosAfterTheRecordsAsACleanEndAndCutsThem() throws {
        let path = StateFiles.folder() + "/state"
        try Self.boot(writes: 3, at: path)
        let segment = PersistencePaths(snapshot: path).segment(1)
        let records = StateFiles.contents(segment)
        // What a crash leaves: the records, then the zeros reserved after them (a clean stop cuts those).
        StateFiles.write(segment, records + [UInt8](repeating: 0, count: 1 << 20))
        let second = try BootedState(path)
        #expect(second.value("deployment_started_total", Self.labels) == 3)
        #expect(StateFiles.contents(segment) == records)
        second.stop()
    }

    @Test func removesASegmentThatHoldsOnlyReservedZeros() throws {
        let folder = StateFiles.folder()
        let path = folder + "/state"
        try Self.boot(writes: 3, at: path)
        // A segment prepared and reserved ahead of a snapshot's switch, then a crash before its header was written.
        StateFiles.write(PersistencePaths(snapshot: path).segment(2), [UInt8](repeating: 0, count: 1 << 16))
        let second = try BootedState(path)
        #expect(second.value("deployment_started_total", Self.labels) == 3)
        second.sync()
        second.stop()
        #expect(!Self.names(folder).contains { $0.contains("damaged") })
        #expect(!StateFiles.segments(path).contains(2))
    }

    @Test func refusesAFileOfANewerFormat() throws {
        let path = StateFiles.folder() + "/state"
        // An intact header of version 9 (its checksum made for it): a damaged one would not be believed.
        var header = Frames.magic
        PayloadWriter.put32(9, &header)
        PayloadWriter.put(UInt64(7), &header)
        PayloadWriter.put32(Frames.checksum(header[...]), &header)
        StateFiles.write(PersistencePaths(snapshot: path).segment(1), header)
        #expect(throws: Persistence.Unusable.self) { try BootedState(path) }
    }

    @Test func warnsOfAnEmptySnapshotAndRenamesItAsideOnce() throws {
        let folder = StateFiles.folder()
        let path = folder + "/state"
        StateFiles.write(path, [])
        let booted = try BootedState(path)
        booted.stop()
        #expect(Self.names(folder).filter { $0.hasPrefix("state.damaged-") }.count == 1)
        let again = try BootedState(path)
        again.stop()
        #expect(Self.names(folder).filter { $0.hasPrefix("state.damaged-") }.count == 1)
    }

    @Test func keepsAtMostTwoDamagedFiles() throws {
        let folder = StateFiles.folder()
        let path = folder + "/state"
        for time in [100, 200, 300] { StateFiles.write(PersistencePaths.damagedName(path, time: time), [1]) }
        StateFiles.write(path, [])
        let booted = try BootedState(path)
        booted.stop()
        let damaged = Self.names(folder).filter { $0.contains(".damaged-") }
        #expect(damaged.count == 2)
        #expect(!damaged.contains("state.damaged-100") && !damaged.contains("state.damaged-200"))
    }

    @Test func ignoresASegmentNumberThatWouldOverflow() throws {
        let path = StateFiles.folder() + "/state"
        StateFiles.write(path + ".journal.18446744073709551615", [1, 2, 3])
        try Self.boot(writes: 1, at: path)
        let second = try BootedState(path)
        #expect(second.value("deployment_started_total", Self.labels) == 1)
        second.stop()
    }

    @Test func refusesAFIFOInsteadOfHanging() throws {
        let path = StateFiles.folder() + "/state"
        #expect(mkfifo(path, 0o644) == 0)
        #expect(throws: Persistence.Unusable.self) { try BootedState(path) }
    }

    @Test func neverWritesThroughALinkLeftAtTheTemporaryPath() throws {
        let folder = StateFiles.folder()
        let path = folder + "/state"
        let target = folder + "/precious"
        StateFiles.write(target, Array("keep me".utf8))
        #expect(symlink(target, path + ".tmp") == 0)
        let booted = try BootedState(path)
        try booted.family("deployment_started_total").apply(.inc, labelValues: Self.labels, now: 1)
        booted.sync()
        booted.persistence.snapshot()
        booted.stop()
        #expect(StateFiles.contents(target) == Array("keep me".utf8))
        #expect(!StateFiles.contents(path).isEmpty)
    }

    @Test func letsOneProcessOwnTheState() throws {
        let path = StateFiles.folder() + "/state"
        let owner = try BootedState(path)
        do {
            _ = try BootedState(path)
            Issue.record("a second owner was let in")
        } catch let error as Persistence.Unusable {
            #expect(error.description.contains("pid \(getpid())"))
            #expect(error.description.contains(path + ".lock"))
        }
        owner.stop()
        // Released with the first owner: the next boot takes it.
        let next = try BootedState(path)
        next.stop()
    }

    @Test func refusesWritesBeforeTheyApplyWhileTheDiskIsFullAndTakesThemAgainAfter() throws {
        let files = RecordingFileLayer()
        files.setFull { $0.reserve = true }
        let booted = try BootedState(StateFiles.folder() + "/state", files: files)
        #expect(!booted.persistence.hasRoomForWrites)
        files.setFull { $0.reserve = false }
        // The reservation is tried again at most once a second, from the batch hook.
        let deadline = booted.loop.now + 3_000
        let retry = Timer(loop: booted.loop)
        retry.start(after: 50, every: 50) {
            booted.persistence.writer.flush()
            if booted.persistence.hasRoomForWrites || booted.loop.now > deadline { retry.close() }
        }
        booted.loop.run()
        #expect(booted.persistence.hasRoomForWrites)
        booted.stop()
    }

    @Test func stopsOnAFullDiskOnlyForDataAlreadyApplied() throws {
        for step in ["append", "sync"] {
            let files = RecordingFileLayer(failSync: step == "sync", syncError: ENOSPC)
            if step == "append" { files.setFull { $0.append = true } }
            var failed = false
            let loop = try EventLoop()
            let registry = Registry(
                Catalogue.definitions(experiments: Experiments.definitions),
                maxSeriesPerMetric: 100,
                now: StateFiles.now
            )
            let persistence = try Persistence(
                path: StateFiles.folder() + "/state",
                intervalMilliseconds: 3_600_000,
                registry: registry,
                loop: loop,
                logger: StateFiles.logger,
                files: files
            ) { failed = true }
            persistence.start()
            try registry.family(named: "deployment_started_total")!.apply(.inc, labelValues: Self.labels, now: 1)
            var durable: Bool?
            persistence.whenDurable { durable = $0 }
            persistence.writer.flush()
            loop.run()
            #expect(durable == false, "\(step)")
            #expect(failed, "\(step)")
            persistence.close()
            loop.run()
            _ = loop.close()
        }
    }

    @Test func keepsTheJournalWhenASnapshotFailsAndTriesAgain() throws {
        let files = RecordingFileLayer()
        files.setFull { $0.snapshot = true }
        let booted = try BootedState(StateFiles.folder() + "/state", files: files)
        try booted.family("deployment_started_total").apply(.inc, labelValues: Self.labels, now: 1)
        booted.sync()
        booted.persistence.snapshot()
        booted.sync()
        #expect(files.events.contains("snapshot failed"))
        #expect(!files.events.contains { $0.hasPrefix("remove") })
        #expect(!booted.persistence.hasFailed)
        files.setFull { $0.snapshot = false }
        booted.persistence.snapshot()
        booted.sync()
        booted.stop()
        #expect(files.events.last { $0.hasPrefix("snapshot") } == "snapshot")
    }

    /// One flipped byte in a segment's header (its magic, version, file id or checksum) costs nothing: the id comes
    /// from the frames, nothing is cut, and only an intact header can say "newer version".
    @Test(arguments: [0, 3, 8, 11, 12, 19, 20])
    func survivesAFlippedByteInTheSegmentHeader(offset: Int) throws {
        let path = StateFiles.folder() + "/state"
        try Self.boot(writes: 11, at: path)
        let segment = PersistencePaths(snapshot: path).segment(1)
        var bytes = StateFiles.contents(segment)
        let size = bytes.count
        bytes[offset] ^= 0x01
        StateFiles.write(segment, bytes)
        let second = try BootedState(path)
        #expect(second.value("deployment_started_total", Self.labels) == 11, "offset \(offset)")
        second.stop()
        #expect(StateFiles.contents(segment).count == size || StateFiles.contents(segment).isEmpty, "not cut")
    }

    @Test func keepsTheSeriesOfASnapshotWhoseFirstRecordIsDamaged() throws {
        let path = StateFiles.folder() + "/state"
        let first = try BootedState(path)
        try first.family("deployment_started_total").apply(.add, labelValues: Self.labels, value: 7, now: 1)
        first.sync()
        first.persistence.snapshot()
        first.sync()
        first.stop()
        var bytes = StateFiles.contents(path)
        bytes[Frames.headerSize + Frames.frameHeaderSize + 2] ^= 0x10  // inside the snapshot's start record
        StateFiles.write(path, bytes)
        let second = try BootedState(path)
        #expect(second.value("deployment_started_total", Self.labels) == 7)
        second.stop()
    }
}
