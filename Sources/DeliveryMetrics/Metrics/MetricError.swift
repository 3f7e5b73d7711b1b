/// A write the service refuses: why, and the one-line message the client reads. It knows no HTTP: the API layer
/// maps each reason to a status (`RefusalStatus`).
@_spi(Harness) public struct MetricError: Error, Equatable {
    let reason: Reason
    let message: String

    init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    /// Every reason a write or a push is refused for.
    enum Reason: Sendable, Equatable, CaseIterable, CustomStringConvertible {
        case unauthorized
        case diskFull
        case unknownMetric
        case unsupportedOperation
        case invalidValue
        case wrongLabelCount
        case invalidLabelValue
        case seriesLimit
        case bucketsChanged
        /// A body or query the form decoders cannot read.
        case badForm
        /// A body in a media type the form decoders do not read; counted as `bad_form` too.
        case unsupportedMediaType
        /// A Pushgateway push whose path or body cannot be read.
        case badPush
        /// A Pushgateway push that is invalid in itself or against what is stored.
        case inconsistentPush
        /// A Pushgateway push over a limit: series per push or group, groups, pushed bytes.
        case pushLimit

        /// The `reason` label of `delivery_metrics_api_errors_total` and of the logs.
        var label: String {
            switch self {
            case .unauthorized: "unauthorized"
            case .diskFull: "disk_full"
            case .unknownMetric: "unknown_metric"
            case .unsupportedOperation: "unsupported_operation"
            case .invalidValue: "invalid_value"
            case .wrongLabelCount: "wrong_label_count"
            case .invalidLabelValue: "invalid_label_value"
            case .seriesLimit: "series_limit"
            case .bucketsChanged: "buckets_changed"
            case .badForm, .unsupportedMediaType: "bad_form"
            case .badPush: "bad_push"
            case .inconsistentPush: "inconsistent_push"
            case .pushLimit: "push_limit"
            }
        }

        var description: String { label }

        /// Every `reason` label, once each (two reasons share `bad_form`), for the catalogue's `oneOf:`.
        static var labels: [String] {
            var seen: Set<String> = []
            return allCases.map(\.label).filter { seen.insert($0).inserted }
        }
    }
}
