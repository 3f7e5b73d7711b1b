import Foundation
import Logging
import Loop
import Synchronization
import TestSupport
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// The pipelines observer against a fake GitLab API served by our own HTTP server on the same loop.
@Suite("Pipelines observer")
struct PipelinesObserverTests {
    static let tag = "17.6.202411011200+aaaaaaaaaaa.bbbbbbbbbbb"

    /// A scripted API: for the n-th request (from 0) and its target, an answer, or nil to never answer.
    typealias Script = @Sendable (Int, String) -> Response?

    /// What the test reads after the loop ended.
    final class Report: Sendable {
        let tokens = Mutex<[String]>([])
        let state = Mutex<
            (gauges: [[String: Double]], targets: [String], errors: [String: Double], codes: [String: Double])
        >(
            ([], [], [:], [:])
        )
    }

    private final class FakeGitLab: HTTPHandler {
        let script: Script
        let report: Report
        var count = 0
        init(script: @escaping Script, report: Report) {
            self.script = script
            self.report = report
        }
        func handle(_ request: Request, screened: Void, responder: Responder) {
            let index = count
            count += 1
            report.state.withLock { $0.targets.append(request.target) }
            report.tokens.withLock { $0.append(request.headers["PRIVATE-TOKEN"] ?? "") }
            if let response = script(index, request.target) { responder.respond(response) }
        }
    }

    static func page(_ pipelines: [(Int, String, String)], next: Int? = nil, status: Int = 200) -> Response {
        let items = pipelines.map {
            #"{"id":\#($0.0),"status":"\#($0.1)","ref":"\#($0.2)","source":"push","sha":null}"#
        }
        var headers: HTTPHeaders = ["Content-Type": "application/json", "X-Next-Page": next.map(String.init) ?? ""]
        headers.add("X-Page", "1")
        return Response(status: status, headers: headers, body: Array("[\(items.joined(separator: ","))]".utf8))
    }

    /// Runs `scrapes` scrapes one after the other and reports the gauge after each.
    private func run(
        scrapes: Int,
        configure: @escaping @Sendable (inout PipelinesObserver.Settings) -> Void = { _ in },
        timeoutMilliseconds: Int = 5_000,
        script: @escaping Script
    ) async throws -> Report {
        let report = Report()
        let thread = try await LoopThread.start { loop in
            let handler = FakeGitLab(script: script, report: report)
            let server = HTTPServer(loop: loop, handler: handler)
            let port = try server.listen(on: SocketAddress(host: "127.0.0.1", port: 0)).port
            var options = HTTPClientOptions()
            options.totalTimeoutMilliseconds = timeoutMilliseconds
            let client = try HTTPClient(loop: loop, options: options)
            let registry = Registry(Catalogue.definitions(experiments: []), maxSeriesPerMetric: 100, now: 0)
            var settings = PipelinesObserver.Settings()
            settings.baseURL = "http://127.0.0.1:\(port)"
            settings.token = "ops-token"
            settings.backoffMilliseconds = 10
            settings.maxPages = 3
            configure(&settings)
            let observer = PipelinesObserver(
                loop: loop,
                client: client,
                registry: registry,
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
                settings: settings
            )
            func values(_ name: String) -> [String: Double] {
                Dictionary(
                    uniqueKeysWithValues: (registry.family(named: name)?.series ?? [:]).map {
                        ($0.key.joined(), $0.value.value)
                    }
                )
            }
            var remaining = scrapes
            func next() {
                observer.scrape {
                    let gauge = values("deployment_pipelines_total")
                    report.state.withLock { $0.gauges.append(gauge) }
                    remaining -= 1
                    if remaining > 0 { return next() }
                    report.state.withLock {
                        $0.errors = values("deployment_pipelines_observer_errors")
                        $0.codes = values("deployment_pipelines_observer_api_requests_total")
                    }
                    _ = handler
                    client.close()
                    server.closeAll()
                }
            }
            next()
            return LoopThread.Setup(port: port) {
                client.close()
                server.closeAll()
            }
        }
        #expect(try await thread.join() == 0)
        return report
    }

    private func counts(
        _ failed: Double = 0,
        _ manual: Double = 0,
        _ running: Double = 0,
        _ scheduled: Double = 0,
        _ success: Double = 0,
        _ unknown: Double = 0
    ) -> [String: Double] {
        [
            "failed": failed, "manual": manual, "running": running, "scheduled": scheduled, "success": success,
            "unknown": unknown,
        ]
    }

    @Test func walksPagesToTheFirstSuccessAndMapsStatuses() async throws {
        let report = try await run(scrapes: 1) { index, _ in
            switch index {
            case 0:
                Self.page([(110, "running", Self.tag), (109, "success", "master"), (108, "manual", Self.tag)], next: 2)
            case 1:
                Self.page(
                    [(107, "failed", Self.tag), (106, "created", Self.tag), (105, "scheduled", Self.tag)],
                    next: 3
                )
            case 2:
                Self.page(
                    [(104, "canceled", Self.tag), (103, "success", Self.tag), (102, "failed", Self.tag)],
                    next: 4
                )
            default: Self.page([(1, "failed", Self.tag)])
            }
        }
        let state = report.state.withLock { $0 }
        #expect(state.gauges == [counts(1, 1, 1, 1, 1, 2)])
        #expect(state.targets.count == 3, "stops at the first success, never reading page 4")
        #expect(state.targets.first?.contains("/api/v4/projects/gitlab-org%2Frelease%2Ftools/pipelines?") == true)
        #expect(
            state.targets.map { $0.contains("page=\(state.targets.firstIndex(of: $0)! + 1)") } == [true, true, true]
        )
        #expect(state.errors == ["api_error": 0, "cache_failure": 0, "cache_full": 0])
    }

    @Test func readsOnlyWhatChangedOnceItRemembersASuccess() async throws {
        let report = try await run(scrapes: 3) { index, target in
            switch index {
            case 0: Self.page([(201, "running", Self.tag), (200, "success", Self.tag)])
            case 1:
                target.contains("updated_after=")
                    ? Self.page([(202, "running", Self.tag), (201, "success", Self.tag)]) : Self.page([], status: 500)
            default:
                Self.page([(202, "failed", Self.tag)])
            }
        }
        let state = report.state.withLock { $0 }
        #expect(state.gauges == [counts(0, 0, 1, 0, 1, 0), counts(0, 0, 1, 0, 1, 0), counts(1, 0, 0, 0, 1, 0)])
        #expect(state.targets.count == 3, "one page per scrape in steady state")
        #expect(state.targets.dropFirst().allSatisfy { $0.contains("updated_after=") })
    }

    @Test func walksAgainWhenTheRememberedSuccessChanged() async throws {
        let report = try await run(scrapes: 2) { index, _ in
            switch index {
            case 0: Self.page([(300, "success", Self.tag)])
            case 1: Self.page([(300, "running", Self.tag)])  // The success was retried: the cache no longer holds.
            default: Self.page([(300, "running", Self.tag), (299, "success", Self.tag)])
            }
        }
        let state = report.state.withLock { $0 }
        #expect(state.errors["cache_failure"] == 1)
        #expect(state.gauges.last == counts(0, 0, 1, 0, 1, 0))
        #expect(state.targets.count == 3)
        #expect(!state.targets[2].contains("updated_after="))
    }

    @Test func countsCacheFullWhenNoSuccessIsWithinThePageCap() async throws {
        let report = try await run(
            scrapes: 1,
            configure: { $0.maxPages = 2 },
            script: { index, _ in
                Self.page([(500 - index, "failed", Self.tag)], next: index + 2)
            }
        )
        let state = report.state.withLock { $0 }
        #expect(state.errors["cache_full"] == 1)
        #expect(state.gauges == [counts(2)])
        #expect(state.targets.count == 2)
    }

    @Test func retriesA500AndRecovers() async throws {
        let report = try await run(scrapes: 1) { index, _ in
            index == 0 ? Response.text(500, "boom") : Self.page([(400, "success", Self.tag)])
        }
        let state = report.state.withLock { $0 }
        #expect(state.gauges == [counts(0, 0, 0, 0, 1, 0)])
        #expect(state.codes == ["500": 1, "200": 1])
        #expect(state.errors["api_error"] == 0)
    }

    @Test func honoursRetryAfterOnA429() async throws {
        let started = Date()
        let report = try await run(scrapes: 1) { index, _ in
            index == 0
                ? Response.text(429, "slow down", headers: ["Retry-After": "1"])
                : Self.page([(401, "success", Self.tag)])
        }
        #expect(Date().timeIntervalSince(started) >= 0.9)
        #expect(report.state.withLock { $0.codes } == ["429": 1, "200": 1])
    }

    @Test func resetsTheGaugeAfterThreeFailedScrapes() async throws {
        let report = try await run(
            scrapes: 5,
            configure: { $0.maxRetries = 0 },
            script: { index, _ in
                index == 0
                    ? Self.page([(600, "running", Self.tag), (599, "success", Self.tag)]) : Response.text(503, "down")
            }
        )
        let state = report.state.withLock { $0 }
        #expect(state.gauges[0] == counts(0, 0, 1, 0, 1, 0))
        #expect(state.gauges[1] == counts(0, 0, 1, 0, 1, 0), "one failure keeps the last values")
        #expect(state.gauges[3] == counts(), "the third failure in a row zeroes the gauge")
        #expect(state.errors["api_error"] == 4)
        #expect(state.targets[3].contains("updated_after="))
        #expect(!state.targets[4].contains("updated_after="), "the cache is gone: the next scrape walks from the top")
    }

    @Test func givesUpOnAServerThatNeverAnswers() async throws {
        let report = try await run(
            scrapes: 1,
            configure: { $0.maxRetries = 0 },
            timeoutMilliseconds: 300,
            script: { _, _ in nil }
        )
        let state = report.state.withLock { $0 }
        #expect(state.errors["api_error"] == 1)
        #expect(state.codes == ["error": 1])
    }

    @Test func sendsTheTokenAsPrivateToken() async throws {
        let report = try await run(scrapes: 1) { _, _ in Self.page([(1, "success", Self.tag)]) }
        #expect(report.tokens.withLock { $0 } == ["ops-token"])
        #expect(report.state.withLock { $0.targets.first }?.contains("per_page=100") == true)
    }
}
