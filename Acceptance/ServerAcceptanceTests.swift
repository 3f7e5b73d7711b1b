import TestSupport
import Testing

/// The running binary, reached over real sockets exactly as Prometheus and curl reach it.
@Suite("Running server", .enabled(if: AcceptanceEnvironment.isConfigured))
struct ServerAcceptanceTests {
    private func request(_ text: String) async throws -> RawHTTPClient.Response {
        try await onOwnThread {
            let client = try AcceptanceEnvironment.client()
            try client.send(text)
            return try #require(try client.readResponse())
        }
    }

    @Test func isHealthyAndReady() async throws {
        #expect(try await request("GET /-/healthy HTTP/1.1\r\nHost: a\r\n\r\n").text == "OK\n")
        #expect(try await request("GET /-/ready HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)
    }

    @Test func servesPrometheusTextWithTheBuildStamped() async throws {
        let response = try await request("GET /metrics HTTP/1.1\r\nHost: a\r\nAccept-Encoding: identity\r\n\r\n")
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        let versionLine = try #require(
            response.text.split(separator: "\n").first { $0.hasPrefix("delivery_version_info{") }
        )
        // `make build` stamps the revision and date: a release binary never reports the plain-build defaults.
        #expect(!versionLine.contains("Development"))
        #expect(!versionLine.contains("Unknown"))
        #expect(response.text.contains("\nprocess_resident_memory_bytes "))
        #expect(response.text.hasSuffix("\n"))
    }

    @Test func keepsAliveAndPipelines() async throws {
        try await onOwnThread {
            let client = try AcceptanceEnvironment.client()
            try client.send(String(repeating: "GET /-/healthy HTTP/1.1\r\nHost: a\r\n\r\n", count: 5))
            for _ in 0..<5 {
                #expect(try client.readResponse()?.status == 200)
            }
        }
    }

    @Test func refusesBadInputWithAStatusAndOneLine() async throws {
        let notFound = try await request("GET /missing HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(notFound.status == 404)
        #expect(notFound.text.split(separator: "\n").count == 1)
        let malformed = try await request("GET / HTTP/1.1\r\nHost a\r\n\r\n")
        #expect(malformed.status == 400)
        let tooLarge = try await request(
            "POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n"
        )
        #expect(tooLarge.status == 413)
        // The server is still there after all of it.
        #expect(try await request("GET /-/healthy HTTP/1.1\r\nHost: a\r\n\r\n").status == 200)
    }
}
