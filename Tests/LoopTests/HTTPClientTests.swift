import Foundation
import Loop
import Synchronization
import TestSupport
import Testing

/// The libcurl-on-libuv client against servers on loopback: our own server on the same loop, a server that never
/// answers, and openssl's TLS server.
@Suite("HTTP client")
struct HTTPClientTests {
    /// Results the loop thread hands to the test.
    final class Outcomes: Sendable {
        let texts = Mutex<[String]>([])
        func add(_ text: String) { texts.withLock { $0.append(text) } }
        var all: [String] { texts.withLock { $0 } }
    }

    private final class SlowHandler: HTTPHandler {
        let loop: EventLoop
        init(loop: EventLoop) { self.loop = loop }
        func handle(_ request: Request, screened: Void, responder: Responder) {
            if request.target == "/never" { return }  // Keeps the responder waiting forever.
            let agent = request.headers["X-Test"] ?? "none"
            responder.respond(.text(200, "path \(request.target) header \(agent)", headers: ["X-Reply": "yes"]))
        }
    }

    /// Runs `body` on a loop with a server of ours listening; `body` calls `done` when it is finished.
    private func withServer(
        _ body: @escaping @Sendable (EventLoop, Int, @escaping () -> Void) throws -> Void
    ) async throws -> Int32 {
        let thread = try await LoopThread.start { loop in
            let handler = SlowHandler(loop: loop)
            let server = HTTPServer(loop: loop, handler: handler)
            let port = try server.listen(on: SocketAddress(host: "127.0.0.1", port: 0)).port
            try body(loop, port) {
                _ = handler
                server.closeAll()
            }
            return LoopThread.Setup(port: port) { server.closeAll() }
        }
        return try await thread.join()
    }

    @Test func getsAResponseWithHeadersAndBody() async throws {
        let outcomes = Outcomes()
        let status = try await withServer { loop, port, done in
            let client = try HTTPClient(loop: loop)
            client.get("http://127.0.0.1:\(port)/hello?x=1", headers: [("X-Test", "abc")]) { result in
                switch result {
                case .success(let response):
                    outcomes.add("\(response.status) \(String(decoding: response.body, as: UTF8.self))")
                    outcomes.add("reply \(response.headers["x-reply"] ?? "-")")
                case .failure(let error):
                    outcomes.add("error \(error)")
                }
                client.close()
                done()
            }
        }
        #expect(status == 0)
        #expect(outcomes.all == ["200 path /hello?x=1 header abc", "reply yes"])
    }

    @Test func timesOutWithoutStallingTheLoop() async throws {
        let outcomes = Outcomes()
        let status = try await withServer { loop, port, done in
            var options = HTTPClientOptions()
            options.totalTimeoutMilliseconds = 400
            let client = try HTTPClient(loop: loop, options: options)
            client.get("http://127.0.0.1:\(port)/never") { result in
                if case .failure(let error) = result { outcomes.add("timeout: \(error)") }
                client.close()
                done()
            }
            // While that request hangs, the loop keeps serving: a second one completes first.
            client.get("http://127.0.0.1:\(port)/quick") { result in
                if case .success(let response) = result { outcomes.add("quick \(response.status)") }
            }
        }
        #expect(status == 0)
        let all = outcomes.all
        #expect(all.first == "quick 200")
        #expect(all.count == 2)
        #expect(all.last?.hasPrefix("timeout: ") == true)
    }

    @Test func reportsARefusedConnection() async throws {
        let outcomes = Outcomes()
        let status = try await withServer { loop, _, done in
            let client = try HTTPClient(loop: loop)
            client.get("http://127.0.0.1:1/") { result in
                if case .failure = result { outcomes.add("refused") }
                client.close()
                done()
            }
        }
        #expect(status == 0)
        #expect(outcomes.all == ["refused"])
    }

    @Test func resolvesNamesOffTheLoop() {
        #expect(HTTPClient.resolvesAsynchronously)
    }

    @Test func verifiesCertificatesAndTrustsAGivenCA() async throws {
        guard let tls = try await TLSServer.start() else { return }  // No openssl binary on this machine.
        defer { tls.stop() }
        let outcomes = Outcomes()
        let status = try await withServer { loop, _, done in
            let strict = try HTTPClient(loop: loop)
            var options = HTTPClientOptions()
            options.caFile = tls.certificatePath
            let trusting = try HTTPClient(loop: loop, options: options)
            strict.get("https://127.0.0.1:\(tls.port)/") { result in
                if case .failure(let error) = result { outcomes.add("strict refused: \(error)") }
                strict.close()
                trusting.get("https://127.0.0.1:\(tls.port)/") { result in
                    if case .success(let response) = result { outcomes.add("trusted \(response.status)") }
                    if case .failure(let error) = result { outcomes.add("trusted failed: \(error)") }
                    trusting.close()
                    done()
                }
            }
        }
        #expect(status == 0)
        let all = outcomes.all
        #expect(all.count == 2)
        #expect(all.first?.hasPrefix("strict refused: ") == true)
        #expect(all.last == "trusted 200")
    }
}
