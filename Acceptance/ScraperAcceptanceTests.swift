import Foundation
import Loop
import TestSupport
import Testing

/// The binary's pipelines observer against a fake GitLab API served from this test process.
@Suite("Pipelines observer", .enabled(if: AcceptanceEnvironment.binary != nil))
struct ScraperAcceptanceTests {
    private final class FakeAPI: HTTPHandler {
        func handle(_ request: Request, screened: Void, responder: Responder) {
            guard request.headers["PRIVATE-TOKEN"] == "ops-acceptance" else {
                return responder.respond(.text(401, "{\"message\":\"401 Unauthorized\"}"))
            }
            let tag = "17.6.202411011200+aaaaaaaaaaa.bbbbbbbbbbb"
            let body =
                #"[{"id":3,"status":"running","ref":"\#(tag)"},{"id":2,"status":"failed","ref":"\#(tag)"},"#
                + #"{"id":1,"status":"success","ref":"\#(tag)"}]"#
            responder.respond(
                Response(
                    status: 200,
                    headers: ["Content-Type": "application/json", "X-Next-Page": ""],
                    body: Array(body.utf8)
                )
            )
        }
    }

    @Test func publishesTheCoordinatedPipelinesItScraped() async throws {
        let api = try await LoopThread.start { loop in
            let handler = FakeAPI()
            let server = HTTPServer(loop: loop, handler: handler)
            let port = try server.listen(on: SocketAddress(host: "127.0.0.1", port: 0)).port
            return LoopThread.Setup(port: port) {
                _ = handler
                server.closeAll()
            }
        }
        let outcome = try await onOwnThread { [apiPort = api.port] () -> String in
            let copy = try ServedCopy(environment: [
                "AUTH_TOKEN": "t", "DELIVERY_METRICS_OPS_TOKEN": "ops-acceptance",
                "DELIVERY_METRICS_OPS_URL": "http://127.0.0.1:\(apiPort)",
            ])
            defer { copy.kill() }
            let port = copy.port
            // The first scrape runs at boot; wait for its result to show.
            for _ in 0..<100 {
                let client = try RawHTTPClient(port: port)
                try client.send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n")
                let metrics = try #require(try client.readResponse()).text
                if metrics.contains("delivery_deployment_pipelines_total{status=\"success\"} 1\n") { return metrics }
                Thread.sleep(forTimeInterval: 0.1)
            }
            throw TestFailure("the gauge never showed the scrape")
        }
        #expect(outcome.contains("delivery_deployment_pipelines_total{status=\"running\"} 1\n"))
        #expect(outcome.contains("delivery_deployment_pipelines_total{status=\"failed\"} 1\n"))
        #expect(outcome.contains("delivery_deployment_pipelines_total{status=\"manual\"} 0\n"))
        #expect(outcome.contains("delivery_deployment_pipelines_observer_api_requests_total{code=\"200\"} 1\n"))
        #expect(try await api.stop() == 0)
    }
}
