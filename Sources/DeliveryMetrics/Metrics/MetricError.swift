// The fuzzers compile this file into one module with Loop's HTTP sources, where there is no Loop to import.
#if canImport(Loop)
    import Loop
#endif

/// A write the service refuses: the status, a short reason for the `delivery_metrics_api_errors_total{reason}`
/// counter, and the one-line message the client reads.
struct MetricError: Error, Equatable {
    let status: Int
    let reason: String
    let message: String

    init(_ status: Int, _ reason: String, _ message: String) {
        self.status = status
        self.reason = reason
        self.message = message
    }

    var response: Response { .error(HTTPError(status, message)) }
}
