/// The overview's figures for one catalogue metric: how many series it has, how many are not at their reset value
/// (the cartesian zeros a closed label set starts with are), and when it was last written.
struct MetricOverview {
    let family: MetricFamily
    let seriesCount: Int
    /// Series holding anything but their reset value: a value other than 0, or a histogram with observations.
    let withValues: Int
    /// The last write since boot; after a restart before any write, the newest write among the restored series
    /// that hold values (a reset series' write time is only when it was reset).
    let lastWrite: Double?

    init(_ family: MetricFamily) {
        self.family = family
        seriesCount = family.series.count
        var withValues = 0
        var newest: Double?
        for series in family.series.values where !Self.isAtReset(series) {
            withValues += 1
            newest = max(newest ?? series.lastWrite, series.lastWrite)
        }
        self.withValues = withValues
        lastWrite = family.lastWrite ?? newest
    }

    /// What a reset leaves: 0, and for a histogram no observation.
    static func isAtReset(_ series: Series) -> Bool {
        series.value == 0 && series.count == 0 && series.sum == 0
    }

    /// The delivery metrics before the service's own (its requests, its health: written all the time, they would
    /// bury the pushes); within each, newest write first, then those never written, by name.
    static func precedes(_ left: MetricOverview, _ right: MetricOverview) -> Bool {
        let leftOwn = left.family.definition.describesProcess
        let rightOwn = right.family.definition.describesProcess
        if leftOwn != rightOwn { return rightOwn }
        return switch (left.lastWrite, right.lastWrite) {
        case (let l?, let r?) where l != r: l > r
        case (.some, nil): true
        case (nil, .some): false
        default: left.family.definition.fullName < right.family.definition.fullName
        }
    }
}
