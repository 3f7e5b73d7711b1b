import Foundation
import Logging
import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// De-duplication is per source: instances number their builds separately, and one source's token must not let
/// anyone suppress or evict another source's deliveries.
@Suite("Webhook de-duplication")
struct WebhookDeduplicationTests {
    static let releaseTools = WebhookSources.all.first { $0.projectPath == "gitlab-org/release/tools" }!
    static let omnibus = WebhookSources.all.first { $0.projectPath == "gitlab/omnibus-gitlab" }!
    static let autoDeployTag = "17.5.202410011200+5b3d4fe8e3c.d4ba7c4fe4a"

    private static func receiver() -> (JobWebhookReceiver, Registry) {
        let registry = Registry(Catalogue.definitions(experiments: []), maxSeriesPerMetric: 10_000, now: 0)
        let tokens = Dictionary(uniqueKeysWithValues: WebhookSources.all.map { ($0.tokenVariable, "t") })
        let receiver = JobWebhookReceiver(
            tokens: tokens,
            registry: registry,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
        return (receiver, registry)
    }

    private static func deliver(
        _ receiver: JobWebhookReceiver,
        _ source: WebhookSource,
        build: Int,
        idempotencyKey: String? = nil
    ) -> String {
        let body =
            #"{"object_kind":"build","build_id":\#(build),"build_status":"created","build_name":"deploy","#
            + #""retries_count":1,"pipeline_id":900,"ref":"\#(autoDeployTag)","tag":true}"#
        var headers: HTTPHeaders = ["Host": "t"]
        if let idempotencyKey { headers.add("Idempotency-Key", idempotencyKey) }
        let request = Request(
            head: RequestHead(method: "POST", target: source.route, headers: headers),
            body: Array(body.utf8)
        )
        return String(decoding: receiver.handle(request, route: source.route, now: 1_700_000_000).body, as: UTF8.self)
    }

    @Test func countsTheSameBuildNumberFromTwoSourcesTwice() {
        let (receiver, registry) = Self.receiver()
        #expect(Self.deliver(receiver, Self.releaseTools, build: 4242) == "counted\n")
        #expect(Self.deliver(receiver, Self.omnibus, build: 4242) == "counted\n")
        #expect(Self.deliver(receiver, Self.omnibus, build: 4242) == "duplicate\n")
        let retries = registry.family(.webhookJobRetries)
        #expect(retries.series[["gitlab-org/release/tools", "deploy"]]?.value == 1)
        #expect(retries.series[["gitlab/omnibus-gitlab", "deploy"]]?.value == 1)
    }

    @Test func keysTheIdempotencyKeyPerSourceToo() {
        let (receiver, _) = Self.receiver()
        #expect(Self.deliver(receiver, Self.releaseTools, build: 1, idempotencyKey: "k-1") == "counted\n")
        #expect(Self.deliver(receiver, Self.omnibus, build: 2, idempotencyKey: "k-1") == "counted\n")
        #expect(Self.deliver(receiver, Self.omnibus, build: 3, idempotencyKey: "k-1") == "duplicate\n")
    }

    @Test func letsNoSourceEvictOrPrefillAnother() {
        let deduplication = WebhookDeduplication()
        let ops = Self.releaseTools.id
        let dev = Self.omnibus.id
        deduplication.remember(["build 4242 created"], source: ops, now: 0) {}
        // Another source's token holder floods its own share, and pre-fills the key the first source will send.
        for build in 0...WebhookDeduplication.capacityPerSource {
            deduplication.remember(["build \(build) created"], source: dev, now: 1) {}
        }
        deduplication.remember(["build 5000000 success"], source: dev, now: 1) {}
        #expect(deduplication.isDuplicate(["build 4242 created"], source: ops, now: 2))
        #expect(!deduplication.isDuplicate(["build 5000000 success"], source: ops, now: 2))
        #expect(deduplication.stored(for: ops).keys == 1)
        #expect(deduplication.stored(for: ops).slots == 1)
        #expect(deduplication.stored(for: dev).slots == WebhookDeduplication.capacityPerSource)
    }

    @Test func remembersNoKeyLongerThanItsBound() {
        let long = String(repeating: "x", count: WebhookDeduplication.maxKeyBytes)
        let keys = WebhookDeduplication.keys(buildID: 7, status: "success", idempotencyKey: long)
        #expect(keys == ["build 7 success"])
        #expect(
            WebhookDeduplication.keys(buildID: 7, status: String(repeating: "s", count: 200), idempotencyKey: "u")
                == ["key u"]
        )
    }

    @Test func restoresOnlyLiveKeysOfKnownSources() {
        let deduplication = WebhookDeduplication()
        let now = 100_000.0
        #expect(deduplication.restore(["build 1 failed"], source: Self.releaseTools.id, time: now - 60, now: now))
        #expect(
            deduplication.restore(
                ["build 2 failed"],
                source: Self.releaseTools.id,
                time: now - WebhookDeduplication.maxAge - 1,
                now: now
            )
        )
        #expect(!deduplication.restore(["build 3 failed"], source: "ops/gone/project", time: now, now: now))
        #expect(deduplication.isDuplicate(["build 1 failed"], source: Self.releaseTools.id, now: now))
        #expect(!deduplication.isDuplicate(["build 2 failed"], source: Self.releaseTools.id, now: now))
        let live = WebhookDeduplication.Entry(source: Self.releaseTools.id, key: "build 1 failed", time: now - 60)
        #expect(deduplication.entries(now: now) == [live])
    }
}
