import Loop

extension Application {
    /// `GET /metrics`: text 0.0.4 or OpenMetrics as the `Accept` header prefers, gzip when accepted.
    func scrape(_ request: Request) -> Response {
        let now = WallClock.now()
        ProcessMetrics.update(registry, now: now)
        instrumentation.droppedLogLines.store(Double(sink.droppedLines), now: now)
        instrumentation.recordLastWrites(registry, now: now)
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
        return Response(status: 200, headers: headers, shared: pieces)
    }
}
