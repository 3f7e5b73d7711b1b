/// What the pipelines observer remembers between scrapes: the coordinated pipelines from the newest down to the
/// newest successful one, with their statuses, and when the scrape that saw them started.
///
/// With it, a scrape asks the API only for pipelines updated since the last one (`updated_after`), which in steady
/// state is one short page however far back the last success lies; without it (at boot, after a cache failure, after
/// three failed scrapes) the observer walks the list from the newest pipeline until it meets a success.
struct PipelineCache: Equatable {
    /// The newest successful coordinated pipeline, if any was found.
    var successID: Int?
    /// Coordinated pipelines at or after `successID`, by id.
    var statuses: [Int: String] = [:]
    /// Wall-clock start of the scrape this state is current for.
    var asOf: Double

    /// Applies one pipeline from an incremental listing. Returns false when the state no longer matches the API
    /// (the remembered success is not a success any more).
    mutating func apply(id: Int, status: String) -> Bool {
        if let successID {
            if id == successID, status != "success" { return false }
            if id < successID { return true }  // Older than the last success: does not count.
        }
        statuses[id] = status
        if status == "success", id > (successID ?? Int.min) {
            successID = id
            statuses = statuses.filter { $0.key >= id }
        }
        return true
    }

    /// The gauge's values: coordinated pipelines by the six statuses the metric knows.
    var counts: [String: Int] {
        var counts = Dictionary(uniqueKeysWithValues: PipelineStatus.labels.map { ($0, 0) })
        for status in statuses.values {
            counts[PipelineStatus.label(for: status), default: 0] += 1
        }
        return counts
    }
}

/// GitLab's pipeline statuses folded into the metric's six labels.
enum PipelineStatus: String, CaseIterable {
    case failed
    case manual
    case running
    case scheduled
    case success
    case unknown

    /// The metric's `status` values, in this order.
    static let labels = allCases.map(\.rawValue)

    /// `failed`, `manual`, `running`, `scheduled` and `success` as they are; anything else (`created`, `pending`,
    /// `canceled`, `skipped`, `preparing`, `waiting_for_resource`, ...) is `unknown`.
    static func label(for status: String) -> String {
        // The label's own spelling, matched by bytes: a look-alike of `success` is some other status.
        labels.first { $0.hasSameBytes(as: status) } ?? "unknown"
    }
}
