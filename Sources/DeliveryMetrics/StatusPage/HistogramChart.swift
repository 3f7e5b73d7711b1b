/// A histogram series drawn as a small inline SVG bar chart: one bar per bucket, its height the observations in
/// that bucket alone (not the cumulative count Prometheus exposes), scaled to the fullest bucket. Drawn with
/// attributes and the page's stylesheet only, so the page's `Content-Security-Policy` needs no inline styles.
struct HistogramChart {
    struct Bar: Equatable {
        /// The bucket's upper bound (`+Inf` for the last).
        var upperBound: Double
        var count: UInt64
        /// In pixels, from 0 (an empty bucket) to `HistogramChart.height`; a bucket with any observation is at
        /// least 1 px, so that it shows.
        var height: Int
    }

    /// The most bars drawn: a pushed histogram may state thousands of buckets, and the page lists thousands of
    /// series; past this the chart gives way to a line saying how many buckets there are.
    static let maxBars = 64
    static let height = 32
    static let barWidth = 6
    static let gap = 1

    let bars: [Bar]

    /// `counts` per bucket, one per bound; `bounds` end with `+Inf`.
    init(bounds: [Double], counts: [UInt64]) {
        let fullest = counts.max() ?? 0
        bars = zip(bounds, counts).map { bound, count in
            let scaled =
                fullest == 0 ? 0 : Int((Double(count) / Double(fullest) * Double(Self.height)).rounded())
            return Bar(upperBound: bound, count: count, height: count == 0 ? 0 : max(1, scaled))
        }
    }

    /// A catalogue histogram's series: its declared bounds, then `+Inf`, and the per-bucket counts it keeps.
    init(catalogueBounds: [Double], bucketCounts: [UInt64]) {
        self.init(bounds: catalogueBounds + [.infinity], counts: bucketCounts)
    }

    /// A pushed histogram: cumulative counts, `+Inf` stated or not (the rest of `count` is above the last bound).
    init(cumulative buckets: [PushedHistogram.Bucket], count: UInt64) {
        var bounds: [Double] = []
        var counts: [UInt64] = []
        var below: UInt64 = 0
        for bucket in buckets {
            bounds.append(bucket.upperBound)
            // A pushed histogram's counts are not checked to grow; a fall draws as an empty bucket.
            counts.append(bucket.cumulativeCount >= below ? bucket.cumulativeCount - below : 0)
            below = max(below, bucket.cumulativeCount)
        }
        if bounds.last != Double.infinity {
            bounds.append(.infinity)
            counts.append(count >= below ? count - below : 0)
        }
        self.init(bounds: bounds, counts: counts)
    }

    func svg(label: String) -> String {
        guard bars.count <= Self.maxBars else {
            return "<span class=\"meta\">\(bars.count) buckets, more than the \(Self.maxBars) a chart draws</span>"
        }
        let width = bars.count * (Self.barWidth + Self.gap)
        var svg =
            "<svg class=\"chart\" width=\"\(width)\" height=\"\(Self.height)\" viewBox=\"0 0 \(width) \(Self.height)\""
            + " role=\"img\" aria-label=\"\(HTMLText.escape(label))\">"
        for (index, bar) in bars.enumerated() {
            let bound = bar.upperBound == .infinity ? "+Inf" : HTMLText.number(bar.upperBound)
            svg +=
                "<rect class=\"bar\" x=\"\(index * (Self.barWidth + Self.gap))\" y=\"\(Self.height - bar.height)\""
                + " width=\"\(Self.barWidth)\" height=\"\(bar.height)\"><title>le \(bound): \(bar.count)</title></rect>"
        }
        return svg + "</svg>"
    }
}
