import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// `GET /` without a socket.
@Suite("Status page endpoint")
struct StatusPageEndpointTests {
    @Test func servesThePageWithTheConfiguredBaseURLAndWaitsForNothing() {
        let harness = EndpointHarness()
        let endpoint = StatusPageEndpoint(
            cache: StatusPageCache(baseURL: "https://metrics.example"),
            registry: harness.registry
        )
        let answer = endpoint.handle(harness.request(harness.head("GET", "/", token: nil)), ())
        #expect(!answer.waitsForCommit)
        #expect(answer.response.status == 200)
        #expect(answer.text.contains("https://metrics.example/api/"))
    }
}
