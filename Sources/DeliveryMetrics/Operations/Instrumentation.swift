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

    /// The series of each (route, method, status) counted so far.
    private let requestSeries = RequestSeries()

    /// Counts one answered request. The count is kept beside its series and moved into `http_requests_total` when
    /// something reads the registry (`recordRequests`): a request then costs an addition, not a series write.
    func countRequest(route: String?, method: HTTPMethod, status: Int) {
        guard let key = requestSeries.count(route: route, method: RequestSeries.method(method), status: status) else {
            return
        }
        // A combination past the kept ones is written at once.
        _ = try? httpRequests.apply(.inc, key: key, now: WallClock.now())
    }

    /// Moves the request counts kept since the last call into `http_requests_total`; called before `/metrics`
    /// renders (the status page shows no service metric) and by tests before they read the family.
    func recordRequests(now: Double) {
        requestSeries.drain { key, count in _ = try? httpRequests.apply(.add, key: key, value: count, now: now) }
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

/// The `delivery_metrics_http_requests_total` series key of each (route, method, status), made once: a request is
/// counted without building its label values again. Routes are the router's templates (or nil), methods one of eight,
/// statuses the server's own, so the set stays small; past `capacity` keys are made afresh instead of kept.
/// Loop-confined, its one access at a time is left unchecked (`@exclusivity(unchecked)`).
final class RequestSeries {
    private struct Entry {
        let route: String?
        let method: UInt8
        let status: Int
        let key: SeriesKey
        /// Requests counted and not yet moved into the family.
        var pending: UInt64 = 0

        func matches(_ route: String?, _ method: UInt8, _ status: Int) -> Bool {
            self.status == status && self.method == method && self.route == route
        }
    }

    @exclusivity(unchecked) private var entries: [Entry] = []
    /// The entry found last: nearly every request repeats the one before.
    @exclusivity(unchecked) private var last = -1
    private static let capacity = 512

    /// Methods outside this set count as `other`, so a client cannot grow the label set.
    static let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"]

    /// The position of `method` in `methods`: the head's method as the parser identified it, no string read.
    static func method(_ method: HTTPMethod) -> UInt8 {
        switch method {
        case .get: 0
        case .head: 1
        case .post: 2
        case .put: 3
        case .delete: 4
        case .patch: 5
        case .options: 6
        case .other: 7
        }
    }

    /// Counts one request of (route, method, status) in its kept entry; returns the key to write at once instead
    /// when `capacity` entries are kept already, nil otherwise.
    func count(route: String?, method: UInt8, status: Int) -> SeriesKey? {
        if last >= 0, entries[last].matches(route, method, status) {
            entries[last].pending &+= 1
            return nil
        }
        if let found = entries.firstIndex(where: { $0.matches(route, method, status) }) {
            last = found
            entries[found].pending &+= 1
            return nil
        }
        let key = SeriesKey([route ?? "unmatched", Self.methods[Int(method)], String(status)])
        guard entries.count < Self.capacity else { return key }
        entries.append(Entry(route: route, method: method, status: status, key: key, pending: 1))
        last = entries.count - 1
        return nil
    }

    /// Hands each kept count to `write` with its key, and starts them again from zero.
    func drain(_ write: (SeriesKey, Double) -> Void) {
        for index in entries.indices where entries[index].pending > 0 {
            write(entries[index].key, Double(entries[index].pending))
            entries[index].pending = 0
        }
    }

}
