import Testing

@testable import DeliveryMetrics

/// Pushed groups survive a restart: every push, refusal, delete and wipe is journaled and replayed in order, and a
/// snapshot holds the groups whole.
@Suite("Pushed groups persisted")
struct PushPersistenceTests {
    private typealias F = PushFixtures
    /// The writes' times, near the clock's: a boot drops the groups whose time-to-live has passed by then.
    private let base = WallClock.now().rounded(.down)

    /// Three groups, a POST over one, a refused push, a delete: what every test below writes first.
    private func write(_ booted: BootedState) throws {
        let store = booted.pushes
        let long = String(repeating: "é", count: 40_000)  // 80,000 bytes: more than a journal string holds.
        try store.push(
            [
                F.family("builds_total", .counter, help: "Builds.", series: [[("stage", "build")]], value: 3),
                F.family("step_seconds", .histogram, value: 2.5),
                F.family("wait_seconds", .summary, value: 1),
            ],
            to: try F.key("/metrics/job/ci/instance/r1"),
            replace: true,
            timeToLive: 3_600,
            now: base + 100
        )
        try store.push(
            [F.family("builds_total", .counter, series: [[("long", long)]], value: 4)],
            to: try F.key("/metrics/job/ci/instance/r2"),
            replace: true,
            timeToLive: nil,
            now: base + 110
        )
        try store.push(
            [F.family("extra", .gauge)],
            to: try F.key("/metrics/job/ci/instance/r1"),
            replace: false,
            timeToLive: 3_600,
            now: base + 120
        )
        try? store.push(
            [F.family("bad-name", .gauge)],
            to: try F.key("/metrics/job/ci/instance/r1"),
            replace: true,
            timeToLive: nil,
            now: base + 130
        )
        try store.push([], to: try F.key("/metrics/job/gone"), replace: true, timeToLive: nil, now: base + 140)
        store.delete(try F.key("/metrics/job/gone"), now: base + 150)
    }

    @Test func replaysTheJournal() throws {
        let path = StateFiles.folder() + "/state"
        let first = try BootedState(path)
        try write(first)
        let groups = first.pushes.groups
        first.sync()
        first.stop()

        let second = try BootedState(path)
        #expect(second.pushes.groups == groups)
        #expect(second.pushes.groups[try F.key("/metrics/job/ci/instance/r1")]?.failureTime == base + 130)
        #expect(second.pushes.groups.count == 2)
        second.stop()
    }

    @Test func restoresASnapshotAndTheWritesAfterIt() throws {
        let path = StateFiles.folder() + "/state"
        let first = try BootedState(path)
        try write(first)
        first.sync()
        first.persistence.snapshot()
        first.sync()
        try first.pushes.push(
            [F.family("after", .gauge)],
            to: try F.key("/metrics/job/late"),
            replace: true,
            timeToLive: nil,
            now: base + 200
        )
        let groups = first.pushes.groups
        first.sync()
        first.stop()

        let second = try BootedState(path)
        #expect(second.pushes.groups == groups)
        // The indexes came back too: a clash is still one.
        #expect(throws: PushRefusal.self) {
            try second.pushes.push(
                [F.family("builds_total", .gauge)],
                to: try F.key("/metrics/job/other"),
                replace: true,
                timeToLive: nil,
                now: base + 300
            )
        }
        second.stop()
    }

    @Test func replaysAWipe() throws {
        let path = StateFiles.folder() + "/state"
        let first = try BootedState(path)
        try write(first)
        first.pushes.wipe(now: base + 160)
        try first.pushes.push(
            [F.family("x", .gauge)],
            to: try F.key("/metrics/job/new"),
            replace: true,
            timeToLive: nil,
            now: base + 170
        )
        first.sync()
        first.stop()

        let second = try BootedState(path)
        #expect(second.pushes.groups.keys.map(\.description) == ["{job=\"new\"}"])
        second.stop()
    }

    /// A group whose time-to-live ran out while the process was down is gone before the first scrape, and the
    /// next boot does not bring it back either.
    @Test func dropsAtBootTheGroupsThatOutlivedTheirTimeToLive() throws {
        let path = StateFiles.folder() + "/state"
        let first = try BootedState(path)
        try first.pushes.push(
            [F.family("x", .gauge)],
            to: try F.key("/metrics/job/short"),
            replace: true,
            timeToLive: 60,
            now: base - 120
        )
        try first.pushes.push(
            [F.family("x", .gauge)],
            to: try F.key("/metrics/job/long"),
            replace: true,
            timeToLive: 3_600,
            now: base - 120
        )
        first.sync()
        first.stop()

        let second = try BootedState(path)
        #expect(second.pushes.groups.keys.map(\.description) == ["{job=\"long\"}"])
        second.sync()
        second.stop()
        let third = try BootedState(path)
        #expect(third.pushes.groups.keys.map(\.description) == ["{job=\"long\"}"])
        third.stop()
    }

    @Test func writesAPushAsTheProtobufTheDecoderReads() throws {
        let families = [
            F.family("a_total", .counter, help: "", series: [[("x", "1")], [("y", "é")]], value: -2),
            F.family("b", .histogram, value: .infinity),
            F.family("c", .summary, help: "Help\nlines", value: .nan),
            F.family("d", .untyped),
            F.family("e", .gauge),
        ]
        let decoded = try MetricFamilyProtobuf.decodeDelimited(ProtobufWriter.delimited(families))
        #expect(decoded.count == families.count)
        for (got, want) in zip(decoded, families) where want.name != Array("c".utf8) {
            #expect(got == want)
        }
        #expect(decoded[2].metrics[0].summary?.sum.isNaN == true)
        // A record of each kind reads back as written.
        let key = try F.key("/metrics/job/ci/instance@base64/=")
        for record in [
            WriteRecord.push(.pushed(key: key, families: [families[0]], replace: false, timeToLive: 60, time: 1)),
            .push(.failed(key: key, time: 2)), .push(.deleted(key: key, time: 3)), .push(.wiped(time: 4)),
            .pushedGroup(key: key, pushTime: 5, failureTime: 6, timeToLive: nil),
            .pushedFamily(key: key, time: 7, family: families[3]),
        ] {
            var payload: [UInt8] = []
            record.writePayload(into: &payload)
            #expect(try WriteRecord(payload: payload[...]) == record)
        }
    }
}
