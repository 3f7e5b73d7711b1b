import TestSupport
import Testing

/// Job webhooks against the running binary, started with the release-tools and deployer sources enabled
/// (`scripts/acceptance.sh` sets their tokens).
@Suite("Job webhooks", .enabled(if: AcceptanceEnvironment.isConfigured))
struct WebhookAcceptanceTests {
    private static let releaseTools = "/webhooks/job/ops/gitlab-org/release/tools"

    private func deliver(_ route: String, token: String?, _ body: String) async throws -> RawHTTPClient.Response {
        var head = "POST \(route) HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nX-Gitlab-Event: Job Hook\r\n"
        if let token { head += "X-Gitlab-Token: \(token)\r\n" }
        return try await AcceptanceHTTP.request(head + "Content-Length: \(body.utf8.count)\r\n\r\n" + body)
    }

    private func event(_ id: Int, _ status: String, retries: Int, extra: String = "") -> String {
        #"{"object_kind":"build","build_id":\#(id),"build_status":"\#(status)","build_name":"acceptance-deploy","#
            + #""retries_count":\#(retries),"pipeline_id":4242,"ref":"17.6.202411011200+aaaaaaaaaaa.bbbbbbbbbbb","#
            + #""tag":true,"build_duration":null\#(extra)}"#
    }

    @Test func countsARetrySequence() async throws {
        let sequence = [
            event(9_000_001, "failed", retries: 0, extra: #","build_finished_at":"2024-11-01 12:00:00 UTC""#),
            event(9_000_002, "created", retries: 1, extra: #","build_created_at_iso":"2024-11-01T12:01:40Z""#),
            event(9_000_002, "created", retries: 1, extra: #","build_created_at_iso":"2024-11-01T12:01:40Z""#),
            event(9_000_002, "running", retries: 1),
            event(9_000_002, "success", retries: 1, extra: #","build_duration":95.5"#),
        ]
        for body in sequence {
            let response = try await deliver(Self.releaseTools, token: "release-tools-token", body)
            #expect(response.status == 200, "\(response.text)")
        }
        let metrics = try await AcceptanceHTTP.metrics()
        #expect(
            metrics.contains(
                #"delivery_webhooks_auto_deploy_job_retries{job_name="acceptance-deploy",project="gitlab-org/release/tools"} 1"#
                    + "\n"
            )
        )
        #expect(
            metrics.contains(
                #"delivery_webhooks_auto_deploy_job_failure_lost_seconds{job_name="acceptance-deploy"} 100"# + "\n"
            )
        )
        #expect(
            metrics.contains(#"delivery_webhooks_events_total{outcome="duplicate",source="gitlab-org/release/tools"} "#)
        )
    }

    @Test func refusesAWrongOrMissingToken() async throws {
        let wrong = try await deliver(
            Self.releaseTools,
            token: "deployer-token",
            event(9_100_001, "created", retries: 1)
        )
        #expect(wrong.status == 401)
        let missing = try await deliver(Self.releaseTools, token: nil, event(9_100_001, "created", retries: 1))
        #expect(missing.status == 401)
    }

    @Test func answers404ForADisabledSource() async throws {
        let response = try await deliver(
            "/webhooks/job/dev/gitlab/omnibus-gitlab",
            token: "x",
            event(9_200_001, "failed", retries: 0)
        )
        #expect(response.status == 404)
    }

    @Test func refusesGarbageWithoutEffect() async throws {
        let before = try await AcceptanceHTTP.metrics()
        let response = try await deliver(
            "/webhooks/job/ops/gitlab-com/gl-infra/deployer",
            token: "deployer-token",
            "not json at all"
        )
        #expect(response.status == 400)
        #expect(response.text.hasPrefix("body is not JSON"))
        let after = try await AcceptanceHTTP.metrics()
        let retries = { (text: String) in
            text.split(separator: "\n").filter {
                $0.hasPrefix("delivery_webhooks_auto_deploy_job_retries{") && $0.contains("gl-infra/deployer")
            }
        }
        #expect(retries(before) == retries(after))
    }
}
