import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// The journal record of a webhook delivery: its keys and its writes in one frame, read back whole; the older
/// records keep their encoding.
@Suite("Webhook delivery records")
struct WebhookDeliveryRecordTests {
    static var delivery: WriteRecord {
        .webhookDelivery(
            source: "ops/gitlab-org/release/tools",
            keys: ["build 4242 created", "key 6a1c0d2e-0000-4000-8000-000000000000"],
            time: 1_700_000_000.25,
            writes: [
                .operation(
                    metric: "webhooks_auto_deploy_job_retries",
                    time: 1_700_000_000.25,
                    operation: .inc,
                    labelValues: ["gitlab-org/release/tools", "deploy"],
                    value: 1
                ),
                .stored(metric: "webhooks_events_total", time: 2, labelValues: ["a", "b"], value: 3),
                .reset(metric: "deployment_blocker_count", time: 4),
                .expired(metric: "deployment_started", time: 5),
            ]
        )
    }

    private static func payloads(_ records: [WriteRecord]) -> [ArraySlice<UInt8>] {
        var bytes: [UInt8] = []
        for record in records { record.append(to: &bytes) }
        return RecordFraming.payloads(of: bytes).payloads
    }

    @Test func readsBackADeliveryWithItsWritesInOneFrame() throws {
        let withoutWrites = WriteRecord.webhookDelivery(source: "dev/x", keys: ["k"], time: 1, writes: [])
        let payloads = Self.payloads([Self.delivery, withoutWrites])
        #expect(payloads.count == 2)
        #expect(try WriteRecord(payload: payloads[0]) == Self.delivery)
        #expect(try WriteRecord(payload: payloads[1]) == withoutWrites)
    }

    @Test func refusesADeliveryInsideADeliveryAndSnapshotRecordsInside() {
        func delivery(holding inner: [UInt8]) -> [UInt8] {
            var payload: [UInt8] = []
            PayloadWriter.put(UInt8(5), &payload)
            PayloadWriter.put("ops/p", &payload)
            PayloadWriter.put(1.0, &payload)
            PayloadWriter.put(UInt64(0), &payload)
            PayloadWriter.put(UInt64(1), &payload)
            return payload + inner
        }
        let inner = delivery(holding: [])
        var snapshotEnd: [UInt8] = []
        PayloadWriter.put(UInt8(13), &snapshotEnd)
        PayloadWriter.put(UInt64(0), &snapshotEnd)
        for payload in [delivery(holding: inner), delivery(holding: snapshotEnd)] {
            #expect(throws: WriteRecord.Malformed.self) { try WriteRecord(payload: payload[...]) }
        }
        // One write announced, none there; and a byte after the last write.
        #expect(throws: WriteRecord.Malformed.self) { try WriteRecord(payload: delivery(holding: [])[...]) }
        var trailing = Self.payloads([Self.delivery])[0]
        trailing.append(0)
        #expect(throws: WriteRecord.Malformed.self) { try WriteRecord(payload: trailing) }
    }

    /// Journals written before deliveries were grouped still read: an operation's payload, byte by byte.
    @Test func readsAnOperationAsOlderJournalsHoldIt() throws {
        var payload: [UInt8] = [1]
        payload += [24, 0] + Array("deployment_started_total".utf8)
        payload += (0..<8).map { UInt8(truncatingIfNeeded: (1_700_000_000.5 as Double).bitPattern >> (8 * $0)) }
        payload += [3, 0] + Array("inc".utf8)
        payload += [1, 4, 0] + Array("gprd".utf8)
        payload += (0..<8).map { UInt8(truncatingIfNeeded: (1.0 as Double).bitPattern >> (8 * $0)) }
        let record = WriteRecord.operation(
            metric: "deployment_started_total",
            time: 1_700_000_000.5,
            operation: .inc,
            labelValues: ["gprd"],
            value: 1
        )
        #expect(try WriteRecord(payload: payload[...]) == record)
        #expect(Self.payloads([record]) == [payload[...]])
    }
}
