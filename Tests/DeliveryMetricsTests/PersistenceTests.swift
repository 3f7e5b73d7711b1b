import Glibc
import Logging
import Loop
import Testing

@testable import DeliveryMetrics

/// Persistence over real files in a fresh folder: what was acknowledged comes back after a restart, through
/// snapshots and journal segments, and damaged or foreign content is cut or skipped instead of refusing to start.
@Suite("Persistence")
struct PersistenceTests {
    private static let logger = Logger(label: "persistence-tests") { _ in SwiftLogNoOpLogHandler() }
    private static let now = WallClock.now()

    /// A booted service's state: its registry on a loop, with persistence at `path`.
    private final class Booted {
        let loop: EventLoop
        let registry: Registry
        let persistence: Persistence

        init(_ path: String) throws {
            loop = try EventLoop()
            registry = Registry(
                Catalogue.definitions(experiments: Experiments.definitions),
                maxSeriesPerMetric: 100,
                now: PersistenceTests.now
            )
            persistence = try Persistence(
                path: path,
                intervalMilliseconds: 3_600_000,
                registry: registry,
                loop: loop,
                logger: PersistenceTests.logger
            ) {}
            persistence.start()
        }

        func family(_ name: String) -> MetricFamily { registry.require(name) }

        func value(_ name: String, _ labels: [String]) -> Double? { family(name).series[labels]?.value }

        /// Waits (running the loop) until everything written so far is on disk.
        func sync() {
            var durable: Bool?
            persistence.whenDurable { durable = $0 }
            persistence.writer.flush()
            loop.run()
            #expect(durable == true)
        }

        func stop() {
            persistence.close()
            loop.run()
            _ = loop.close()
        }
    }

    private static func folder() -> String {
        var template = Array("/tmp/delivery-metrics-persistence-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    private static func write(_ path: String, _ bytes: [UInt8]) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }

    private static func contents(_ path: String) -> [UInt8] {
        (try? POSIXFileLayer().read(path)).flatMap { $0 } ?? []
    }

    private static func segments(_ path: String) -> [UInt64] {
        let paths = PersistencePaths(snapshot: path)
        return paths.segmentNumbers(in: (try? POSIXFileLayer().list(paths.folder)) ?? [])
    }

    @Test func bringsBackEveryKindOfWriteAfterARestart() throws {
        let path = Self.folder() + "/state"
        let first = try Booted(path)
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

        let second = try Booted(path)
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
        let path = Self.folder() + "/state"
        let first = try Booted(path)
        let family = first.family("deployment_started")
        let labels = ["gprd", "17.5.202410011200-5b3d4fe8e3c.d4ba7c4fe4a"]
        let ttl = try #require(family.definition.timeToLiveSeconds)
        try family.apply(.set, labelValues: labels, value: 5, now: Self.now - ttl - 60)
        #expect(first.registry.expire(now: Self.now) == 1)
        try family.apply(.inc, labelValues: labels, now: Self.now)
        first.sync()
        first.stop()

        let second = try Booted(path)
        #expect(second.value("deployment_started", labels) == 1)
        second.stop()
    }

    @Test func keepsACopyOfADamagedSnapshot() throws {
        let folder = Self.folder()
        let path = folder + "/state"
        let first = try Booted(path)
        try first.family("deployment_started_total").apply(.inc, labelValues: ["gprd"], now: Self.now)
        first.sync()
        first.persistence.snapshot()
        first.sync()
        first.stop()
        var snapshot = Self.contents(path)
        snapshot[snapshot.count - 3] ^= 0x10
        Self.write(path, snapshot)

        let second = try Booted(path)
        second.stop()
        let names = (try? POSIXFileLayer().list(folder)) ?? []
        #expect(names.contains { $0.hasPrefix("state.damaged-") })
    }

    @Test func foldsTheJournalIntoASnapshotAndKeepsWritesAfterIt() throws {
        let path = Self.folder() + "/state"
        let first = try Booted(path)
        try first.family("deployment_started_total").apply(.inc, labelValues: ["gprd"], now: Self.now)
        first.sync()
        first.persistence.snapshot()
        try first.family("deployment_started_total").apply(.inc, labelValues: ["gprd"], now: Self.now)
        first.family("deployment_started_total").reset(now: Self.now)
        try first.family("deployment_started_total").apply(.add, labelValues: ["gprd"], value: 7, now: Self.now)
        first.sync()
        #expect(Self.segments(path) == [2])
        first.stop()

        let second = try Booted(path)
        #expect(second.value("deployment_started_total", ["gprd"]) == 7)
        second.stop()
    }

    @Test func cutsATornJournalTailAndKeepsWhatPrecedesIt() throws {
        let path = Self.folder() + "/state"
        let first = try Booted(path)
        for _ in 0..<3 { try first.family("deployment_started_total").apply(.inc, labelValues: ["gprd"], now: 1) }
        first.sync()
        first.stop()
        let segment = PersistencePaths(snapshot: path).segment(1)
        let whole = Self.contents(segment)
        let lastRecord = whole.count / 3
        for cut in 1...lastRecord {
            Self.write(segment, Array(whole.dropLast(cut)))
            let booted = try Booted(path)
            #expect(booted.value("deployment_started_total", ["gprd"]) == 2, "cut \(cut) bytes")
            booted.stop()
            for number in Self.segments(path) where number > 1 {
                unlink(PersistencePaths(snapshot: path).segment(number))
            }
            unlink(path)
        }
    }

    @Test func keepsTheRecordsBeforeAFlippedByte() throws {
        let path = Self.folder() + "/state"
        let first = try Booted(path)
        for _ in 0..<4 { try first.family("deployment_started_total").apply(.inc, labelValues: ["gprd"], now: 1) }
        first.sync()
        first.stop()
        let segment = PersistencePaths(snapshot: path).segment(1)
        var damaged = Self.contents(segment)
        damaged[damaged.count / 2 + 3] ^= 0x01
        Self.write(segment, damaged)
        let second = try Booted(path)
        #expect(second.value("deployment_started_total", ["gprd"]) == 2)
        second.stop()
    }

    @Test func startsFromEmptyFiles() throws {
        let path = Self.folder() + "/state"
        Self.write(path, [])
        Self.write(PersistencePaths(snapshot: path).segment(1), [])
        let booted = try Booted(path)
        #expect(booted.value("deployment_started_total", ["gprd"]) == 0)
        // The empty segment goes; the new one is opened above it.
        #expect(Self.segments(path) == [2])
        booted.stop()
    }

    @Test func refusesAFolderWhereTheFileShouldBe() throws {
        let path = Self.folder() + "/state"
        mkdir(path, 0o755)
        #expect(throws: Persistence.Unusable.self) { try Booted(path) }
    }

    @Test func skipsWhatNoLongerFitsTheCatalogue() throws {
        let path = Self.folder() + "/state"
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
        Self.write(path, snapshot)
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
        Self.write(PersistencePaths(snapshot: path).segment(1), journal)

        let booted = try Booted(path)
        #expect(booted.value("deployment_started_total", ["gprd"]) == 10)
        #expect(booted.value("deployment_started_total", ["no-such-environment"]) == nil)
        let histogram = booted.family("deployment_duration_seconds").series[["coordinator_pipeline", "success"]]
        #expect(histogram?.count == 0)
        #expect(booted.registry.family(named: "removed_metric_total") == nil)
        booted.stop()
    }
}
