import Loop

/// The HTTP status of each refusal reason, in one place: what `/api` answers when it refuses a write.
enum RefusalStatus {
    static func of(_ reason: MetricError.Reason) -> Int {
        switch reason {
        case .unauthorized: 401
        case .diskFull: 507
        case .unknownMetric, .unsupportedOperation: 404
        case .unsupportedMediaType: 415
        case .invalidValue, .wrongLabelCount, .invalidLabelValue, .seriesLimit, .bucketsChanged, .badForm, .badPush,
            .inconsistentPush, .pushLimit:
            400
        }
    }
}

extension MetricError {
    /// The status the refusal is answered with.
    var status: Int { RefusalStatus.of(reason) }

    /// The refusal as the client reads it: its status and its message.
    var response: Response { .error(HTTPError(status, message)) }
}
