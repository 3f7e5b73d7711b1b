/// A push the store refuses, with the one-line reason the client reads (`400`) and the kind it is counted as.
struct PushRefusal: Error, Equatable {
    enum Kind: Equatable {
        /// The body or the path cannot be read.
        case malformed
        /// Readable, but invalid in itself or against what is stored: a timestamp, a type clash, a duplicate.
        case inconsistent
        /// Over a limit: series per push or per group, groups, pushed bytes.
        case limit
    }

    let kind: Kind
    let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    init(_ error: PushBodyError) {
        self.init(error.kind == .tooManySeries ? .limit : .malformed, error.message)
    }

    /// How `delivery_metrics_api_errors_total` counts it.
    var reason: MetricError.Reason {
        switch kind {
        case .malformed: .badPush
        case .inconsistent: .inconsistentPush
        case .limit: .pushLimit
        }
    }

    static func inconsistent(_ message: String) -> PushRefusal {
        PushRefusal(.inconsistent, "pushed metrics are invalid or inconsistent with existing metrics: " + message)
    }
}
