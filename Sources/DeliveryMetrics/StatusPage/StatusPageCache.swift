import Loop

/// `GET /` rendered once per change and shared between requests, so that asking for the page again costs a look-up,
/// not a render: a write to a catalogue metric invalidates it at once; the service's own instrumentation, which moves
/// with every request (the page's own included), at most once a second. Nothing from a request enters the page.
final class StatusPageCache {
    /// The base of the page's `curl` lines: `--external-url` when set, else the shell variable the README uses.
    private let baseURL: String
    private var page: SharedBytes?
    private var writesGeneration: UInt64 = 0
    private var pushesGeneration: UInt64 = 0
    private var processGeneration: UInt64 = 0
    private var renderedAt = 0.0

    init(baseURL: String?) {
        self.baseURL = baseURL ?? "$DELIVERY_METRICS_URL"
    }

    func response(_ registry: Registry, pushes: PushStore? = nil, now: Double = WallClock.now()) -> Response {
        let writes = registry.generation(of: { !$0.describesProcess })
        let process = registry.generation(of: { $0.describesProcess })
        let pushed = pushes?.generation ?? 0
        if page == nil || writes != writesGeneration || pushed != pushesGeneration
            || (process != processGeneration && now - renderedAt >= 1)
        {
            page = SharedBytes(Array(StatusPage.html(registry, pushes: pushes, baseURL: baseURL, now: now).utf8))
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
