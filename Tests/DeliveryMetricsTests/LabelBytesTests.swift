import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// Label values are their bytes (issue 13, items 10 and 11): canonically equivalent spellings stay two series and are
/// exposed as they arrived, closed sets match bytes, invalid UTF-8 and display-breaking code points are refused.
@Suite("Label values as bytes")
struct LabelBytesTests {
    /// `café` with U+00E9, and with `e` and U+0301: equal as Swift strings, two values for Prometheus.
    private static let nfc = "caf\u{E9}"
    private static let nfd = "cafe\u{301}"

    private func request(_ target: String, contentType: String? = nil, body: [UInt8] = []) -> Request {
        var headers: HTTPHeaders = ["Host": "t"]
        if let contentType { headers.add("Content-Type", contentType) }
        return Request(head: RequestHead(method: "POST", target: target, headers: headers), body: body)
    }

    private func refusal(_ request: Request, labelCount: Int = 1) -> MetricError? {
        do {
            _ = try PushRequest(request, operation: .set, labelCount: labelCount)
            return nil
        } catch {
            return error
        }
    }

    @Test func theTwoSpellingsAreEqualStringsButDifferentBytes() {
        // The premise: if Swift ever stopped equating them, the rest of this suite would prove less.
        #expect(Self.nfc == Self.nfd)
        #expect(!Self.nfc.hasSameBytes(as: Self.nfd))
        #expect(SeriesKey([Self.nfc]) != SeriesKey([Self.nfd]))
        #expect(SeriesKey([Self.nfc]) == SeriesKey(["caf\u{E9}"]))
        #expect(SeriesKey(["ab", "c"]) != SeriesKey(["a", "bc"]))
    }

    @Test func sortsKeysByBytesWhetherTheyAreASCIIOrNot() {
        // ASCII keys take `String`'s own `<`, the others go byte by byte; both give Go's order.
        let keys = [["z", "1"], ["\u{E9}", "0"], ["a", "2"], ["Z", "9"], [Self.nfd, "0"], [Self.nfc, "0"]].map(
            SeriesKey.init
        )
        let sorted = keys.sorted { $0.precedes($1, in: [0, 1]) }.map { Array($0[0].utf8) }
        #expect(sorted == [[0x5A], [0x61], Array(Self.nfd.utf8), Array(Self.nfc.utf8), [0x7A], [0xC3, 0xA9]])
        let bySecond = keys.sorted { $0.precedes($1, in: [1, 0]) }.map(\.[1])
        #expect(bySecond == ["0", "0", "0", "1", "2", "9"])
        #expect(Set(keys).count == keys.count)
        #expect(Set(keys + keys.map { SeriesKey($0.values) }).count == keys.count)
    }

    @Test func keepsCanonicallyEquivalentValuesInTwoSeries() throws {
        let family = Fixtures.gauge()
        #expect(try family.apply(.set, labelValues: ["17.4", Self.nfc], value: 1, now: Fixtures.now) == 1)
        #expect(try family.apply(.set, labelValues: ["17.4", Self.nfd], value: 2, now: Fixtures.now) == 2)
        #expect(try family.apply(.inc, labelValues: ["17.4", Self.nfc], now: Fixtures.now) == 2)
        #expect(family.series.count == 2)
        #expect(family.series[SeriesKey(["17.4", Self.nfc])]?.value == 2)
        #expect(family.series[SeriesKey(["17.4", Self.nfd])]?.value == 2)
        #expect(
            family.snapshotStates().map { Array($0.labelValues[1].utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
                == [Array(Self.nfd.utf8), Array(Self.nfc.utf8)]
        )
    }

    @Test func exposesEachValueAsItsBytesArrivedInByteOrder() throws {
        let pushes = try ["caf%C3%A9", "cafe%CC%81"].map { encoded in
            try PushRequest(request("/x?value=1&labels=17.4,\(encoded)"), operation: .set, labelCount: 2)
        }
        #expect(pushes.map { Array($0.labelValues[1].utf8) } == [Array(Self.nfc.utf8), Array(Self.nfd.utf8)])
        let family = Fixtures.gauge()
        for (index, push) in pushes.enumerated() {
            try family.apply(.set, labelValues: push.labelValues, value: Double(index + 1), now: Fixtures.now)
        }
        var text = ""
        FamilyRenderer.render(family, as: .text, into: &text)
        let lines = text.utf8.split(separator: UInt8(ascii: "\n")).map(Array.init).filter {
            $0.first != UInt8(ascii: "#")
        }
        // Byte order, as Go sorts: `e` (0x65) before 0xC3.
        #expect(
            lines == [
                Array(#"delivery_pressure{note="cafe\#u{301}",version="17.4"} 2"#.utf8),
                Array(#"delivery_pressure{note="caf\#u{E9}",version="17.4"} 1"#.utf8),
            ]
        )
    }

    @Test func refusesAnNFDSpellingOfAClosedSetValue() throws {
        let family = MetricFamily(
            MetricDefinition(
                .counter,
                name: "visits_total",
                help: "Visits.",
                labels: [Label("city", oneOf: [Self.nfc])]
            ),
            maxSeries: 10,
            now: Fixtures.now
        )
        #expect(try family.apply(.inc, labelValues: [Self.nfc], now: Fixtures.now) == 1)
        let generation = family.generation
        do {
            try family.apply(.inc, labelValues: [Self.nfd], now: Fixtures.now)
            Issue.record("an NFD look-alike of a closed-set value was accepted")
        } catch {
            #expect(error.status == 400)
            #expect(error.reason.label == "invalid_label_value")
        }
        #expect(family.series.count == 1)
        #expect(family.series[[Self.nfc]]?.value == 1)
        #expect(family.generation == generation)
    }

    @Test(
        arguments: [
            ("/x?value=1&labels=%FF%FE", nil, [UInt8]()),
            ("/x", "application/x-www-form-urlencoded", Array("value=1&labels=".utf8) + [0xFF, 0xFE]),
            ("/x", "application/x-www-form-urlencoded", Array("value=1&labels=%C3".utf8)),
            (
                "/x?value=1", "multipart/form-data; boundary=b",
                Array("--b\r\nContent-Disposition: form-data; name=\"labels\"\r\n\r\n".utf8) + [0xFF, 0xFE]
                    + Array("\r\n--b--\r\n".utf8)
            ),
        ] as [(String, String?, [UInt8])]
    )
    func refusesLabelValuesThatAreNotUTF8(target: String, contentType: String?, body: [UInt8]) throws {
        let error = try #require(refusal(request(target, contentType: contentType, body: body)))
        #expect(error.status == 400)
        #expect(error.reason.label == "invalid_label_value")
        #expect(error.message.contains("not valid UTF-8"))
    }

    @Test func namesTheValueAndEchoesItsBadBytes() throws {
        let error = try #require(refusal(request("/x?value=1&labels=ok,a%FF%FEb"), labelCount: 2))
        #expect(error.message == #"label value 2 is not valid UTF-8: "a\xFF\xFEb""#)
    }

    @Test func keepsTheRepairOfEverythingButLabels() throws {
        // The value is read as before: its bad bytes become U+FFFD, and it is then not a number.
        let error = try #require(refusal(request("/x?value=1%FF&labels=ok")))
        #expect(error.reason.label == "invalid_value")
        #expect(try FormDecoding.fields(of: request("/x?other=%FF"))["other"] == "\u{FFFD}")
        // A valid U+FFFD is a label value like any other.
        let push = try PushRequest(request("/x?value=1&labels=%EF%BF%BD"), operation: .set, labelCount: 1)
        #expect(push.labelValues == ["\u{FFFD}"])
    }

    @Test func aLosingInvalidValueDoesNotRefuseTheWinningOne() throws {
        // An urlencoded body wins over the query, as in Go; the query's bad bytes are then never a label value.
        let push = try PushRequest(
            request(
                "/x?labels=%FF",
                contentType: "application/x-www-form-urlencoded",
                body: Array("value=1&labels=ok".utf8)
            ),
            operation: .set,
            labelCount: 1
        )
        #expect(push.labelValues == ["ok"])
    }

    static let refusedScalars: [UInt32] =
        [0x00, 0x09, 0x0A, 0x0D, 0x1B, 0x1F, 0x7F, 0x80, 0x85, 0x9B, 0x9F, 0x2028, 0x2029]
        + Array(0x202A...0x202E) + Array(0x2066...0x2069)

    @Test(arguments: refusedScalars)
    func freeTextLabelsRefuse(scalar: UInt32) throws {
        let value = "a" + String(Unicode.Scalar(scalar)!) + "b"
        let code = String(scalar, radix: 16, uppercase: true)
        for label in [Label.text("note"), Label("anything", matching: #"[\s\S]*"#)] {
            let problem = try #require(LabelChecker(label).problem(with: value))
            #expect(problem.contains("U+" + String(repeating: "0", count: max(0, 4 - code.count)) + code))
        }
        let family = Fixtures.gauge()
        #expect(throws: MetricError.self) {
            try family.apply(.set, labelValues: ["17.4", value], value: 1, now: Fixtures.now)
        }
        #expect(family.series.isEmpty)
    }

    @Test(arguments: [0xA0, 0xE9, 0x200B, 0x2027, 0x202F, 0x2065, 0x206A, 0xFFFD, 0x1F680] as [UInt32])
    func freeTextLabelsAcceptTheirNeighbours(scalar: UInt32) {
        let value = "a" + String(Unicode.Scalar(scalar)!) + "b"
        #expect(LabelChecker(Label.text("note")).problem(with: value) == nil)
    }

    @Test func echoesABidiOverrideEscaped() throws {
        let family = Fixtures.gauge()
        do {
            try family.apply(.set, labelValues: ["17.4", "evil\u{202E}txt"], value: 1, now: Fixtures.now)
            Issue.record("a bidirectional override was accepted")
        } catch {
            #expect(error.message.contains(#""evil\xE2\x80\xAEtxt""#))
            #expect(!error.message.unicodeScalars.contains("\u{202E}"))
        }
    }
}

/// A push's label bytes find their series without a String (`SeriesKey.probe`): equal to, and hashed as, the stored
/// key of the same values, and never to a key whose values split differently.
@Suite("Series keys probed by bytes")
struct SeriesKeyProbeTests {
    private func probe<Result>(_ labels: String, count: Int, _ body: (SeriesKey) -> Result) -> Result {
        Array(labels.utf8).withUnsafeBufferPointer { body(SeriesKey.probe($0, count: count)) }
    }

    @Test(arguments: [
        (["coordinator_pipeline", "success"], "coordinator_pipeline,success"), ([], ""), ([""], ""), (["", ""], ","),
        (["caf\u{E9}", "x"], "caf\u{E9},x"), (["a", "", "b"], "a,,b"),
    ])
    func findsTheStoredKeyOfItsValues(values: [String], labels: String) {
        let stored = SeriesKey(values)
        probe(labels, count: values.count) { probe in
            #expect(probe == stored)
            #expect(stored == probe)
            #expect(probe.hashValue == stored.hashValue)
            #expect(probe.stored().values == values)
            #expect(Set([stored]).contains(probe))
        }
    }

    @Test func tellsApartValuesThatSplitOtherwise() {
        probe("a,b,c", count: 3) { probe in
            #expect(probe != SeriesKey(["a,b", "c"]))
            #expect(probe != SeriesKey(["a", "b,c"]))
            #expect(probe != SeriesKey(["a", "b"]))
            #expect(probe != SeriesKey(["a", "b", "cd"]))
            #expect(probe == SeriesKey(["a", "b", "c"]))
        }
        probe("cafe\u{301}", count: 1) { #expect($0 != SeriesKey(["caf\u{E9}"])) }
    }

    @Test func writesTheSeriesTheStringsWrite() throws {
        let family = Fixtures.gauge()
        try family.apply(.set, labelValues: ["17.4", "x"], value: 5, now: Fixtures.now)
        let applied = try Array("17.4,x".utf8).withUnsafeBufferPointer { labels in
            try family.write(.inc, labels: labels, labelCount: 2, value: 1, now: Fixtures.now)
        }
        #expect(applied.result == 6)
        #expect(applied.key.values == ["17.4", "x"])
        #expect(family.series.count == 1)
        let created = try Array("17.5,y".utf8).withUnsafeBufferPointer { labels in
            try family.write(.set, labels: labels, labelCount: 2, value: 2, now: Fixtures.now)
        }
        #expect(created.key.values == ["17.5", "y"])
        #expect(family.series[["17.5", "y"]]?.value == 2)
    }
}

@Suite("Operations and names read from bytes")
struct OperationNameTests {
    @Test func readsOperationsAsTheirRawValues() {
        var names = Operation.allCases.map(\.rawValue) + ["", "in", "incc", "INC", "observ", "observe ", "reset"]
        names += Operation.allCases.map { $0.rawValue.uppercased() }
        for name in names {
            let read = Array(name.utf8).withUnsafeBufferPointer { Operation(name: $0) }
            #expect(read == Operation(rawValue: name), "\(name)")
        }
        for kind in [MetricKind.counter, .gauge, .histogram] {
            for operation in Operation.allCases {
                #expect(kind.accepts(operation) == kind.operations.contains(operation))
            }
        }
    }

    @Test func findsEveryFamilyByTheBytesOfItsName() {
        let registry = Registry(Catalogue.definitions(experiments: []), maxSeriesPerMetric: 10, now: 0)
        for family in registry.families {
            let name = family.definition.isInCatalogue ? family.definition.apiName : family.definition.fullName
            #expect(registry.family(named: name) === family)
            #expect(registry.family(named: name + "x") == nil)
            #expect(registry.family(named: String(name.dropLast())) == nil)
        }
        #expect(registry.family(named: "") == nil)
    }
}

/// `ByteScan`'s eight-bytes-at-a-time tests find what a byte-by-byte search finds, wherever the byte sits.
@Suite("Byte scans a word at a time")
struct ByteScanTests {
    @Test func findsTheFirstByteAByteByByteSearchFinds() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [
            0x00, 0x01, 0x1F, 0x20, 0x21, 0x22, 0x25, 0x26, 0x2B, 0x3D, 0x3F, 0x5C, 0x61, 0x7E, 0x7F, 0x80, 0xC3, 0xFF,
        ]
        let tests: [(word: (UInt64) -> UInt64, byte: (UInt8) -> Bool)] = [
            (
                { ByteScan.below($0, 0x20) | ByteScan.equal($0, 0x22) | ByteScan.equal($0, 0x5C) },
                { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
            ),
            ({ ByteScan.below($0, 0x21) | ByteScan.equal($0, 0x3D) }, { $0 <= 0x20 || $0 == 0x3D }),
            (
                { ByteScan.below($0, 0x20) | ByteScan.nonASCII($0) | ByteScan.equal($0, 0x7F) },
                { $0 < 0x20 || $0 > 0x7E }
            ),
            (
                { ByteScan.equal($0, 0x26) | ByteScan.equal($0, 0x25) | ByteScan.nonASCII($0) },
                { $0 == 0x26 || $0 == 0x25 || $0 >= 0x80 }
            ),
            ({ ByteScan.equal($0, 0x00) }, { $0 == 0 }),
        ]
        for _ in 0..<5_000 {
            let count = Int.random(in: 0...40, using: &generator)
            let bytes = (0..<count).map { _ in
                Bool.random(using: &generator) ? 0x61 : alphabet.randomElement(using: &generator)!
            }
            let start = Int.random(in: 0...count, using: &generator)
            bytes.withUnsafeBufferPointer { buffer in
                for test in tests {
                    let expected = bytes[start...].firstIndex(where: test.byte)
                    #expect(ByteScan.firstIndex(in: buffer, from: start, word: test.word, byte: test.byte) == expected)
                }
            }
        }
    }
}
