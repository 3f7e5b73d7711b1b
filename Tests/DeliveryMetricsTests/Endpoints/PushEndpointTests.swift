import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// `POST /api/<metric>/<operation>` without a socket: what screening refuses, what it resolves, and what handling
/// answers and waits for.
@Suite("Push endpoint")
struct PushEndpointTests {
    private let harness = EndpointHarness()
    private var endpoint: PushEndpoint { PushEndpoint(gate: harness.gate) }
    private let path = "/api/deployment_can_rollback_total/add"

    private func screen(
        _ metric: String,
        _ operation: String,
        token: String? = EndpointHarness.token
    )
        -> Screening<PushEndpoint.Context>
    {
        endpoint.screen(
            harness.head("POST", "/api/\(metric)/\(operation)", token: token),
            parameters: ["metric": metric, "operation": operation]
        )
    }

    @Test func refusesAMissingOrWrongTokenBeforeTheBody() {
        #expect(screen("deployment_can_rollback_total", "add", token: nil).refusal?.status == 401)
        #expect(screen("deployment_can_rollback_total", "add", token: "nope").refusal?.status == 401)
        #expect(harness.value("metrics_api_errors_total", ["unauthorized"]) == 2)
    }

    @Test func refusesUnknownMetricsServiceMetricsAndOperationsTheTypeLacks() {
        #expect(screen("no_such_metric", "inc").refusal?.status == 404)
        #expect(screen("deployment_pipelines_total", "set").refusal?.status == 404)
        let wrong = screen("deployment_can_rollback_total", "set").refusal
        #expect(wrong?.status == 404)
        let reason = String(decoding: wrong?.body ?? [], as: UTF8.self)
        #expect(reason.contains("its operations are inc, add"))
    }

    @Test func resolvesTheFamilyAndOperationOnce() throws {
        let context = try #require(screen("deployment_can_rollback_total", "add").accepted)
        #expect(context.family.definition.fullName == "delivery_deployment_can_rollback_total")
        #expect(context.operation == .add)
    }

    @Test func aWriteWaitsForTheCommitAndARefusalDoesNot() throws {
        let context = try #require(screen("deployment_can_rollback_total", "add").accepted)
        let head = harness.head("POST", path)
        let written = endpoint.handle(harness.request(head, form: "value=2&labels=gprd"), context)
        #expect(written.waitsForCommit)
        #expect(written.text == "delivery_deployment_can_rollback_total{target_env=\"gprd\"} 2\n")
        let refused = endpoint.handle(harness.request(head, form: "value=2&labels=mars"), context)
        #expect(!refused.waitsForCommit)
        #expect(refused.response.status == 400)
        #expect(harness.value("deployment_can_rollback_total", ["gprd"]) == 2)
    }

    @Test func answersFromItsKeptBufferWithoutChangingAnAnswerStillHeld() throws {
        let endpoint = endpoint
        let context = try #require(screen("deployment_can_rollback_total", "add").accepted)
        let head = harness.head("POST", path)
        let first = endpoint.handle(harness.request(head, form: "value=2&labels=gprd"), context)
        let second = endpoint.handle(harness.request(head, form: "value=0.5&labels=gstg"), context)
        #expect(first.text == "delivery_deployment_can_rollback_total{target_env=\"gprd\"} 2\n")
        #expect(second.text == "delivery_deployment_can_rollback_total{target_env=\"gstg\"} 0.5\n")
        #expect(first.response.headers["Content-Type"] == "text/plain; charset=utf-8")
        let histogram = try #require(
            endpoint.screen(
                harness.head("POST", "/api/deployment_duration_seconds/observe"),
                parameters: ["metric": "deployment_duration_seconds", "operation": "observe"]
            ).accepted
        )
        for value in ["14400", "0.25", "1e7"] {
            let observed = endpoint.handle(
                harness.request(head, form: "value=\(value)&labels=coordinator_pipeline,success"),
                histogram
            )
            #expect(
                observed.text
                    == "observed \(GoFloat.format(Double(value)!)) in "
                    + "delivery_deployment_duration_seconds{deployment_type=\"coordinator_pipeline\",status=\"success\"}\n"
            )
        }
    }
}
