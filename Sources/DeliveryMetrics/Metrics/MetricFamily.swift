import Loop

/// A metric vector at run time: its definition and its series, keyed by the bytes of their label values in
/// declaration order (`SeriesKey`).
///
/// Owned by the loop thread like everything else; every write goes through `apply`, so validation, the series
/// bound and expiry bookkeeping happen in one place. Its mutable state is `@exclusivity(unchecked)`: confined to
/// that thread, and no access to it overlaps another (no closure it calls reaches back into the family), so the
/// runtime's check on every access, several per push, is left out.
@_spi(Harness) public final class MetricFamily {
    @_spi(Harness) public let definition: MetricDefinition
    /// `definition.apiName`, computed once: every recorded change names its family by it.
    let apiName: String
    let maxSeries: Int
    private let checkers: [LabelChecker]
    @exclusivity(unchecked) private(set) var series: [SeriesKey: Series] = [:]
    /// Bumped on every change, so a render cache knows when it is stale.
    @exclusivity(unchecked) private(set) var generation: UInt64 = 0
    /// Wall-clock time of the last accepted write or reset since boot (nil before any), for staleness alerts.
    @exclusivity(unchecked) private(set) var lastWrite: Double?
    /// The key of the series the last push through `write(_:labels:...)` wrote.
    @exclusivity(unchecked) private var lastPushed: SeriesKey?
    /// Set when persistence is on and the family is persisted: told every accepted write, after it is applied.
    var observer: WriteObserver?

    init(_ definition: MetricDefinition, maxSeries: Int, now: Double) {
        self.definition = definition
        apiName = definition.apiName
        // The limit is there for free-text labels; a closed-set product is bounded by its declaration, and every
        // combination is held under a cartesian reset, so that many series are always allowed.
        let combinations = definition.labels.reduce(1) { $0 * max(1, $1.allowedValues?.count ?? 1) }
        self.maxSeries = definition.cartesianProductReset ? max(maxSeries, combinations) : maxSeries
        checkers = definition.labels.map(LabelChecker.init)
        resetSeries(now: now)
    }

    /// Applies one write. Returns the series' new value (counter or gauge) or nil (histogram).
    @discardableResult
    @_spi(Harness) public func apply(
        _ operation: Operation,
        labelValues: [String],
        value: Double = 1,
        now: Double
    ) throws(MetricError)
        -> Double?
    {
        try apply(operation, key: SeriesKey(labelValues), value: value, now: now).result
    }

    /// What a write did: the series' new value (counter or gauge; nil for a histogram) and the series written.
    struct Applied {
        let result: Double?
        /// The stored key of the series written.
        let key: SeriesKey
        /// `SeriesName.text(definition, key.values)` as UTF-8, kept with the series after its first push.
        let name: [UInt8]
    }

    /// `apply`, telling which series it wrote.
    func write(
        _ operation: Operation,
        labelValues: [String],
        value: Double,
        now: Double
    ) throws(MetricError)
        -> Applied
    {
        let (result, index) = try apply(operation, key: SeriesKey(labelValues), value: value, now: now)
        return applied(result, at: index)
    }

    /// `apply` to the series a key made before names (kept by a caller that writes it again and again, as the
    /// request counts do): no key to make, and a look-up that hashes one integer.
    @discardableResult
    func apply(_ operation: Operation, key: SeriesKey, value: Double = 1, now: Double) throws(MetricError) -> Double? {
        try apply(operation, key: key, value: value, now: now).result
    }

    /// `write` for a push, its `labelCount` label values the comma-separated bytes `labels` (valid UTF-8; no value
    /// holds a comma): an existing series is found by the bytes alone, without a String.
    func write(
        _ operation: Operation,
        labels: UnsafeBufferPointer<UInt8>,
        labelCount: Int,
        value: Double,
        now: Double
    ) throws(MetricError) -> Applied {
        // Pushes come in runs to one series: the last one's key, when it names these bytes, is looked up by its kept
        // hash instead of hashing the bytes.
        let key: SeriesKey
        if let last = lastPushed, last.names(labels, count: labelCount) {
            key = last
        } else {
            key = .probe(labels, count: labelCount)
        }
        let (result, index) = try apply(operation, key: key, value: value, now: now)
        let written = applied(result, at: index)
        lastPushed = written.key
        return written
    }

    /// What `write` reports of the series at `index`, its name made once and then kept with it.
    private func applied(_ result: Double?, at index: [SeriesKey: Series].Index) -> Applied {
        let key = series.keys[index]
        let definition = definition
        // In place, through the series' own storage: reading `series.values[index]` would copy the series out.
        let name = series.values[index].name { Array(SeriesName.text(definition, key.values).utf8) }
        return Applied(result: result, key: key, name: name)
    }

    /// Applies one write to the series `key` names (a stored key or a probe). Returns the series' new value (counter
    /// or gauge; nil for a histogram) and where the series is in `series`, valid until `series` next changes.
    private func apply(
        _ operation: Operation,
        key: SeriesKey,
        value: Double,
        now: Double
    ) throws(MetricError) -> (result: Double?, index: [SeriesKey: Series].Index) {
        let kind = definition.kind
        guard kind.accepts(operation) else {
            throw MetricError(
                .unsupportedOperation,
                "\(definition.fullName) is a \(kind.rawValue); its operations are "
                    + kind.operations.map(\.rawValue).joined(separator: ", ")
            )
        }
        guard value.isFinite else { throw MetricError(.invalidValue, "value must be a finite number") }
        if kind == .counter, operation == .add, value < 0 {
            throw MetricError(
                .invalidValue,
                "\(definition.fullName) is a counter and cannot decrease: value must be 0 or more"
            )
        }
        try validateCount(key.valueCount)
        let index: [SeriesKey: Series].Index
        let written: Double
        if let found = series.index(forKey: key) {
            // A new series starts at 0, where a finite operand always gives a finite result; only an existing one can
            // overflow, and then nothing is created, counted or journaled (`write` changes nothing and says nil).
            guard let newValue = series.values[found].write(operation, value, bounds: definition.buckets, now: now)
            else {
                let outcome = series.values[found].outcome(of: operation, value)
                throw notFinite(operation, value, series.keys[found], outcome)
            }
            index = found
            written = newValue
        } else {
            let stored = key.stored()
            try create(stored, now: now)
            index = series.index(forKey: stored)!
            written = series.values[index].write(operation, value, bounds: definition.buckets, now: now) ?? 0
        }
        generation &+= 1
        lastWrite = now
        if let observer {
            observer.record(
                .applied(
                    metric: apiName,
                    time: now,
                    operation: operation,
                    labelValues: series.keys[index].values,
                    value: value
                )
            )
        }
        return (kind == .histogram ? nil : written, index)
    }

    /// Stores a value the service computed itself (process metrics, counts it keeps elsewhere), bypassing the
    /// operation rules a push must follow. The series must exist or its labels must be valid.
    func store(_ value: Double, labelValues: [String] = [], now: Double) {
        guard (try? restoreStored(value, labelValues: labelValues, now: now)) != nil else { return }
        observer?.record(.stored(metric: apiName, time: now, labelValues: labelValues, value: value))
    }

    /// `store` without telling the observer: for replay, which must not write what it reads.
    func restoreStored(_ value: Double, labelValues: [String], now: Double) throws(MetricError) {
        let key = SeriesKey(labelValues)
        let isNew = series[key] == nil
        try createSeriesIfNeeded(key, now: now)
        lastWrite = now
        let changed = isNew || series[key]?.value != value
        if changed { generation &+= 1 }  // The rendering changes only with the value.
        modify(key) {
            $0.value = value
            $0.lastWrite = now
        }
    }

    /// Records a write that changed no series value itself (a client's reset), for staleness.
    func markWritten(now: Double) {
        lastWrite = now
    }

    /// A reset as a write (`DELETE /api/<metric>`, the observer starting over): the series, the staleness mark, and
    /// the recorded change.
    func reset(now: Double) {
        resetSeries(now: now)
        markWritten(now: now)
        observer?.record(.reset(metric: apiName, time: now))
    }

    /// A series put back whole (replay of a saved state): its labels are validated as a new series' are, and its
    /// bucket counts must fit the catalogue's buckets (`definition.buckets`), which the caller has compared.
    func restoreSeries(
        _ labelValues: [String],
        value: Double,
        bucketCounts: [UInt64],
        sum: Double,
        count: UInt64,
        lastWrite: Double
    ) throws(MetricError) {
        let key = SeriesKey(labelValues)
        try createSeriesIfNeeded(key, now: lastWrite)
        generation &+= 1
        modify(key) { series in
            series.value = value
            series.bucketCounts = bucketCounts
            series.sum = sum
            series.count = count
            series.lastWrite = lastWrite
        }
    }

    /// Removes every series; under a cartesian-product reset, then holds every combination at 0. Not a write: boot
    /// and replay use it.
    func resetSeries(now: Double) {
        series.removeAll(keepingCapacity: true)
        generation &+= 1
        // A metric without labels always has its one series, as client_golang's plain counters and gauges do.
        guard definition.cartesianProductReset || definition.labels.isEmpty else { return }
        var combinations: [[String]] = [[]]
        for label in definition.labels {
            let values = label.allowedValues ?? []
            combinations = combinations.flatMap { prefix in values.map { prefix + [$0] } }
        }
        for combination in combinations {
            series[SeriesKey(combination)] = Series(bucketCount: definition.buckets.count, now: now)
        }
    }

    /// Drops series not written for the time-to-live (returns them to 0 under a cartesian reset). Returns how many.
    @discardableResult
    func expire(now: Double) -> Int {
        guard let timeToLive = definition.timeToLiveSeconds else { return 0 }
        let stale = series.filter { now - $0.value.lastWrite > timeToLive }.map(\.key)
        guard !stale.isEmpty else { return 0 }
        generation &+= 1
        observer?.record(.expired(metric: apiName, time: now))
        for key in stale {
            if definition.cartesianProductReset {
                modify(key) { $0.zero(now: now) }
            } else {
                series[key] = nil
            }
        }
        return stale.count
    }

    private func modify(_ key: SeriesKey, _ body: (inout Series) -> Void) {
        // In place, without copying the bucket array.
        if let index = series.index(forKey: key) {
            body(&series.values[index])
        }
    }

    /// Validates the label values of a series that does not exist yet (never those of one that does) and creates it.
    private func createSeriesIfNeeded(_ key: SeriesKey, now: Double) throws(MetricError) {
        try validateCount(key.count)
        guard series[key] == nil else { return }
        try create(key, now: now)
    }

    /// Validates the label values of a series that does not exist yet and creates it.
    private func create(_ key: SeriesKey, now: Double) throws(MetricError) {
        try validateNew(key)
        series[key] = Series(bucketCount: definition.buckets.count, now: now)
    }

    /// The refusal of a write whose result would be infinite or NaN: the series keeps what it holds.
    private func notFinite(_ operation: Operation, _ value: Double, _ key: SeriesKey, _ outcome: Double) -> MetricError
    {
        let name = SeriesName.text(definition, key.values.map { EchoedInput.text($0) })
        let what = definition.kind == .histogram ? "its sum" : "it"
        let operand = operation.needsValue ? " \(GoFloat.format(value))" : ""
        return MetricError(
            .invalidValue,
            "\(operation.rawValue)\(operand) would make \(what) \(GoFloat.format(outcome)) in \(name); values must stay finite"
        )
    }

    private func validateCount(_ count: Int) throws(MetricError) {
        let labels = definition.labels
        guard count != labels.count else { return }
        let names = labels.map(\.name).joined(separator: ", ")
        throw MetricError(
            .wrongLabelCount,
            labels.isEmpty
                ? "\(definition.fullName) has no labels; send no labels parameter (got \(count) values)"
                : "\(labels.count) label value\(labels.count == 1 ? "" : "s") expected (\(names)), got \(count)"
        )
    }

    private func validateNew(_ values: SeriesKey) throws(MetricError) {
        for (checker, value) in zip(checkers, values) {
            let label = checker.label
            if let accepted = checker.problem(with: value) {
                throw MetricError(
                    .invalidLabelValue,
                    "label \(label.name): \"\(EchoedInput.text(value))\" is not accepted; want \(accepted)"
                )
            }
        }
        guard series.count < maxSeries else {
            throw MetricError(
                .seriesLimit,
                "\(definition.fullName) already holds its limit of \(maxSeries) series; reset it or wait for expiry"
            )
        }
    }
}
