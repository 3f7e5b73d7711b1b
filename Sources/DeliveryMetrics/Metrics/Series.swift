/// One series of a vector: a counter or gauge value, or a histogram's buckets, sum and count.
struct Series {
    /// Counter or gauge value; unused by histograms.
    var value: Double = 0
    /// Observations per bucket (not cumulative); the last slot counts those above every bound (`+Inf` only).
    var bucketCounts: [UInt64]
    var sum: Double = 0
    var count: UInt64 = 0
    /// Wall-clock seconds of the last write, for expiry (wall clock so that it can survive a restart).
    var lastWrite: Double
    /// `SeriesName.text` of the series as UTF-8, made by the first push that names it in its answer; empty until
    /// then (a name is never empty). It follows from the key, which a series keeps for its life.
    var renderedName: [UInt8] = []

    init(bucketCount: Int, now: Double) {
        bucketCounts = bucketCount > 0 ? [UInt64](repeating: 0, count: bucketCount + 1) : []
        lastWrite = now
    }

    /// What `operation` with `operand` would leave: the value of a counter or gauge, the sum of a histogram. A write
    /// is checked with it before it applies, so one whose result would not be finite changes nothing.
    func outcome(of operation: Operation, _ operand: Double) -> Double {
        switch operation {
        case .observe: sum + operand
        case .inc: value + 1
        case .add: value + operand
        case .set: operand
        case .dec: value - 1
        case .sub: value - operand
        }
    }

    mutating func apply(_ operation: Operation, _ operand: Double, bounds: [Double]) {
        switch operation {
        case .observe: observe(operand, bounds: bounds)
        case .inc: value += 1
        case .add: value += operand
        case .set: value = operand
        case .dec: value -= 1
        case .sub: value -= operand
        }
    }

    /// One write in place, when its `outcome` is finite: `apply`, then the write time; returns the value after it
    /// (unused by histograms). Nil, and nothing changed, when the outcome would not be finite.
    mutating func write(_ operation: Operation, _ operand: Double, bounds: [Double], now: Double) -> Double? {
        guard outcome(of: operation, operand).isFinite else { return nil }
        apply(operation, operand, bounds: bounds)
        lastWrite = now
        return value
    }

    /// `renderedName`, made by `make` the first time.
    mutating func name(_ make: () -> [UInt8]) -> [UInt8] {
        if renderedName.isEmpty { renderedName = make() }
        return renderedName
    }

    mutating func observe(_ observation: Double, bounds: [Double]) {
        // Bounds are few (tens); a linear scan beats a binary search at that size.
        var index = 0
        while index < bounds.count, observation > bounds[index] { index += 1 }
        bucketCounts[index] += 1
        sum += observation
        count += 1
    }

    mutating func zero(now: Double) {
        value = 0
        for index in bucketCounts.indices { bucketCounts[index] = 0 }
        sum = 0
        count = 0
        lastWrite = now
    }
}
