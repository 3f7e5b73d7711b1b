import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// `/-/healthy` and `/-/ready` without a socket.
@Suite("Health endpoints")
struct HealthEndpointTests {
    private let harness = EndpointHarness()

    @Test func healthyAlwaysAnswers() {
        let answer = HealthyEndpoint().handle(harness.request(harness.head("GET", "/-/healthy")), ())
        #expect(answer.response.status == 200)
        #expect(answer.text == "OK\n")
    }

    @Test func readyFollowsTheLifecycle() {
        let endpoint = ReadyEndpoint(state: harness.state)
        let request = harness.request(harness.head("GET", "/-/ready"))
        #expect(endpoint.handle(request, ()).response.status == 503)
        #expect(endpoint.handle(request, ()).text == "shutting down\n")
        harness.state.isReady = true
        #expect(endpoint.handle(request, ()).response.status == 200)
    }
}
