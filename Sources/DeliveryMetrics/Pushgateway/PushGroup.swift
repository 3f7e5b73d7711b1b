/// One pushed group as the store keeps it: its families by name, each with every series already carrying the
/// group's labels, and the two times the Pushgateway shows per group.
struct PushGroup: Equatable {
    let key: GroupingKey
    /// By name (bytes), each checked and sanitised (`PushedBody`).
    var families: [[UInt8]: StoredFamily] = [:]
    /// Wall-clock seconds of the last accepted push; 0 for never (a group made by a refused push).
    var pushTime: Double = 0
    /// Wall-clock seconds of the last refused push; 0 for never.
    var failureTime: Double = 0
    /// Seconds without a push after which the group goes; nil keeps it until deleted (`--push-group-ttl`,
    /// `X-Group-TTL`). The last accepted push sets it.
    var timeToLive: Double?
    /// What the group's families take in memory, as `StoredFamily.bytes` counts it.
    var bytes = 0

    init(key: GroupingKey) {
        self.key = key
    }

    var seriesCount: Int { families.values.reduce(0) { $0 + $1.family.metrics.count } }

    /// When the group expires, if it does.
    var expiry: Double? { timeToLive.map { pushTime + $0 } }
}

/// A family of a group, with the time of the push that stored it (`/api/v1/metrics` shows it).
struct StoredFamily: Equatable {
    var family: PushedFamily
    var time: Double

    /// An estimate of the memory the family takes: its bytes, and a fixed cost per series, label, bucket and
    /// quantile. What `--max-pushed-bytes` bounds.
    var bytes: Int {
        family.metrics.reduce(family.name.count + (family.help?.count ?? 0) + 64) { total, metric in
            total + 64 + metric.labels.reduce(0) { $0 + $1.name.count + $1.value.count + 32 }
                + 16 * ((metric.histogram?.buckets.count ?? 0) + (metric.summary?.quantiles.count ?? 0))
        }
    }
}
