/// Who writes a metric: the one property that decides whether `/api` may change it, whether persistence keeps it,
/// whether it describes this process, and whether it belongs to the `delivery` catalogue at all.
@_spi(Harness) public enum MetricWriter: Sendable, Equatable {
    /// CI jobs, through `/api`; persisted.
    case clients
    /// The service, from what it observes of deliveries (webhooks, the scraper's pipeline counts); persisted, and
    /// `/api` refuses writes to it.
    case serviceObserved
    /// The service's health as a delivery dependency (the observer's errors, persistence's syncs): describes this
    /// process, so it starts afresh at every boot like client_golang's counters, yet its last write time is kept.
    case serviceHealth
    /// The service's own instrumentation and build info: describes this process and has no last write time.
    case instrumentation
    /// The standard `process_*` metrics: outside the `delivery` namespace.
    case process

    /// `/api` may write it.
    var acceptsPushes: Bool { self == .clients }

    /// Persistence keeps it: the delivery metrics, not what describes this process.
    var isPersisted: Bool { self == .clients || self == .serviceObserved }

    /// `delivery_metrics_last_write_timestamp_seconds` reports it (the service's instrumentation never).
    var reportsLastWrite: Bool { self != .instrumentation && self != .process }

    var namespace: String { self == .process ? "process" : MetricDefinition.deliveryNamespace }
}
