/// Every change to the registry that must survive a restart, as the registry reports it: `Metrics/` says what
/// changed, and whoever keeps it (the journal, in `Persistence/`) decides how.
enum RecordedChange: Equatable {
    /// A write through `MetricFamily.apply`: the push API, webhooks, the scraper.
    case applied(metric: String, time: Double, operation: Operation, labelValues: [String], value: Double)
    /// A value the service computed and stored itself (`MetricFamily.store`).
    case stored(metric: String, time: Double, labelValues: [String], value: Double)
    /// `DELETE /api/<metric>`, or the observer starting over.
    case reset(metric: String, time: Double)
    /// An expiry pass that dropped (or zeroed) series.
    case expired(metric: String, time: Double)
    /// A webhook delivery: the keys that recognise its redeliveries and the changes it caused, kept together.
    case delivery(source: String, keys: [String], time: Double, changes: [RecordedChange])
}

/// Told of every accepted change, after it applied. A group gathers the changes between `beginGroup` and `endGroup`
/// into the one change `endGroup` makes of them, so they are kept together or not at all.
protocol WriteObserver: AnyObject {
    func record(_ change: RecordedChange)
    func beginGroup()
    func endGroup(_ combine: ([RecordedChange]) -> RecordedChange)
}
