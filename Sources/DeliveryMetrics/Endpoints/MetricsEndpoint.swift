import Loop

/// `GET /metrics`: text 0.0.4 or OpenMetrics as the `Accept` header prefers, gzip when accepted.
struct MetricsEndpoint: Endpoint {
    let registry: Registry
    let exposition: ExpositionCache
    let instrumentation: Instrumentation
    let sink: LogSink

    func handle(_ request: Request, _ context: Void) -> Answer {
        let now = WallClock.now()
        ProcessMetrics.update(registry, now: now)
        instrumentation.droppedLogLines.store(Double(sink.droppedLines), now: now)
        instrumentation.recordLastWrites(registry, now: now)
        instrumentation.recordRequests(now: now)
        let format = ExpositionFormat.negotiate(accept: request.headers["Accept"])
        var headers: HTTPHeaders = ["Content-Type": format.contentType]
        var gzipped = false
        var pieces: [SharedBytes]
        if ExpositionFormat.acceptsGzip(request.headers["Accept-Encoding"]),
            let compressed = exposition.pieces(format, gzip: true)
        {
            headers.add("Content-Encoding", "gzip")
            pieces = compressed
            gzipped = true
        } else {
            pieces = exposition.pieces(format, gzip: false) ?? []
        }
        headers.add("Vary", "Accept, Accept-Encoding")
        // Counted after rendering, as promhttp does, so a scrape does not see itself.
        instrumentation.countScrape(format: format, gzip: gzipped, now: now)
        return .now(Response(status: 200, headers: headers, shared: pieces))
    }
}
