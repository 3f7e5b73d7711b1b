import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// A job-webhook route without a socket: the token on the head, and an answer that always waits for the journal.
@Suite("Job webhook endpoint")
struct JobWebhookEndpointTests {
    private let harness = EndpointHarness()
    private let route = "/webhooks/job/ops/gitlab-org/release/tools"

    private var endpoint: JobWebhookEndpoint {
        let tokens = Dictionary(uniqueKeysWithValues: WebhookSources.all.map { ($0.tokenVariable, "hook") })
        let receiver = JobWebhookReceiver(tokens: tokens, registry: harness.registry, logger: harness.logger)
        return JobWebhookEndpoint(receiver: receiver, state: harness.state, route: route)
    }

    @Test func checksTheGitLabTokenOnTheHead() {
        let endpoint = endpoint
        let wrong = harness.head("POST", route, token: nil, headers: [("X-Gitlab-Token", "nope")])
        #expect(endpoint.screen(wrong, parameters: [:]).refusal?.status == 401)
        let right = harness.head("POST", route, token: nil, headers: [("X-Gitlab-Token", "hook")])
        #expect(endpoint.screen(right, parameters: [:]).accepted != nil)
    }

    @Test func everyHandledDeliveryWaitsForTheCommit() {
        let endpoint = endpoint
        var head = harness.head("POST", route, token: nil, headers: [("X-Gitlab-Token", "hook")])
        head.contentLength = 2
        let ignored = endpoint.handle(Request(head: head, body: Array("{}".utf8)), ())
        #expect(ignored.waitsForCommit)
        #expect(ignored.response.status == 400)
    }
}
