import Loop

extension PipelinesObserver {
    /// What the observer scrapes, how often and how: a member of `Configuration`, set by the `--ops-*` flags and
    /// `DELIVERY_METRICS_OPS_TOKEN`. Each default is written here only; `--help` prints them from here.
    struct Settings: Sendable {
        /// A read-only GitLab token, sent as `PRIVATE-TOKEN`; empty leaves the observer off.
        var token = ""
        var baseURL = "https://ops.gitlab.net"
        /// A PEM bundle to verify the instance with (a private CA); nil trusts the system's CAs.
        var caFile: String?
        var project = "gitlab-org/release/tools"
        var intervalMilliseconds: UInt64 = 5 * 60_000
        var maxPages = 10
        var perPage = 100
        /// The limit on each API request, connect included.
        var requestTimeoutMilliseconds = 30_000
        /// Retries of a 429 or 5xx within one scrape, with exponential backoff from `backoffMilliseconds`.
        var maxRetries = 3
        var backoffMilliseconds: UInt64 = 1_000

        /// The HTTP client these settings ask for; connecting alone never waits more than 10 s.
        var clientOptions: HTTPClientOptions {
            var options = HTTPClientOptions()
            options.caFile = caFile
            options.totalTimeoutMilliseconds = requestTimeoutMilliseconds
            options.connectTimeoutMilliseconds = min(10_000, requestTimeoutMilliseconds)
            options.userAgent = "delivery-metrics/\(BuildInfo.version)"
            return options
        }
    }
}
