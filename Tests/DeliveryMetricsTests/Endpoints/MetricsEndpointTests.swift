import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// `GET /metrics` without a socket: format and encoding negotiation, and that a scrape waits for nothing.
@Suite("Metrics endpoint")
struct MetricsEndpointTests {
    private let harness = EndpointHarness()

    private var endpoint: MetricsEndpoint {
        MetricsEndpoint(
            registry: harness.registry,
            exposition: ExpositionCache(harness.registry),
            instrumentation: harness.instrumentation,
            sink: LogSink(descriptor: -1)
        )
    }

    private func scrape(_ headers: [(String, String)]) -> Answer {
        endpoint.handle(harness.request(harness.head("GET", "/metrics", token: nil, headers: headers)), ())
    }

    @Test func servesTextByDefaultAndCountsTheScrapeAfterRendering() {
        let answer = scrape([])
        #expect(!answer.waitsForCommit)
        #expect(answer.response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(answer.response.headers["Vary"] == "Accept, Accept-Encoding")
        #expect(harness.value("metrics_scrapes_total", ["text", "identity"]) == 1)
    }

    @Test func negotiatesOpenMetricsAndGzip() {
        let answer = scrape([
            ("Accept", "application/openmetrics-text; version=1.0.0"), ("Accept-Encoding", "gzip"),
        ])
        #expect(answer.response.headers["Content-Type"]?.hasPrefix("application/openmetrics-text") == true)
        #expect(answer.response.headers["Content-Encoding"] == "gzip")
        #expect(harness.value("metrics_scrapes_total", ["openmetrics", "gzip"]) == 1)
    }
}
