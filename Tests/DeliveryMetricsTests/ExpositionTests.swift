import Foundation
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// A small registry rendered in both formats and compared with committed golden files.
@Suite("Exposition")
struct ExpositionTests {
    private func registry() throws -> Registry {
        let definitions = [
            MetricDefinition(
                .histogram,
                name: "duration_seconds",
                help: "Durations with a \\ and a\nnewline.",
                labels: [Label("kind", oneOf: ["x", "y"]), .text("zone")],
                buckets: [0.005, 1, 1e6]
            ),
            MetricDefinition(.counter, name: "events_total", help: "Events.", labels: [.text("b"), .text("a")]),
            MetricDefinition(.counter, name: "legacy_count", help: "A counter without _total."),
            MetricDefinition(
                .gauge,
                name: "level",
                help: "A \"quoted\" gauge.",
                labels: [Label("note", matching: #"[\s\S]*"#, acceptingAnyScalar: true)]
            ),
            MetricDefinition(.gauge, name: "empty", help: "Never written.", labels: [.text("l")]),
        ]
        let registry = Registry(definitions, maxSeriesPerMetric: 100, now: 0)
        let histogram = try #require(registry.family(named: "duration_seconds"))
        for value in [0.001, 0.5, 2, 2_000_000] {
            try histogram.apply(.observe, labelValues: ["y", "eu"], value: value, now: 0)
        }
        try histogram.apply(.observe, labelValues: ["x", "us"], value: 1, now: 0)
        let events = try #require(registry.family(named: "events_total"))
        try events.apply(.add, labelValues: ["2", "z"], value: 1_234_567, now: 0)
        try events.apply(.inc, labelValues: ["1", "z"], now: 0)
        try events.apply(.inc, labelValues: ["3", "a"], now: 0)
        try registry.family(named: "legacy_count")?.apply(.add, labelValues: [], value: 3, now: 0)
        try registry.family(named: "level")?.apply(.set, labelValues: ["a\"b\\c\nd"], value: -0.25, now: 0)
        return registry
    }

    private func golden(_ name: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test func writesTextFormatLikeGo() throws {
        #expect(try registry().render(.text) == golden("small-registry.txt"))
    }

    @Test func writesOpenMetrics() throws {
        #expect(try registry().render(.openMetrics(version: "1.0.0")) == golden("small-registry.openmetrics.txt"))
    }

    @Test func rendersAgainOnlyWhatChanged() throws {
        let registry = try registry()
        let first = registry.render(.text)
        #expect(registry.render(.text) == first)
        try registry.family(named: "level")?.apply(.set, labelValues: ["other"], value: 1, now: 0)
        let second = registry.render(.text)
        #expect(second != first)
        #expect(second.contains("level{note=\"other\"} 1\n"))
    }

    @Test func keepsEachFormatApart() throws {
        let registry = try registry()
        let text = registry.render(.text)
        let openMetrics = registry.render(.openMetrics(version: "1.0.0"))
        #expect(registry.render(.text) == text)
        #expect(registry.render(.openMetrics(version: "0.0.1")) == openMetrics)
        #expect(openMetrics.hasSuffix("# EOF\n") && !text.contains("# EOF"))
    }

    @Test func gzipsIntoOneMemberFromCachedChunks() throws {
        let registry = try registry()
        for format in [ExpositionFormat.text, .openMetrics(version: "1.0.0")] {
            let compressed = try #require(registry.exposition(format, gzip: true))
            #expect(try GzipTestDecoder.decompress(compressed) == Array(registry.render(format).utf8))
            try registry.family(named: "level")?.apply(.set, labelValues: ["other"], value: 7, now: 0)
            let again = try #require(registry.exposition(format, gzip: true))
            let text = String(decoding: try GzipTestDecoder.decompress(again), as: UTF8.self)
            #expect(text == registry.render(format))
            #expect(text.contains("level{note=\"other\"} 7"))
        }
    }

    @Test(arguments: [
        (nil, ExpositionFormat.text),
        ("text/plain", .text),
        ("*/*", .text),
        ("application/json", .text),
        (
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            .openMetrics(version: "1.0.0")
        ),
        (
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;"
                + "version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;"
                + "q=0.2,*/*;q=0.1",
            .openMetrics(version: "1.0.0")
        ),
        ("application/openmetrics-text; version=0.0.1", .openMetrics(version: "0.0.1")),
        ("text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5", .text),
        ("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited", .text),
        ("application/openmetrics-text;version=2.0.0,text/plain;q=0.1", .text),
    ])
    func negotiatesTheFormatPrometheusAsksFor(accept: String?, format: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == format)
    }

    @Test(arguments: [
        (nil, false), ("gzip", true), ("identity", false), ("gzip, deflate, br", true), ("deflate;q=1, GZIP", true),
        ("gzip;q=0", false),
    ])
    func acceptsGzipWhenOffered(header: String?, gzip: Bool) {
        #expect(ExpositionFormat.acceptsGzip(header) == gzip)
    }

    @Test func compressesToAGzipMember() throws {
        let input = Array(String(repeating: "delivery_metric 1\n", count: 200).utf8)
        let compressed = Gzip.stream([try #require(Gzip.Chunk(input))])
        #expect(compressed.starts(with: [0x1F, 0x8B]))
        #expect(compressed.count < input.count / 4)
        #expect(try GzipTestDecoder.decompress(compressed) == input)
    }
}
