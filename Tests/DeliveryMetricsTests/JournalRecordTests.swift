import CZlib
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// The journal's framing: what is written reads back, and a torn or corrupt tail is cut without losing what precedes.
@Suite("Journal records")
struct JournalRecordTests {
    // Computed, not stored: a global holding enum payloads (pointers with tag bits) looks like a leak to LSan.
    static var records: [WriteRecord] {
        [
            .operation(
                metric: "deployment_started_total",
                time: 1_700_000_000.5,
                operation: .inc,
                labelValues: ["gprd"],
                value: 1
            ),
            .operation(
                metric: "deployment_duration_seconds",
                time: 1_700_000_001,
                operation: .observe,
                labelValues: ["coordinator_pipeline", "success"],
                value: 14_400.25
            ),
            .stored(metric: "deployment_pipelines_total", time: 3, labelValues: ["running"], value: 4),
            .reset(metric: "deployment_blocker_count", time: 4),
            .expired(metric: "deployment_started", time: 4.5),
            .snapshotStart(coveredSegment: 7, time: 5),
            .series(
                WriteRecord.SeriesState(
                    metric: "deployment_duration_seconds",
                    labelValues: ["a,b", "ünïcode\n"],
                    lastWrite: 6,
                    value: 0,
                    bounds: [1, 2.5],
                    bucketCounts: [1, 0, 3],
                    sum: 42.5,
                    count: 4
                )
            ),
            .familyWritten(metric: "deployment_started_total", time: 7),
            .snapshotEnd(records: 3),
        ]
    }

    static func encoded(_ records: [WriteRecord]) -> [UInt8] {
        var bytes: [UInt8] = []
        for record in records { record.append(to: &bytes) }
        return bytes
    }

    /// The bytes on disk, pinned: a journal written by one build must replay in the next, so the encoding may be
    /// made faster but never different. (The CRC-32 and length of every record above framed in one file.)
    @Test func writesTheSameBytesAsEver() {
        var writer = FrameWriter(fileID: 0x0123_4567_89AB_CDEF)
        var bytes = writer.header
        for record in Self.records { writer.append(record, to: &bytes) }
        let checksum = bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
        #expect(bytes.count == 698)
        #expect(checksum == 4_156_320_391)
    }

    @Test func readsBackWhatItWrote() throws {
        let bytes = Self.encoded(Self.records)
        let (payloads, valid) = RecordFraming.payloads(of: bytes)
        #expect(valid == bytes.count)
        #expect(try payloads.map { try WriteRecord(payload: $0) } == Self.records)
    }

    @Test func cutsATruncatedLastRecordAtEveryByte() throws {
        let kept = Self.encoded(Array(Self.records.dropLast(2)))
        let whole = Self.encoded(Self.records)
        for length in kept.count..<whole.count {
            let (payloads, valid) = RecordFraming.payloads(of: Array(whole[..<length]))
            let expected = Self.records.count - (length < Self.encoded(Array(Self.records.dropLast())).count ? 2 : 1)
            #expect(payloads.count == expected, "cut at \(length)")
            #expect(valid <= length)
            #expect(try payloads.map { try WriteRecord(payload: $0) } == Array(Self.records.prefix(expected)))
        }
    }

    @Test func stopsAtAFlippedByteAndKeepsWhatCameBefore() {
        let whole = Self.encoded(Self.records)
        let firstTwo = Self.encoded(Array(Self.records.prefix(2))).count
        for offset in stride(from: firstTwo, to: whole.count, by: 3) {
            var damaged = whole
            damaged[offset] ^= 0x5A
            let (payloads, valid) = RecordFraming.payloads(of: damaged)
            #expect(payloads.count >= 2, "flip at \(offset)")
            #expect(valid <= offset, "flip at \(offset) must end the intact part")
        }
    }

    @Test func cutsAZeroFilledTail() {
        let whole = Self.encoded(Self.records)
        let (payloads, valid) = RecordFraming.payloads(of: whole + [UInt8](repeating: 0, count: 16))
        #expect(payloads.count == Self.records.count)
        #expect(valid == whole.count)
    }

    @Test func readsNothingFromAnEmptyFile() {
        let (payloads, valid) = RecordFraming.payloads(of: [])
        #expect(payloads.isEmpty && valid == 0)
    }

    @Test func refusesAHugeLengthWithoutAllocatingIt() {
        let bytes: [UInt8] = [0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0, 1, 2, 3]
        #expect(RecordFraming.payloads(of: bytes).payloads.isEmpty)
    }
}
