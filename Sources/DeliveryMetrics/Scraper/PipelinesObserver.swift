import Logging
import Loop

/// Polls the ops GitLab API on a timer and publishes the coordinated pipelines of release-tools by status, as the
/// original's pipelines observer did: newest first, coordinated ones only (auto-deploy tag refs), down to the first
/// successful one. Runs on the loop; its requests go through `HTTPClient`, so the push API never waits for it.
final class PipelinesObserver {
    private struct Page {
        let pipelines: [(id: Int, status: String, ref: String)]
        let nextPage: Int?
    }

    private let loop: EventLoop
    private let client: HTTPClient
    private let logger: Logger
    private let settings: Settings
    private let pipelines: MetricFamily
    private let errors: MetricFamily
    private let lastSuccess: MetricFamily
    private let duration: MetricFamily
    private let requests: MetricFamily
    private(set) var cache: PipelineCache?
    private(set) var consecutiveFailures = 0
    private(set) var isScraping = false
    private var timer: Timer?
    private var retryTimer: Timer?
    private var stopped = false

    init(loop: EventLoop, client: HTTPClient, registry: Registry, logger: Logger, settings: Settings) {
        self.loop = loop
        self.client = client
        self.logger = logger
        self.settings = settings
        pipelines = registry.family(.pipelinesTotal)
        errors = registry.family(.observerErrors)
        lastSuccess = registry.family(.observerLastSuccess)
        duration = registry.family(.observerScrapeDuration)
        requests = registry.family(.observerAPIRequests)
    }

    /// Scrapes now, then every interval. A scrape is never started while one runs: the next is scheduled when the
    /// last one ends.
    func start() {
        scrape { [weak self] in self?.scheduleNext() }
    }

    func stop() {
        stopped = true
        timer?.close()
        timer = nil
        retryTimer?.close()
        retryTimer = nil
    }

    private func scheduleNext() {
        guard !stopped else { return }
        timer = Timer.once(on: loop, after: settings.intervalMilliseconds) { [weak self] in
            self?.timer = nil
            self?.start()
        }
    }

    /// One scrape; `completion` runs when it has ended, however it ended.
    func scrape(completion: @escaping () -> Void = {}) {
        guard !isScraping, !stopped else { return }
        isScraping = true
        let started = WallClock.now()
        let finish: (Bool) -> Void = { [weak self] succeeded in
            guard let self else { return }
            isScraping = false
            let now = WallClock.now()
            duration.store(now - started, now: now)
            if succeeded {
                consecutiveFailures = 0
                lastSuccess.store(now, now: now)
            } else {
                failScrape(now: now)
            }
            completion()
        }
        if let cache {
            incremental(from: cache, started: started, finish: finish)
        } else {
            full(started: started, finish: finish)
        }
    }

    // MARK: - Walks

    /// What a walk does after one coordinated pipeline.
    private enum Step {
        case next
        /// Enough is known: publish and keep the state.
        case done
        /// The state no longer matches the API: walk from the top instead.
        case restart
    }

    /// Newest first, page by page, until a successful coordinated pipeline or the page cap.
    private func full(started: Double, finish: @escaping (Bool) -> Void) {
        walk(from: PipelineCache(asOf: started), updatedAfter: nil, started: started, finish: finish) {
            state,
            id,
            status in
            state.statuses[id] = status
            guard status == "success" else { return .next }
            state.successID = id
            return .done
        }
    }

    /// Only what changed since the last scrape (a minute of overlap: clocks differ, and applying the same update
    /// twice changes nothing), applied to the remembered state.
    private func incremental(from cache: PipelineCache, started: Double, finish: @escaping (Bool) -> Void) {
        var state = cache
        state.asOf = started
        walk(from: state, updatedAfter: cache.asOf - 60, started: started, finish: finish) { state, id, status in
            state.apply(id: id, status: status) ? .next : .restart
        }
    }

    /// Pages through the listing, giving each coordinated pipeline to `visit`, until it says done, the list ends, or
    /// the page cap is reached (`cache_full`: what was seen is published, nothing is kept).
    private func walk(
        from initial: PipelineCache,
        updatedAfter: Double?,
        started: Double,
        finish: @escaping (Bool) -> Void,
        visit: @escaping (inout PipelineCache, Int, String) -> Step
    ) {
        var state = initial
        func page(_ number: Int) {
            fetch(page: number, updatedAfter: updatedAfter) { [weak self] result in
                guard let self else { return }
                guard case .success(let listing) = result else { return finish(false) }
                var done = false
                for pipeline in listing.pipelines where AutoDeployRefs.isTag(pipeline.ref) {
                    switch visit(&state, pipeline.id, pipeline.status) {
                    case .next:
                        continue
                    case .done:
                        done = true
                    case .restart:
                        count(.cacheFailure, "pipeline \(pipeline.id), the last success, is now \(pipeline.status)")
                        cache = nil
                        return full(started: started, finish: finish)
                    }
                    break
                }
                guard !done, let next = listing.nextPage else {
                    cache = state
                    publish(state, now: started)
                    return finish(true)
                }
                guard number < settings.maxPages else {
                    count(.cacheFull, "no end of the listing within \(number) pages")
                    cache = nil
                    publish(state, now: started)
                    return finish(true)
                }
                page(next)
            }
        }
        page(1)
    }

    // MARK: - Requests

    private func fetch(
        page: Int,
        updatedAfter: Double?,
        attempt: Int = 0,
        completion: @escaping (Result<Page, HTTPClientError>) -> Void
    ) {
        let project = settings.project.replacing("/", with: "%2F")
        var url =
            "\(settings.baseURL)/api/v4/projects/\(project)/pipelines?order_by=id&sort=desc"
            + "&per_page=\(settings.perPage)&page=\(page)"
        if let updatedAfter { url += "&updated_after=\(Self.iso8601(updatedAfter))" }
        client.get(url, headers: [("PRIVATE-TOKEN", settings.token), ("Accept", "application/json")]) {
            [weak self] result in
            guard let self, !stopped else { return }
            let now = WallClock.now()
            switch result {
            case .failure(let error):
                _ = try? requests.apply(.inc, labelValues: ["error"], now: now)
                logger.warning("pipelines observer request failed", metadata: ["error": "\(error)"])
                completion(.failure(error))
            case .success(let response):
                _ = try? requests.apply(.inc, labelValues: [String(response.status)], now: now)
                if response.status == 429 || response.status >= 500, attempt < settings.maxRetries {
                    let delay = retryDelay(attempt: attempt, retryAfter: response.headers["Retry-After"])
                    logger.warning(
                        "pipelines observer retrying",
                        metadata: ["status": "\(response.status)", "delay_ms": "\(delay)", "attempt": "\(attempt + 1)"]
                    )
                    Timer.once(on: loop, after: delay) { [weak self] in
                        self?.fetch(
                            page: page,
                            updatedAfter: updatedAfter,
                            attempt: attempt + 1,
                            completion: completion
                        )
                    }
                    return
                }
                guard response.status == 200 else {
                    logger.warning("pipelines observer got an error status", metadata: ["status": "\(response.status)"])
                    return completion(.failure(HTTPClientError(message: "status \(response.status)")))
                }
                guard let parsed = Self.parse(response) else {
                    logger.warning("pipelines observer could not read the API's answer")
                    return completion(.failure(HTTPClientError(message: "unreadable pipelines list")))
                }
                completion(.success(parsed))
            }
        }
    }

    /// `Retry-After` seconds when given, else exponential backoff; never more than half the interval, so a retry
    /// cannot run into the next scrape.
    private func retryDelay(attempt: Int, retryAfter: String?) -> UInt64 {
        let backoff = settings.backoffMilliseconds << UInt64(min(attempt, 10))
        let asked = retryAfter.flatMap { UInt64($0.trimmingHTTPWhitespace()) }.map { min($0, 86_400) * 1_000 }
        return min(asked ?? backoff, settings.intervalMilliseconds / 2)
    }

    private static func parse(_ response: HTTPClientResponse) -> Page? {
        guard case .array(let items) = try? JSONParser.parse(response.body) else { return nil }
        var pipelines: [(id: Int, status: String, ref: String)] = []
        for item in items {
            guard let id = item["id"]?.integer, let status = item["status"]?.string else { return nil }
            pipelines.append((id, status, item["ref"]?.string ?? ""))
        }
        let next = response.headers["X-Next-Page"].flatMap { Int($0.trimmingHTTPWhitespace()) }
        return Page(pipelines: pipelines, nextPage: next)
    }

    private static func iso8601(_ seconds: Double) -> String {
        String(LogFormatter.rfc3339(seconds).prefix(19)) + "Z"
    }

    // MARK: - Results

    private func count(_ reason: ObserverErrorReason, _ detail: String) {
        _ = try? errors.apply(.inc, labelValues: [reason.rawValue], now: WallClock.now())
        logger.warning("pipelines observer error", metadata: ["reason": "\(reason.rawValue)", "detail": "\(detail)"])
    }

    private func publish(_ state: PipelineCache, now: Double) {
        for (status, count) in state.counts {
            pipelines.store(Double(count), labelValues: [status], now: now)
        }
    }

    /// A failed scrape counts as an API error; the third in a row forgets the cache and zeroes the gauge.
    private func failScrape(now: Double) {
        count(.apiError, "scrape failed")
        consecutiveFailures += 1
        if consecutiveFailures >= 3 {
            cache = nil
            pipelines.reset(now: now)
            logger.warning("pipelines observer: three failed scrapes in a row; cache dropped, gauge reset")
        }
    }
}
