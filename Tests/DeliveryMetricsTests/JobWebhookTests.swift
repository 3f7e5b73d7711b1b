import Foundation
import Logging
import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// The receiver on real-shaped payloads, without sockets.
@Suite("Job webhooks")
struct JobWebhookTests {
    static let releaseTools = "/webhooks/job/ops/gitlab-org/release/tools"
    static let deployer = "/webhooks/job/ops/gitlab-com/gl-infra/deployer"
    static let staging = "/webhooks/job/ops/gitlab-org/quality/staging"
    static let omnibus = "/webhooks/job/dev/gitlab/omnibus-gitlab"
    static let autoDeployTag = "17.5.202410011200+5b3d4fe8e3c.d4ba7c4fe4a"

    /// A receiver with every source enabled (token `t-<variable>`), over the real catalogue.
    private final class Harness {
        let registry = Registry(
            Catalogue.definitions(experiments: []),
            maxSeriesPerMetric: 10_000,
            now: 0
        )
        let receiver: JobWebhookReceiver

        init() {
            let tokens = Dictionary(uniqueKeysWithValues: WebhookSources.all.map { ($0.tokenVariable, "t") })
            receiver = JobWebhookReceiver(
                tokens: tokens,
                registry: registry,
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
            )
        }

        @discardableResult
        func post(_ route: String, _ event: [String: Any], now: Double = 1_700_000_000) throws -> Response {
            let body = try JSONSerialization.data(withJSONObject: event)
            return receiver.handle(
                Request(head: RequestHead(method: "POST", target: route, headers: ["Host": "t"]), body: Array(body)),
                route: route,
                now: now
            )
        }

        func value(_ name: String, _ labels: [String]) -> Double? {
            registry.family(named: name)?.series[SeriesKey(labels)]?.value
        }

        func histogramCount(_ labels: [String]) -> UInt64 {
            registry.family(named: "webhooks_deployment_job_duration_seconds")?.series[SeriesKey(labels)]?.count ?? 0
        }

        func outcomes(_ source: String, _ outcome: String) -> Double {
            value("webhooks_events_total", [source, outcome]) ?? 0
        }
    }

    private func event(
        id: Int,
        status: String,
        retries: Int = 0,
        name: String = "deploy-gprd",
        ref: String = autoDeployTag,
        tag: Bool = true,
        source: String? = nil,
        created: String? = nil,
        finished: String? = nil,
        duration: Double? = nil
    ) -> [String: Any] {
        var event: [String: Any] = [
            "object_kind": "build", "build_id": id, "build_status": status, "build_name": name, "build_stage": "deploy",
            "retries_count": retries, "pipeline_id": 900, "ref": ref, "tag": tag, "project_name": "Display / Name",
            "build_created_at": created ?? NSNull(), "build_finished_at": finished ?? NSNull(),
            "build_duration": duration ?? NSNull(), "runner": NSNull(), "environment": NSNull(),
        ]
        if let source {
            event["source_pipeline"] = [
                "project": ["id": 1, "path_with_namespace": source], "pipeline_id": 5, "job_id": 6,
            ]
        }
        return event
    }

    @Test func decodesTheDocumentedShape() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/job-event.json"
        )
        let event = try JobEvent(json: Array(try Data(contentsOf: url)))
        #expect(event.buildID == 8_123_456)
        #expect(event.status == "success")
        #expect(event.name == "gprd-cny-migrations")
        #expect(event.ref == Self.autoDeployTag)
        #expect(event.isTag)
        #expect(event.retriesCount == 0)
        #expect(event.pipelineID == 3_350_001)
        #expect(event.duration == 630.25)
        #expect(event.finishedAt == 1_727_785_290)
        #expect(event.sourceProject == nil)
    }

    @Test func prefersTheISOFieldsAndReadsEveryTimeShape() throws {
        let body = #"""
            {"object_kind":"build","build_id":1,"build_status":"failed","build_created_at":"2023-01-10 13:50:05 UTC",
             "build_started_at":"2023-01-10T13:50:05.886Z","build_finished_at":"2023-01-10 13:59:00 UTC",
             "build_finished_at_iso":"2023-01-10T14:00:00+01:00","unknown":{"nested":[null]}}
            """#
        let event = try JobEvent(json: Array(body.utf8))
        #expect(event.createdAt == 1_673_358_605)
        #expect(event.startedAt == 1_673_358_605.886)
        #expect(event.finishedAt == 1_673_355_600)
        #expect(event.retriesCount == 0)
        #expect(event.name == "")
    }

    @Test func countsARetryAndTheTimeItLost() throws {
        let harness = Harness()
        try harness.post(Self.releaseTools, event(id: 10, status: "running"))
        try harness.post(
            Self.releaseTools,
            event(id: 10, status: "failed", finished: "2024-10-01T12:00:00Z", duration: 300)
        )
        try harness.post(
            Self.releaseTools,
            event(id: 11, status: "created", retries: 1, created: "2024-10-01 12:02:30 UTC")
        )
        try harness.post(Self.releaseTools, event(id: 11, status: "running", retries: 1))
        try harness.post(Self.releaseTools, event(id: 11, status: "success", retries: 1, duration: 280))
        #expect(harness.value("webhooks_auto_deploy_job_retries", ["gitlab-org/release/tools", "deploy-gprd"]) == 1)
        #expect(harness.value("webhooks_auto_deploy_job_failure_lost_seconds", ["deploy-gprd"]) == 150)
        #expect(harness.histogramCount(["gitlab-org/release/tools", "failed"]) == 1)
        #expect(harness.histogramCount(["gitlab-org/release/tools", "success"]) == 1)
        #expect(harness.outcomes("gitlab-org/release/tools", "counted") == 5)
    }

    @Test func tellsAFailedJobFromItsCanonicallyEquivalentNamesake() throws {
        // `café` with U+00E9 and with `e` and U+0301: one String, two job names and two label values.
        let (nfc, nfd) = ("deploy-caf\u{E9}", "deploy-cafe\u{301}")
        let harness = Harness()
        try harness.post(
            Self.releaseTools,
            event(id: 50, status: "failed", name: nfc, finished: "2024-10-01T12:00:00Z", duration: 1)
        )
        try harness.post(
            Self.releaseTools,
            event(id: 51, status: "created", retries: 1, name: nfd, created: "2024-10-01 12:01:00 UTC")
        )
        try harness.post(
            Self.releaseTools,
            event(id: 52, status: "created", retries: 1, name: nfc, created: "2024-10-01 12:02:00 UTC")
        )
        let lost = try #require(harness.registry.family(named: "webhooks_auto_deploy_job_failure_lost_seconds"))
        #expect(lost.series.map { Array($0.key[0].utf8) } == [Array(nfc.utf8)])
        #expect(lost.series.values.map(\.value) == [120])
        let retries = try #require(harness.registry.family(named: "webhooks_auto_deploy_job_retries"))
        #expect(retries.series.count == 2)
    }

    @Test func countsTheSameEventOnce() throws {
        let harness = Harness()
        let retry = event(id: 20, status: "created", retries: 2)
        #expect(try harness.post(Self.releaseTools, retry).body == Array("counted\n".utf8))
        #expect(try harness.post(Self.releaseTools, retry).body == Array("duplicate\n".utf8))
        #expect(harness.value("webhooks_auto_deploy_job_retries", ["gitlab-org/release/tools", "deploy-gprd"]) == 1)
        #expect(harness.outcomes("gitlab-org/release/tools", "duplicate") == 1)
    }

    @Test func recognisesARedeliveryByItsIdempotencyKey() throws {
        let harness = Harness()
        func deliver(_ id: Int, key: String) -> Response {
            let body = try! JSONSerialization.data(withJSONObject: event(id: id, status: "created", retries: 1))
            let head = RequestHead(
                method: "POST",
                target: Self.releaseTools,
                headers: ["Host": "t", "Idempotency-Key": key]
            )
            return harness.receiver.handle(Request(head: head, body: Array(body)), route: Self.releaseTools, now: 0)
        }
        #expect(deliver(50, key: "k-1").body == Array("counted\n".utf8))
        #expect(deliver(51, key: "k-1").body == Array("duplicate\n".utf8))
        #expect(deliver(52, key: "k-2").body == Array("counted\n".utf8))
    }

    @Test func ignoresJobsOutsideDeploymentPipelines() throws {
        let harness = Harness()
        let response = try harness.post(
            Self.releaseTools,
            event(id: 30, status: "created", retries: 1, ref: "master", tag: false)
        )
        #expect(response.status == 200)
        #expect(harness.value("webhooks_auto_deploy_job_retries", ["gitlab-org/release/tools", "deploy-gprd"]) == nil)
        #expect(harness.outcomes("gitlab-org/release/tools", "ignored") == 1)
    }

    @Test func appliesEachSourcesRule() {
        let branch = "17-5-auto-deploy-2024100112"
        func matches(_ route: String, _ event: [String: Any]) throws -> Bool {
            let source = try #require(WebhookSources.all.first { $0.route == route })
            let body = try JSONSerialization.data(withJSONObject: event)
            return source.rule.matches(try JobEvent(json: Array(body)))
        }
        #expect((try? matches(Self.releaseTools, event(id: 1, status: "failed"))) == true)
        #expect((try? matches(Self.releaseTools, event(id: 1, status: "failed", ref: branch, tag: false))) == true)
        #expect((try? matches(Self.releaseTools, event(id: 1, status: "failed", ref: "main", tag: false))) == false)
        #expect(
            (try? matches(
                Self.deployer,
                event(id: 1, status: "failed", ref: "master", source: "gitlab-org/release/tools")
            )) == true
        )
        #expect((try? matches(Self.deployer, event(id: 1, status: "failed", ref: "master"))) == false)
        #expect((try? matches(Self.deployer, event(id: 1, status: "failed", source: "someone/else"))) == false)
        #expect(
            (try? matches(
                Self.staging,
                event(id: 1, status: "failed", ref: "master", source: "gitlab-com/gl-infra/deployer")
            )) == true
        )
        #expect((try? matches(Self.omnibus, event(id: 1, status: "failed"))) == true)
        #expect((try? matches(Self.omnibus, event(id: 1, status: "failed", tag: false))) == false)
        #expect((try? matches(Self.omnibus, event(id: 1, status: "failed", ref: "17.5.0+ee.0"))) == false)
        #expect(
            (try? matches(Self.omnibus, event(id: 1, status: "failed", ref: "17.5.202410011200+5b3d4fe8e3c"))) == true
        )
        #expect(
            (try? matches(
                Self.releaseTools,
                event(id: 1, status: "failed", ref: "16-3-auto-deploy-20230812", tag: false)
            )) == true
        )
    }

    @Test func refusesBodiesThatAreNotJobEvents() throws {
        let harness = Harness()
        let route = Self.releaseTools
        for body in ["{nope", "[]", #"{"object_kind":"pipeline"}"#, #"{"object_kind":"build"}"#] {
            let response = harness.receiver.handle(
                Request(
                    head: RequestHead(method: "POST", target: route, headers: ["Host": "t"]),
                    body: Array(body.utf8)
                ),
                route: route,
                now: 0
            )
            #expect(response.status == 400, "\(body)")
        }
        #expect(harness.outcomes("gitlab-org/release/tools", "rejected") == 4)
    }

    @Test func answers200AndCountsADropWhenTheCatalogueRefusesTheWrite() throws {
        let harness = Harness()
        let response = try harness.post(
            Self.releaseTools,
            event(id: 40, status: "created", retries: 1, name: "bad\u{1}name")
        )
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self).hasPrefix("dropped: "))
        #expect(harness.value("webhooks_dropped_events_total", ["invalid_label_value"]) == 1)
        #expect(harness.outcomes("gitlab-org/release/tools", "dropped") == 1)
    }

    @Test func checksTheTokenOnTheHead() {
        let harness = Harness()
        let good = RequestHead(method: "POST", target: Self.deployer, headers: ["Host": "t", "X-Gitlab-Token": "t"])
        let bad = RequestHead(method: "POST", target: Self.deployer, headers: ["Host": "t", "X-Gitlab-Token": "x"])
        let none = RequestHead(method: "POST", target: Self.deployer, headers: ["Host": "t"])
        #expect(harness.receiver.screen(good, route: Self.deployer, now: 0) == nil)
        #expect(harness.receiver.screen(bad, route: Self.deployer, now: 0)?.status == 401)
        #expect(harness.receiver.screen(none, route: Self.deployer, now: 0)?.status == 401)
    }

    @Test func enablesOnlySourcesWithAToken() {
        let receiver = JobWebhookReceiver(
            tokens: ["JOB_WEBHOOK_DEPLOYER_OPS_TOKEN": "x", "JOB_WEBHOOK_STAGING_OPS_TOKEN": ""],
            registry: Registry(Catalogue.definitions(experiments: []), maxSeriesPerMetric: 10, now: 0),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
        #expect(Array(receiver.enabledSources.keys) == [Self.deployer])
    }
}
