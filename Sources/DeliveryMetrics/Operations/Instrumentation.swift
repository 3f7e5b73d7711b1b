import Loop

/// The service's own metrics, kept as registry families so they render like everything else.
struct Instrumentation {
    let httpRequests: MetricFamily
    let apiErrors: MetricFamily
    let scrapes: MetricFamily
    let droppedLogLines: MetricFamily
    let lastWrite: MetricFamily

    init(_ registry: Registry) {
        httpRequests = registry.family(.httpRequests)
        apiErrors = registry.family(.apiErrors)
        scrapes = registry.family(.scrapes)
        droppedLogLines = registry.family(.droppedLogLines)
        lastWrite = registry.family(.lastWrite)
    }

    /// Methods outside this set count as `other`, so a client cannot grow the label set.
    private static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

    func countRequest(route: String?, method: String, status: Int, now: Double) {
        let method = Self.methods.contains(method) ? method : "other"
        _ = try? httpRequests.apply(.inc, labelValues: [route ?? "unmatched", method, String(status)], now: now)
    }

    func countAPIError(_ reason: MetricError.Reason, now: Double) {
        _ = try? apiErrors.apply(.inc, labelValues: [reason.label], now: now)
    }

    /// Copies each delivery metric's last write time into `delivery_metrics_last_write_timestamp_seconds{metric}`
    /// (the service's own instrumentation and build info excluded), so "went stale" is a one-line alert.
    func recordLastWrites(_ registry: Registry, now: Double) {
        for family in registry.deliveryFamilies {
            let definition = family.definition
            guard definition.writer.reportsLastWrite, let written = family.lastWrite else { continue }
            lastWrite.store(written, labelValues: [definition.fullName], now: now)
        }
    }

    func countScrape(format: ExpositionFormat, gzip: Bool, now: Double) {
        _ = try? scrapes.apply(.inc, labelValues: [format.name, gzip ? "gzip" : "identity"], now: now)
    }
}
