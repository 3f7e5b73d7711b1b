import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// A write whose result would not be finite is refused with 400 `invalid_value` and changes nothing: not the series,
/// not the generation, not the family's last write, and nothing reaches the journal (issue 13, item 12).
@Suite("Finite results")
struct FiniteResultTests {
    private let now = Fixtures.now

    /// Runs `body` with a journal writer on `family` that is never flushed, and returns how many records it took.
    private func journaled(_ family: MetricFamily, _ body: () throws -> Void) throws -> Int {
        let loop = try EventLoop()
        let writer = JournalWriter(
            loop: loop,
            files: RecordingFileLayer(),
            paths: PersistencePaths(snapshot: "/nowhere/state"),
            segment: 1,
            descriptor: 999,
            reservedBytes: JournalWriter.defaultReservation
        )
        family.observer = writer
        defer {
            family.observer = nil
            _ = loop.close()
        }
        try body()
        return writer.appendedRecords
    }

    /// Expects `write` refused as not finite, with `family` as it was.
    private func expectRefusedUnchanged(_ family: MetricFamily, _ write: () throws -> Void) throws {
        let series = family.series
        let generation = family.generation
        let lastWrite = family.lastWrite
        let records = try journaled(family) {
            do {
                try write()
                Issue.record("a write whose result is not finite was accepted")
            } catch let error as MetricError {
                #expect(error.status == 400)
                #expect(error.reason.label == "invalid_value")
                #expect(error.message.contains("finite"))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(records == 0)
        #expect(family.generation == generation)
        #expect(family.lastWrite == lastWrite)
        #expect(family.series.count == series.count)
        for (key, before) in series {
            let after = try #require(family.series[key])
            #expect(after.value == before.value && after.sum == before.sum && after.count == before.count)
            #expect(after.bucketCounts == before.bucketCounts && after.lastWrite == before.lastWrite)
        }
    }

    @Test func refusesACounterThatWouldBecomeInfinite() throws {
        let family = Fixtures.counter()
        #expect(try family.apply(.add, labelValues: ["success", "a"], value: 1e308, now: now) == 1e308)
        try expectRefusedUnchanged(family) {
            try family.apply(.add, labelValues: ["success", "a"], value: 1e308, now: now + 1)
        }
        #expect(family.series[["success", "a"]]?.value == 1e308)
        // Other series of the family still take writes.
        #expect(try family.apply(.add, labelValues: ["failed", "a"], value: 1e308, now: now) == 1e308)
    }

    @Test(arguments: [
        (Operation.add, 1e308, 1e308), (.sub, -1e308, 1e308), (.add, -1e308, -1e308),
        (.inc, Double.greatestFiniteMagnitude, 1),
    ])
    func refusesAGaugeThatWouldLeaveTheDoubles(operation: Operation, start: Double, operand: Double) throws {
        let family = Fixtures.gauge()
        try family.apply(.set, labelValues: ["17.4", "x"], value: start, now: now)
        let outcome = start + (operation == .sub ? -operand : operand)
        if outcome.isFinite {
            // max + 1 rounds back to max: finite, so accepted.
            #expect(try family.apply(operation, labelValues: ["17.4", "x"], value: operand, now: now) == outcome)
        } else {
            try expectRefusedUnchanged(family) {
                try family.apply(operation, labelValues: ["17.4", "x"], value: operand, now: now + 1)
            }
            #expect(family.series[["17.4", "x"]]?.value == start)
        }
    }

    @Test func refusesAHistogramWhoseSumWouldBecomeInfinite() throws {
        let family = Fixtures.histogram()
        try family.apply(.observe, labelValues: ["x"], value: 1e308, now: now)
        try expectRefusedUnchanged(family) {
            try family.apply(.observe, labelValues: ["x"], value: 1e308, now: now + 1)
        }
        let series = try #require(family.series[["x"]])
        #expect(series.count == 1 && series.sum == 1e308 && series.bucketCounts == [0, 0, 0, 1])
        // A negative observation brings the sum back within range, so it is accepted.
        try family.apply(.observe, labelValues: ["x"], value: -1e308, now: now)
        #expect(family.series[["x"]]?.sum == 0)
    }

    @Test func aRefusedWriteJournalsNothingWhileAnAcceptedOneDoes() throws {
        let family = Fixtures.counter()
        let accepted = try journaled(family) {
            try family.apply(.add, labelValues: ["success", "a"], value: 1e308, now: now)
        }
        #expect(accepted == 1)
    }
}
