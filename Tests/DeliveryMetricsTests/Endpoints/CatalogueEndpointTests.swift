import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// `GET /api` without a socket.
@Suite("Catalogue endpoint")
struct CatalogueEndpointTests {
    private let harness = EndpointHarness()

    @Test func needsTheTokenAndAnswersTheCatalogueAtOnce() throws {
        let endpoint = CatalogueEndpoint(gate: harness.gate)
        #expect(endpoint.screen(harness.head("GET", "/api", token: nil), parameters: [:]).refusal?.status == 401)
        let head = harness.head("GET", "/api")
        try #require(endpoint.screen(head, parameters: [:]).accepted != nil)
        let answer = endpoint.handle(harness.request(head), ())
        #expect(!answer.waitsForCommit)
        #expect(answer.response.headers["Content-Type"] == "application/json")
        #expect(answer.text.contains("\"name\":\"deployment_duration_seconds\""))
    }
}
