/// A family's series as a snapshot holds them, and back: the conversion lives with the format, so `Metrics/` knows
/// nothing of records.
extension MetricFamily {
    func snapshotStates() -> [WriteRecord.SeriesState] {
        series.map { key, series in
            WriteRecord.SeriesState(
                metric: apiName,
                labelValues: key.values,
                lastWrite: series.lastWrite,
                value: series.value,
                bounds: definition.buckets,
                bucketCounts: series.bucketCounts,
                sum: series.sum,
                count: series.count
            )
        }
    }

    /// A snapshot's series, put back whole. Refused when its labels no longer validate or its histogram buckets
    /// are not the catalogue's any more (the counts would land in the wrong buckets).
    func restore(_ state: WriteRecord.SeriesState) throws(MetricError) {
        let bucketSlots = definition.buckets.isEmpty ? 0 : definition.buckets.count + 1
        guard state.bounds == definition.buckets, state.bucketCounts.count == bucketSlots else {
            throw MetricError(.bucketsChanged, "\(definition.fullName) has other buckets now")
        }
        try restoreSeries(
            state.labelValues,
            value: state.value,
            bucketCounts: state.bucketCounts,
            sum: state.sum,
            count: state.count,
            lastWrite: state.lastWrite
        )
    }
}
