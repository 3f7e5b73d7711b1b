import Testing

@testable import DeliveryMetrics

@Suite("Histogram charts")
struct HistogramChartTests {
    @Test func drawsEachBucketsOwnCountScaledToTheFullest() {
        let chart = HistogramChart(catalogueBounds: [1, 2, 5], bucketCounts: [0, 3, 6, 2])
        #expect(chart.bars.map(\.height) == [0, 16, 32, 11])
        #expect(chart.bars.map(\.upperBound) == [1, 2, 5, .infinity])
        #expect(chart.bars.map(\.count) == [0, 3, 6, 2])
    }

    @Test func aBucketWithOneObservationAmongThousandsStillShows() {
        let chart = HistogramChart(catalogueBounds: [1], bucketCounts: [1, 5_000])
        #expect(chart.bars.map(\.height) == [1, 32])
    }

    @Test func anEmptyHistogramHasABarPerBucketAllFlat() {
        let chart = HistogramChart(catalogueBounds: [1, 2], bucketCounts: [0, 0, 0])
        #expect(chart.bars.map(\.height) == [0, 0, 0])
        #expect(chart.svg(label: "x").components(separatedBy: "<rect ").count - 1 == 3)
    }

    @Test func turnsPushedCumulativeCountsIntoPerBucketOnes() {
        typealias Bucket = PushedHistogram.Bucket
        // No +Inf stated (as client_golang pushes): the rest of the count is above the last bound.
        let unstated = HistogramChart(
            cumulative: [Bucket(cumulativeCount: 2, upperBound: 1), Bucket(cumulativeCount: 5, upperBound: 2)],
            count: 9
        )
        #expect(unstated.bars.map(\.count) == [2, 3, 4])
        #expect(unstated.bars.last?.upperBound == .infinity)
        // +Inf stated (as the text format has it): no bar added.
        let stated = HistogramChart(
            cumulative: [Bucket(cumulativeCount: 2, upperBound: 1), Bucket(cumulativeCount: 9, upperBound: .infinity)],
            count: 9
        )
        #expect(stated.bars.map(\.count) == [2, 7])
        // A count that falls draws as an empty bucket rather than wrapping.
        let falling = HistogramChart(
            cumulative: [Bucket(cumulativeCount: 5, upperBound: 1), Bucket(cumulativeCount: 3, upperBound: 2)],
            count: 4
        )
        #expect(falling.bars.map(\.count) == [5, 0, 0])
    }

    @Test func aHistogramOfThousandsOfBucketsIsNotDrawn() {
        let bounds = (0..<100_000).map(Double.init) + [.infinity]
        let chart = HistogramChart(bounds: bounds, counts: [UInt64](repeating: 1, count: bounds.count))
        let svg = chart.svg(label: "x")
        #expect(!svg.contains("<rect"))
        #expect(svg.contains("100001 buckets, more than the 64 a chart draws"))
        #expect(svg.utf8.count < 200)
    }

    @Test func writesOneRectPerBucketWithItsBoundAndCountAndNoStyleAttribute() {
        let svg = HistogramChart(catalogueBounds: [0.5], bucketCounts: [4, 1]).svg(label: "a <chart>")
        #expect(svg.contains("<rect class=\"bar\" x=\"0\" y=\"0\" width=\"6\" height=\"32\"><title>le 0.5: 4</title>"))
        #expect(svg.contains("<title>le +Inf: 1</title>"))
        #expect(svg.contains("aria-label=\"a &lt;chart&gt;\""))
        #expect(!svg.contains("style="))
    }
}
