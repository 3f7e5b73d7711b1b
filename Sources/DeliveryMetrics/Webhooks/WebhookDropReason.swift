/// Why a valid deployment job event wrote nothing: the `reason` label of `delivery_webhooks_dropped_events_total`.
enum WebhookDropReason: String, CaseIterable {
    case seriesLimit = "series_limit"
    case invalidLabelValue = "invalid_label_value"
    case invalidValue = "invalid_value"
    case wrongLabelCount = "wrong_label_count"
    case unsupportedOperation = "unsupported_operation"
    case diskFull = "disk_full"

    /// The drop a refused metric write stands for; nil for a refusal a webhook's write cannot meet (then nothing is
    /// counted, as the label would refuse it).
    init?(_ reason: MetricError.Reason) {
        switch reason {
        case .seriesLimit: self = .seriesLimit
        case .invalidLabelValue: self = .invalidLabelValue
        case .invalidValue: self = .invalidValue
        case .wrongLabelCount: self = .wrongLabelCount
        case .unsupportedOperation: self = .unsupportedOperation
        case .diskFull: self = .diskFull
        case .unauthorized, .unknownMetric, .bucketsChanged, .badForm, .unsupportedMediaType, .badPush,
            .inconsistentPush,
            .pushLimit:
            return nil
        }
    }
}
