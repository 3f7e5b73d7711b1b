import TestSupport
import Testing

@testable import DeliveryMetrics

/// Protobuf wire format written by hand, field by field, so each test states the bytes it sends.
private enum Wire {
    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        return bytes + [UInt8(value)]
    }

    static func key(_ field: UInt64, _ wireType: UInt64) -> [UInt8] { varint(field << 3 | wireType) }
    static func varintField(_ field: UInt64, _ value: UInt64) -> [UInt8] { key(field, 0) + varint(value) }

    static func double(_ field: UInt64, _ value: Double) -> [UInt8] {
        key(field, 1) + (0..<8).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * UInt64($0))) }
    }

    static func bytes(_ field: UInt64, _ content: [UInt8]) -> [UInt8] {
        key(field, 2) + varint(UInt64(content.count)) + content
    }

    static func string(_ field: UInt64, _ text: String) -> [UInt8] { bytes(field, Array(text.utf8)) }
    static func delimited(_ messages: [UInt8]...) -> [UInt8] { messages.flatMap { varint(UInt64($0.count)) + $0 } }

    static func label(_ name: String, _ value: String) -> [UInt8] { bytes(1, string(1, name) + string(2, value)) }
}

@Suite("Pushed protobuf bodies")
struct MetricFamilyProtobufTests {
    @Test func decodesAFamilyAsGosClientWritesIt() throws {
        let metric = Wire.label("instance", "ci-1") + Wire.label("job", "deploy") + Wire.bytes(2, Wire.double(1, 42.5))
        let family =
            Wire.string(1, "build_seconds") + Wire.string(2, "How long.") + Wire.varintField(3, 1)
            + Wire.bytes(4, metric)
        let decoded = try MetricFamilyProtobuf.decodeDelimited(Wire.delimited(family))
        #expect(
            decoded == [
                PushedFamily(
                    name: Array("build_seconds".utf8),
                    help: Array("How long.".utf8),
                    kind: .gauge,
                    metrics: [
                        PushedMetric(
                            labels: [
                                PushedLabel(name: Array("instance".utf8), value: Array("ci-1".utf8)),
                                PushedLabel(name: Array("job".utf8), value: Array("deploy".utf8)),
                            ],
                            gauge: 42.5
                        )
                    ]
                )
            ]
        )
    }

    /// The body Go's client_golang sends (`expfmt.FmtProtoDelim`, Debian's client_golang, go1.19): a gauge with a
    /// label, a counter (its type written out as 0), an untyped, a histogram and a summary, as `Gather` orders them.
    /// The same bytes seed the protobuf fuzzer (`Fuzz/corpus/protobuf/go-client-five-families`).
    private static let goClientBody: [UInt8] = {
        let hex = [
            "4a0a0d6275696c645f7365636f6e64731218486f77206c6f6e6720746865206275696c6420746f6f6b2e1801221d0a100a05",
            "73746167651207636f6d70696c651209090000000000404540260a0c6275696c64735f746f74616c12074275696c64732e18",
            "00220b1a09090000000000000840200a05706c61696e1208556e74797065642e1803220b2a0909000000000000f0bf410a0c",
            "737465705f7365636f6e6473120653746570732e180422273a2508031100000000000025401a0b080111000000000000f03f",
            "1a0b08021100000000000014403b0a0c776169745f7365636f6e6473120657616974732e18022221221f0801110000000000",
            "0000401a1209000000000000e03f110000000000000040",
        ].joined()
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }()

    @Test func decodesWhatGosClientSends() throws {
        let families = try MetricFamilyProtobuf.decodeDelimited(Self.goClientBody)
        #expect(
            families.map { String(decoding: $0.name, as: UTF8.self) } == [
                "build_seconds", "builds_total", "plain", "step_seconds", "wait_seconds",
            ]
        )
        #expect(families.map(\.kind) == [.gauge, .counter, .untyped, .histogram, .summary])
        #expect(families[0].help == Array("How long the build took.".utf8))
        #expect(
            families[0].metrics == [
                PushedMetric(
                    labels: [PushedLabel(name: Array("stage".utf8), value: Array("compile".utf8))],
                    gauge: 42.5
                )
            ]
        )
        #expect(families[1].metrics == [PushedMetric(counter: 3)])
        #expect(families[2].metrics == [PushedMetric(untyped: -1)])
        #expect(
            families[3].metrics[0].histogram
                == PushedHistogram(
                    count: 3,
                    sum: 10.5,
                    buckets: [.init(cumulativeCount: 1, upperBound: 1), .init(cumulativeCount: 2, upperBound: 5)]
                )
        )
        #expect(
            families[4].metrics[0].summary
                == PushedSummary(count: 1, sum: 2, quantiles: [.init(quantile: 0.5, value: 2)])
        )
    }

    @Test func anAbsentTypeIsACounterAndAnUnknownOneIsKept() throws {
        let counter = try MetricFamilyProtobuf.decodeDelimited(
            Wire.delimited(Wire.string(1, "c_total") + Wire.bytes(4, Wire.bytes(3, Wire.double(1, 3))))
        )
        #expect(counter.first?.kind == .counter)
        #expect(counter.first?.metrics.first?.counter == 3)
        let odd = try MetricFamilyProtobuf.decodeDelimited(Wire.delimited(Wire.string(1, "x") + Wire.varintField(3, 9)))
        #expect(odd.first?.kind == .unknown(9))
    }

    @Test func skipsUnknownFieldsOfEveryWireTypeAtEveryLevel() throws {
        let unknown =
            Wire.varintField(99, 7) + Wire.double(98, 1) + Wire.string(97, "later") + Wire.key(96, 5) + [1, 2, 3, 4]
        let label = Wire.bytes(1, Wire.string(1, "a") + unknown + Wire.string(2, "b"))
        let metric = label + unknown + Wire.bytes(5, unknown + Wire.double(1, 7))
        let family =
            unknown + Wire.string(1, "u") + Wire.varintField(3, 3) + Wire.string(5, "seconds")
            + Wire.bytes(4, metric) + unknown
        let decoded = try MetricFamilyProtobuf.decodeDelimited(Wire.delimited(family))
        #expect(decoded.count == 1)
        #expect(decoded[0].name == Array("u".utf8))
        #expect(decoded[0].kind == .untyped)
        #expect(decoded[0].metrics == [PushedMetric(labels: [PushedLabel(name: [97], value: [98])], untyped: 7)])
    }

    @Test func keepsTheLastScalarAndMergesAMessageGivenTwice() throws {
        let metric =
            Wire.bytes(2, Wire.double(1, 1)) + Wire.bytes(2, Wire.double(1, 2))
            + Wire.bytes(2, Wire.string(9, "no value here"))
        let family = Wire.string(1, "first") + Wire.string(1, "second") + Wire.varintField(3, 1) + Wire.bytes(4, metric)
        let decoded = try MetricFamilyProtobuf.decodeDelimited(Wire.delimited(family))
        #expect(decoded[0].name == Array("second".utf8))
        #expect(decoded[0].metrics[0].gauge == 2)
    }

    @Test func readsHistogramsAndSummariesWithTheirBucketsAndQuantiles() throws {
        let bucket = { (count: UInt64, bound: Double) in
            Wire.bytes(3, Wire.varintField(1, count) + Wire.double(2, bound) + Wire.string(3, "exemplar"))
        }
        let histogram =
            Wire.varintField(1, 5) + Wire.double(2, 12.5) + bucket(2, 1) + bucket(5, .infinity)
            + Wire.bytes(15, Wire.varintField(1, 1_700_000_000))
        let quantile = { (q: Double, v: Double) in Wire.bytes(3, Wire.double(1, q) + Wire.double(2, v)) }
        let summary = Wire.varintField(1, 4) + Wire.double(2, 2) + quantile(0.5, 0.4) + quantile(0.99, 0.9)
        let body = Wire.delimited(
            Wire.string(1, "h") + Wire.varintField(3, 4) + Wire.bytes(4, Wire.bytes(7, histogram)),
            Wire.string(1, "s") + Wire.varintField(3, 2) + Wire.bytes(4, Wire.bytes(4, summary))
        )
        let decoded = try MetricFamilyProtobuf.decodeDelimited(body)
        #expect(
            decoded[0].metrics[0].histogram
                == PushedHistogram(
                    count: 5,
                    sum: 12.5,
                    buckets: [
                        .init(cumulativeCount: 2, upperBound: 1), .init(cumulativeCount: 5, upperBound: .infinity),
                    ]
                )
        )
        #expect(
            decoded[1].metrics[0].summary
                == PushedSummary(
                    count: 4,
                    sum: 2,
                    quantiles: [.init(quantile: 0.5, value: 0.4), .init(quantile: 0.99, value: 0.9)]
                )
        )
    }

    @Test func notesNativeAndFloatHistogramFieldsPackedOrNot() throws {
        let packedSpans = Wire.bytes(12, Wire.varint(2) + Wire.varint(3))
        let unpackedDeltas = Wire.varintField(13, 2) + Wire.varintField(13, 4)
        for native in [Wire.varintField(5, 0), packedSpans, unpackedDeltas, Wire.double(4, 3)] {
            let body = Wire.delimited(
                Wire.string(1, "n") + Wire.varintField(3, 4) + Wire.bytes(4, Wire.bytes(7, native))
            )
            let decoded = try MetricFamilyProtobuf.decodeDelimited(body)
            #expect(decoded[0].metrics[0].histogram?.hasNativeOrFloatFields == true)
        }
        let classic = Wire.delimited(
            Wire.string(1, "n") + Wire.varintField(3, 4) + Wire.bytes(4, Wire.bytes(7, Wire.varintField(1, 1)))
        )
        #expect(
            try MetricFamilyProtobuf.decodeDelimited(classic)[0].metrics[0].histogram?.hasNativeOrFloatFields == false
        )
    }

    @Test func keepsATimestampForTheChecksToRefuse() throws {
        let metric = Wire.bytes(2, Wire.double(1, 1)) + Wire.varintField(6, 1_700_000_000_000)
        let body = Wire.delimited(Wire.string(1, "t") + Wire.varintField(3, 1) + Wire.bytes(4, metric))
        #expect(try MetricFamilyProtobuf.decodeDelimited(body)[0].metrics[0].timestampMilliseconds == 1_700_000_000_000)
    }

    @Test func readsEveryFamilyOfAStreamInOrderAndNoneOfAnEmptyOne() throws {
        let body = Wire.delimited(Wire.string(1, "a"), Wire.string(1, "b"), Wire.string(1, "a"), [])
        #expect(try MetricFamilyProtobuf.decodeDelimited(body).map(\.name) == [[97], [98], [97], []])
        #expect(try MetricFamilyProtobuf.decodeDelimited([]).isEmpty)
    }

    @Test(arguments: [
        ("a length past the body", Wire.varint(10) + Wire.string(1, "abc"), "truncated length-delimited"),
        ("a message cut in its name", Wire.varint(5) + Wire.key(1, 2) + Wire.varint(9) + [97, 98], "truncated"),
        (
            "a varint of eleven bytes", Wire.delimited(Wire.key(3, 0) + Array(repeating: 0xFF, count: 10) + [1]),
            "64 bits"
        ),
        ("a varint that never ends", Wire.delimited(Wire.key(3, 0) + [0x80, 0x80]), "truncated varint"),
        ("a group", Wire.delimited(Wire.key(4, 3) + Wire.key(4, 4)), "group"),
        ("wire type 6", Wire.delimited(Wire.key(1, 6)), "unknown wire type 6"),
        ("wire type 7", Wire.delimited(Wire.key(1, 7)), "unknown wire type 7"),
        ("field number 0", Wire.delimited(Wire.key(0, 0) + [0]), "field number 0"),
        (
            "a double cut short", Wire.delimited(Wire.bytes(4, Wire.bytes(2, Wire.key(1, 1) + [0, 0, 0]))),
            "truncated 64-bit"
        ),
        ("a fixed32 cut short", Wire.delimited(Wire.key(9, 5) + [0, 0]), "truncated 32-bit"),
    ])
    func refusesWhatIsNotAWholeStream(name: String, body: [UInt8], reason: String) {
        #expect(throws: PushBodyError.self, "\(name)") { try MetricFamilyProtobuf.decodeDelimited(body) }
        do {
            _ = try MetricFamilyProtobuf.decodeDelimited(body)
        } catch {
            #expect(error.message.contains(reason), "\(name): \(error.message)")
        }
    }

    /// A megabyte of empty messages would be a million families: the count is refused as soon as it passes the
    /// limit, whether the series are families without metrics or metrics of one family.
    @Test func refusesMoreSeriesThanTheLimitWhileDecoding() throws {
        let emptyFamilies = [UInt8](repeating: 0, count: 11)
        #expect(try MetricFamilyProtobuf.decodeDelimited(emptyFamilies, maxSeries: 11).count == 11)
        #expect(throws: PushBodyError.tooManySeries(10)) {
            try MetricFamilyProtobuf.decodeDelimited(emptyFamilies, maxSeries: 10)
        }
        let emptyMetrics = Wire.delimited(
            Wire.string(1, "x") + Array(repeating: Wire.bytes(4, []), count: 6).flatMap { $0 }
        )
        #expect(try MetricFamilyProtobuf.decodeDelimited(emptyMetrics, maxSeries: 6)[0].metrics.count == 6)
        let refusal = #expect(throws: PushBodyError.self) {
            try MetricFamilyProtobuf.decodeDelimited(emptyMetrics, maxSeries: 5)
        }
        #expect(refusal?.kind == .tooManySeries)
    }

    /// Whatever the bytes, a family list or a refusal: never a trap (the fuzzer runs this for longer).
    @Test func decodesOrRefusesRandomBytes() {
        var random = SplitMix64(seed: 0xB0D1)
        let valid = Wire.delimited(
            Wire.string(1, "x") + Wire.varintField(3, 4)
                + Wire.bytes(4, Wire.label("a", "b") + Wire.bytes(7, Wire.varintField(1, 3) + Wire.double(2, 1)))
        )
        for _ in 0..<2_000 {
            var body = valid
            for _ in 0..<Int(random.next() % 4) {
                body[Int(random.next() % UInt64(body.count))] = UInt8(truncatingIfNeeded: random.next())
            }
            _ = try? MetricFamilyProtobuf.decodeDelimited(
                Array(body.prefix(Int(random.next() % UInt64(body.count + 1))))
            )
        }
    }
}
