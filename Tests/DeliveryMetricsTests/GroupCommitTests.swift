import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// The order that a `200` after `kill -9` cannot prove: a response only after the append and the sync that hold its
/// write; one sync at a time; writes gather into the next batch while one is in flight; no retry after a failure.
@Suite("Group commit")
struct GroupCommitTests {
    private static func record(_ index: Int) -> WriteRecord {
        .operation(metric: "things_total", time: 1, operation: .inc, labelValues: ["\(index)"], value: 1)
    }

    /// A writer on a fresh loop, flushed at the end of every iteration as the application does.
    private static func withWriter(
        _ files: RecordingFileLayer,
        failures: @escaping (IOError) -> Void = { _ in },
        _ body: (EventLoop, JournalWriter) -> Void
    ) throws {
        let loop = try EventLoop()
        let writer = JournalWriter(
            loop: loop,
            files: files,
            paths: PersistencePaths(snapshot: "/nowhere/state"),
            segment: 1,
            descriptor: 999,
            reservedBytes: JournalWriter.defaultReservation
        )
        writer.onFailure = failures
        let hook = IterationHook(loop: loop) { writer.flush() }
        body(loop, writer)
        // The hook flushes at the end of each iteration; a loop with nothing else active would not iterate at all.
        writer.flush()
        loop.run()
        hook.close()
        loop.run()
        #expect(loop.close() == 0)
    }

    @Test func answersOnlyAfterTheAppendAndTheSync() throws {
        let files = RecordingFileLayer()
        try Self.withWriter(files) { _, writer in
            writer.append(Self.record(1))
            writer.whenDurable { files.record("respond \($0)") }
        }
        #expect(files.events == ["append 1", "sync", "respond true"])
    }

    @Test func gathersTheNextBatchWhileASyncIsInFlight() throws {
        let files = RecordingFileLayer(syncDelayMicroseconds: 100_000)
        try Self.withWriter(files) { loop, writer in
            writer.append(Self.record(1))
            writer.whenDurable { files.record("respond A \($0)") }
            // While the first sync sleeps, three more writes arrive over several iterations.
            var timers: [Timer] = []
            for (index, delay) in [(2, 10), (3, 30), (4, 50)] {
                timers.append(
                    Timer.once(on: loop, after: UInt64(delay)) {
                        writer.append(Self.record(index))
                        writer.whenDurable { files.record("respond \(index) \($0)") }
                    }
                )
            }
        }
        // What gathered during the first sync is handed over before that sync's answers go out, so the second
        // sync runs while they are written: its append (on a pool thread) and the first answer (on the loop) may
        // be recorded in either order.
        let events = files.events
        #expect(events.count == 8)
        #expect(Array(events.prefix(2)) == ["append 1", "sync"])
        #expect(Set(events.dropFirst(2).prefix(2)) == ["append 3", "respond A true"])
        #expect(Array(events.dropFirst(4)) == ["sync", "respond 2 true", "respond 3 true", "respond 4 true"])
        #expect(files.mostSyncsInFlight == 1)
    }

    @Test func answersEveryWaiterFalseAndNeverRetriesAFailedSync() throws {
        let files = RecordingFileLayer(failSync: true)
        var failures = 0
        let countFailure: (IOError) -> Void = { _ in failures += 1 }
        try Self.withWriter(files, failures: countFailure) { loop, writer in
            writer.append(Self.record(1))
            writer.whenDurable { files.record("respond A \($0)") }
            _ = Timer.once(on: loop, after: 20) {
                writer.append(Self.record(2))
                writer.whenDurable { files.record("respond B \($0)") }
            }
        }
        #expect(files.events == ["append 1", "sync failed", "respond A false", "respond B false"])
        #expect(files.syncAttempts == 1)
        #expect(failures == 1)
    }

    @Test func opensTheNextSegmentAfterSyncingTheOldOne() throws {
        let files = RecordingFileLayer()
        try Self.withWriter(files) { _, writer in
            writer.append(Self.record(1))
            #expect(writer.startNextSegment() == 1)
            writer.append(Self.record(2))
            writer.whenDurable { files.record("respond \($0)") }
        }
        #expect(files.events == ["append 1", "sync", "open 2", "close", "append 1", "sync", "respond true"])
    }
}
