import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// `DELETE /api/<metric>` without a socket.
@Suite("Reset endpoint")
struct ResetEndpointTests {
    private let harness = EndpointHarness()
    private var endpoint: ResetEndpoint { ResetEndpoint(gate: harness.gate, logger: harness.logger) }

    @Test func refusesWithoutTokenAndForMetricsTheServiceWrites() {
        let head = harness.head("DELETE", "/api/auto_deploy_picks_total", token: nil)
        #expect(endpoint.screen(head, parameters: ["metric": "auto_deploy_picks_total"]).refusal?.status == 401)
        let service = harness.head("DELETE", "/api/deployment_pipelines_total")
        #expect(endpoint.screen(service, parameters: ["metric": "deployment_pipelines_total"]).refusal?.status == 404)
    }

    @Test func resetsTheScreenedFamilyAndWaitsForTheCommit() throws {
        let family = try #require(harness.registry.family(named: "auto_deploy_picks_total"))
        try family.apply(.add, labelValues: ["success"], value: 5, now: 1)
        let head = harness.head("DELETE", "/api/auto_deploy_picks_total")
        let screened = try #require(endpoint.screen(head, parameters: ["metric": "auto_deploy_picks_total"]).accepted)
        #expect(screened === family)
        let answer = endpoint.handle(harness.request(head), screened)
        #expect(answer.waitsForCommit)
        #expect(answer.text == "reset delivery_auto_deploy_picks_total\n")
        #expect(harness.value("auto_deploy_picks_total", ["success"]) == 0)
    }
}
