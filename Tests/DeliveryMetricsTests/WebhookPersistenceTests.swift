import Glibc
import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// The de-duplication memory survives a restart with the rest of the state: a delivery's keys and its writes are
/// one journal record, a snapshot carries the live keys, and keys past their age are not brought back.
@Suite("Webhook persistence")
struct WebhookPersistenceTests {
    static let releaseTools = WebhookSources.all.first { $0.projectPath == "gitlab-org/release/tools" }!
    static let omnibus = WebhookSources.all.first { $0.projectPath == "gitlab/omnibus-gitlab" }!

    private static func path() -> String {
        var template = Array("/tmp/delivery-metrics-webhooks-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) } + "/state"
    }

    @Test func countsARedeliveryAcrossARestartOnce() throws {
        let path = Self.path()
        let first = try BootedState(path, webhooks: true)
        #expect(first.deliver(Self.releaseTools, build: 4242) == "counted\n")
        #expect(first.deliver(Self.omnibus, build: 4242) == "counted\n")
        first.sync()
        first.stop()

        let second = try BootedState(path, webhooks: true)
        #expect(second.deliver(Self.releaseTools, build: 4242) == "duplicate\n")
        #expect(second.deliver(Self.omnibus, build: 4242) == "duplicate\n")
        #expect(second.retries(Self.releaseTools) == 1)
        #expect(second.retries(Self.omnibus) == 1)
        second.stop()
    }

    /// The records of a journal segment in the current format (none for an empty file or a bare header).
    private static func payloads(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        guard case .current(let fileID) = Frames.format(of: bytes) else { return [] }
        return FrameReader.read(bytes, fileID: fileID).payloads
    }

    @Test func keepsTheKeysThroughASnapshot() throws {
        let path = Self.path()
        let first = try BootedState(path, webhooks: true)
        #expect(first.deliver(Self.releaseTools, build: 7) == "counted\n")
        first.sync()
        first.persistence.snapshot()
        first.sync()
        first.stop()
        // The snapshot removed the segment that held the delivery: only the snapshot can know the key now.
        let paths = PersistencePaths(snapshot: path)
        let segments = paths.segmentNumbers(in: try POSIXFileLayer().list(paths.folder))
        for number in segments {
            let bytes = try POSIXFileLayer().read(paths.segment(number)) ?? []
            #expect(Self.payloads(bytes).isEmpty)
        }

        let second = try BootedState(path, webhooks: true)
        #expect(second.deliver(Self.releaseTools, build: 7) == "duplicate\n")
        #expect(second.retries(Self.releaseTools) == 1)
        second.stop()
    }

    @Test func journalsADeliveryAsOneRecordWithItsWrites() throws {
        let path = Self.path()
        let first = try BootedState(path, webhooks: true)
        #expect(first.deliver(Self.releaseTools, build: 11, now: 1_700_000_000) == "counted\n")
        first.sync()
        let paths = PersistencePaths(snapshot: path)
        let bytes = try #require(try POSIXFileLayer().read(paths.segment(first.persistence.writer.currentSegment)))
        first.stop()
        let records = try Self.payloads(bytes).map { try WriteRecord(payload: $0) }
        #expect(
            records == [
                .webhookDelivery(
                    source: Self.releaseTools.id,
                    keys: ["build 11 created"],
                    time: 1_700_000_000,
                    writes: [
                        .operation(
                            metric: "webhooks_auto_deploy_job_retries",
                            time: 1_700_000_000,
                            operation: .inc,
                            labelValues: [Self.releaseTools.projectPath, "deploy"],
                            value: 1
                        ),
                        .operation(
                            metric: "webhooks_events_total",
                            time: 1_700_000_000,
                            operation: .inc,
                            labelValues: [Self.releaseTools.projectPath, "counted"],
                            value: 1
                        ),
                    ]
                )
            ]
        )
    }

    @Test func forgetsKeysPastTheirAgeAtBoot() throws {
        let path = Self.path()
        let first = try BootedState(path, webhooks: true)
        let old = WallClock.now() - WebhookDeduplication.maxAge - 60
        #expect(first.deliver(Self.releaseTools, build: 21, now: old) == "counted\n")
        #expect(first.deliver(Self.releaseTools, build: 22) == "counted\n")
        first.sync()
        first.stop()

        let second = try BootedState(path, webhooks: true)
        #expect(second.receiver.deduplication.entries(now: WallClock.now()).map(\.key) == ["build 22 created"])
        #expect(second.deliver(Self.releaseTools, build: 21) == "counted\n")
        #expect(second.deliver(Self.releaseTools, build: 22) == "duplicate\n")
        second.stop()
    }
}

extension BootedState {
    /// The receiver of a state booted with `webhooks`.
    fileprivate var receiver: JobWebhookReceiver { webhooks! }

    /// The receiver's answer to a `created` event of a retried job.
    fileprivate func deliver(_ source: WebhookSource, build: Int, now: Double = WallClock.now()) -> String {
        let body =
            #"{"object_kind":"build","build_id":\#(build),"build_status":"created","build_name":"deploy","#
            + #""retries_count":1,"pipeline_id":900,"ref":"17.5.202410011200+5b3d4fe8e3c.d4ba7c4fe4a","tag":true}"#
        let request = Request(
            head: RequestHead(method: "POST", target: source.route, headers: ["Host": "t"]),
            body: Array(body.utf8)
        )
        return String(decoding: receiver.handle(request, route: source.route, now: now).body, as: UTF8.self)
    }

    fileprivate func retries(_ source: WebhookSource) -> Double? {
        registry.family(.webhookJobRetries).series[[source.projectPath, "deploy"]]?.value
    }
}
