import Glibc
import Logging
import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// Persistence over real files in a fresh folder: what was acknowledged comes back after a restart, through
/// snapshots and journal segments, and damaged or foreign content is cut or skipped instead of refusing to start.
@Suite("Persistence")
struct PersistenceTests {
    private static let now = StateFiles.now

    @Test func bringsBackEveryKindOfWriteAfterARestart() throws {
        let path = StateFiles.folder() + "/state"
        let first = try BootedState(path)
        try first.family("deployment_started_total").apply(.inc, labelValues: ["gprd"], now: Self.now)
        try first.family("deployment_started_total").apply(.add, labelValues: ["gstg"], value: 5, now: Self.now)
        try first.family("deployment_duration_seconds").apply(
            .observe,
            labelValues: ["coordinator_pipeline", "success"],
            value: 14_000,
            now: Self.now
        )
        try first.family("deployment_blocker_count").apply(.set, labelValues: ["flaky", "2024-W01"], value: 3, now: 1)
        first.sync()
        first.stop()

        let second = try BootedState(path)
        #expect(second.value("deployment_started_total", ["gprd"]) == 1)
        #expect(second.value("deployment_started_total", ["gstg"]) == 5)
        let histogram = second.family("deployment_duration_seconds").series[["coordinator_pipeline", "success"]]
        #expect(histogram?.count == 1 && histogram?.sum == 14_000)
        #expect(second.family("deployment_started_total").lastWrite == Self.now)
        // Written at t=1 with a time-to-live: expired at boot, from its recorded wall-clock time.
        let ttl = second.family("deployment_blocker_count").definition.timeToLiveSeconds
        #expect(ttl == nil || second.value("deployment_blocker_count", ["flaky", "2024-W01"]) == nil)
        second.stop()
    }

    @Test func replaysAnExpiryBeforeTheWritesThatFollowIt() throws {
        let path = StateFiles.folder() + "/state"
        let first = try BootedState(path)
        let family = first.family("deployment_started")
        let labels = ["gprd", "17.5.202410011200-5b3d4fe8e3c.d4ba7c4fe4a"]
        let ttl = try #require(family.definition.timeToLiveSeconds)
        try family.apply(.set, labelValues: labels, value: 5, now: Self.now - ttl - 60)
        #expect(first.registry.expire(now: Self.now) == 1)
        try family.apply(.inc, labelValues: labels, now: Self.now)
        first.sync()
        first.stop()

        let second = try BootedState(path)
        #expect(second.value("deployment_started", labels) == 1)
        second.stop()
    }

    @Test func keepsACopyOfADamagedSnapshot() throws {
        let folder = StateFiles.folder()
        let path = folder + "/state"
        let first = try BootedState(path)
        try first.family("deployment_started_total").apply(.inc, labelValues: ["gprd"], now: Self.now)
        first.sync()
        first.persistence.snapshot()
        first.sync()
        first.stop()
        var snapshot = StateFiles.contents(path)
        snapshot[snapshot.count - 3] ^= 0x10
        StateFiles.write(path, snapshot)

        let second = try BootedState(path)
        second.stop()
        let names = (try? POSIXFileLayer().list(folder)) ?? []
        #expect(names.contains { $0.hasPrefix("state.damaged-") })
    }

    @Test func foldsTheJournalIntoASnapshotAndKeepsWritesAfterIt() throws {
        let path = StateFiles.folder() + "/state"
        let first = try BootedState(path)
        try first.family("deployment_started_total").apply(.inc, labelValues: ["gprd"], now: Self.now)
        first.sync()
        first.persistence.snapshot()
        try first.family("deployment_started_total").apply(.inc, labelValues: ["gprd"], now: Self.now)
        first.family("deployment_started_total").reset(now: Self.now)
        try first.family("deployment_started_total").apply(.add, labelValues: ["gprd"], value: 7, now: Self.now)
        first.sync()
        #expect(StateFiles.segments(path) == [2])
        first.stop()

        let second = try BootedState(path)
        #expect(second.value("deployment_started_total", ["gprd"]) == 7)
        second.stop()
    }

    @Test func cutsATornJournalTailAndKeepsWhatPrecedesIt() throws {
        let path = StateFiles.folder() + "/state"
        let first = try BootedState(path)
        for _ in 0..<3 { try first.family("deployment_started_total").apply(.inc, labelValues: ["gprd"], now: 1) }
        first.sync()
        first.stop()
        let segment = PersistencePaths(snapshot: path).segment(1)
        let whole = StateFiles.contents(segment)
        // Three records of one size after the file header.
        let lastRecord = (whole.count - Frames.headerSize) / 3
        for cut in 1...lastRecord {
            StateFiles.write(segment, Array(whole.dropLast(cut)))
            let booted = try BootedState(path)
            #expect(booted.value("deployment_started_total", ["gprd"]) == 2, "cut \(cut) bytes")
            booted.stop()
            for number in StateFiles.segments(path) where number > 1 {
                unlink(PersistencePaths(snapshot: path).segment(number))
            }
            unlink(path)
        }
    }

    /// Was "keeps the records before a flipped byte" (2 of 4): since format version 2, damage loses only itself, so
    /// the record after the damaged one comes back too.
    @Test func keepsTheRecordsAroundAFlippedByte() throws {
        let path = StateFiles.folder() + "/state"
        let first = try BootedState(path)
        for _ in 0..<4 { try first.family("deployment_started_total").apply(.inc, labelValues: ["gprd"], now: 1) }
        first.sync()
        first.stop()
        let segment = PersistencePaths(snapshot: path).segment(1)
        var damaged = StateFiles.contents(segment)
        damaged[damaged.count / 2 + 3] ^= 0x01
        StateFiles.write(segment, damaged)
        let second = try BootedState(path)
        #expect(second.value("deployment_started_total", ["gprd"]) == 3)
        second.stop()
    }

    @Test func startsFromEmptyFiles() throws {
        let path = StateFiles.folder() + "/state"
        StateFiles.write(path, [])
        StateFiles.write(PersistencePaths(snapshot: path).segment(1), [])
        let booted = try BootedState(path)
        #expect(booted.value("deployment_started_total", ["gprd"]) == 0)
        // The empty segment goes; the new one is opened above it.
        #expect(StateFiles.segments(path) == [2])
        booted.stop()
    }

    @Test func refusesAFolderWhereTheFileShouldBe() throws {
        let path = StateFiles.folder() + "/state"
        mkdir(path, 0o755)
        #expect(throws: Persistence.Unusable.self) { try BootedState(path) }
    }

    @Test func skipsWhatNoLongerFitsTheCatalogue() throws {
        let path = StateFiles.folder() + "/state"
        var snapshot: [UInt8] = []
        WriteRecord.snapshotStart(coveredSegment: 0, time: 1).append(to: &snapshot)
        // A removed metric, a label value no longer accepted, buckets that changed, then one that fits.
        WriteRecord.familyWritten(metric: "removed_metric_total", time: 1).append(to: &snapshot)
        let changedBuckets = WriteRecord.SeriesState(
            metric: "deployment_duration_seconds",
            labelValues: ["coordinator_pipeline", "success"],
            lastWrite: Self.now,
            value: 0,
            bounds: [1, 2],
            bucketCounts: [1, 1, 1],
            sum: 3,
            count: 3
        )
        WriteRecord.series(changedBuckets).append(to: &snapshot)
        var fits = changedBuckets
        fits.metric = "deployment_started_total"
        fits.labelValues = ["gprd"]
        fits.bounds = []
        fits.bucketCounts = []
        fits.value = 9
        WriteRecord.series(fits).append(to: &snapshot)
        WriteRecord.snapshotEnd(records: 3).append(to: &snapshot)
        StateFiles.write(path, snapshot)
        var journal: [UInt8] = []
        WriteRecord.operation(
            metric: "deployment_started_total",
            time: Self.now,
            operation: .inc,
            labelValues: ["no-such-environment"],
            value: 1
        ).append(to: &journal)
        WriteRecord.operation(
            metric: "removed_metric_total",
            time: Self.now,
            operation: .inc,
            labelValues: [],
            value: 1
        ).append(to: &journal)
        WriteRecord.operation(
            metric: "deployment_started_total",
            time: Self.now,
            operation: .inc,
            labelValues: ["gprd"],
            value: 1
        ).append(to: &journal)
        StateFiles.write(PersistencePaths(snapshot: path).segment(1), journal)

        let booted = try BootedState(path)
        #expect(booted.value("deployment_started_total", ["gprd"]) == 10)
        #expect(booted.value("deployment_started_total", ["no-such-environment"]) == nil)
        let histogram = booted.family("deployment_duration_seconds").series[["coordinator_pipeline", "success"]]
        #expect(histogram?.count == 0)
        #expect(booted.registry.family(named: "removed_metric_total") == nil)
        booted.stop()
    }
}
