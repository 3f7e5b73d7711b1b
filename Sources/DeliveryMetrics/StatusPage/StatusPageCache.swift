import Loop

/// `GET /` rendered once per change and shared between requests, so that asking for the page again costs a look-up,
/// not a render: a write to a catalogue metric or a pushed group invalidates it at once; the service's own
/// instrumentation, which moves with every request (the page's own included), at most once a second. A page that
/// takes long to render (tens of milliseconds at 40,000 series or 10,000 groups) is rendered again at most every
/// `costFactor` times its last render, so that readers asking after every write keep the loop rendering a tenth of
/// its time at most; the page says when it was rendered. Nothing from a request enters the page.
final class StatusPageCache {
    /// The base of the page's `curl` lines: `--external-url` when set, else the shell variable the README uses.
    private let baseURL: String
    private var page: SharedBytes?
    private var writesGeneration: UInt64 = 0
    private var pushesGeneration: UInt64 = 0
    private var processGeneration: UInt64 = 0
    private var renderedAt = 0.0
    /// The last render's cost in seconds, by the loop's monotonic clock.
    private(set) var renderCost = 0.0
    static let costFactor = 10.0

    init(baseURL: String?) {
        self.baseURL = baseURL ?? "$DELIVERY_METRICS_URL"
    }

    func response(_ registry: Registry, pushes: PushStore? = nil, now: Double = WallClock.now()) -> Response {
        let writes = registry.generation(of: { !$0.describesProcess })
        let process = registry.generation(of: { $0.describesProcess })
        let pushed = pushes?.generation ?? 0
        let changed =
            writes != writesGeneration || pushed != pushesGeneration
            || (process != processGeneration && now - renderedAt >= 1)
        if page == nil || (changed && now - renderedAt >= renderCost * Self.costFactor) {
            let started = EventLoop.hrtime
            page = SharedBytes(Array(StatusPage.html(registry, pushes: pushes, baseURL: baseURL, now: now).utf8))
            renderCost = Double(EventLoop.hrtime - started) / 1e9
            writesGeneration = writes
            pushesGeneration = pushed
            processGeneration = process
            renderedAt = now
        }
        return Response(
            status: 200,
            headers: [
                "Content-Type": "text/html; charset=utf-8",
                "Content-Security-Policy": StatusPageAssets.contentSecurityPolicy,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            ],
            shared: [page!]
        )
    }
}
