/// The bounds on what pushes may store (`--max-series-per-push`, `--max-series-per-group`, `--max-push-groups`,
/// `--max-pushed-bytes`), and the time-to-live of groups (`--push-group-ttl`, `--max-push-group-ttl`).
struct PushLimits: Equatable, Sendable {
    var seriesPerPush = 10_000
    var seriesPerGroup = 10_000
    var groups = 10_000
    /// What the stored families take, as `StoredFamily.bytes` estimates it.
    var bytes = 64 << 20
    /// Seconds; nil keeps groups until deleted, as the Pushgateway does.
    var defaultTimeToLive: Double?
    /// The longest a push may ask for with `X-Group-TTL`, in seconds.
    var maxTimeToLive: Double = 30 * 86_400
}
