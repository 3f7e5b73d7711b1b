import Testing

@_spi(Harness) @testable import DeliveryMetrics

@Suite("JSON parser")
struct JSONParserTests {
    private func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "d"}, "e": "" } "#)
        #expect(value["a"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"]?.string == "d")
        #expect(value["e"]?.string == "")
        #expect(value["missing"] == nil)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try parse(#""q\" b\\ s\/ \n\t \u00e9 \ud83d\ude80 \ud800x""#)
        #expect(value.string == "q\" b\\ s/ \n\t é 🚀 \u{FFFD}x")
    }

    @Test func readsIntegersExactly() throws {
        #expect(try parse("4242424242").integer == 4_242_424_242)
        #expect(try parse("1.5").integer == nil)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "tru", "\"open", "\"\u{1}\"", "\"\\x\"", "1 2",
        "{\"a\":1}}", "\"\\u12\"", String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func refusesWhatIsNotJSON(text: String) {
        #expect(throws: JSONError.self) { try parse(text) }
    }
}
