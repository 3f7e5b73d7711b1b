import Testing

@_spi(Benchmarking) @testable import DeliveryMetrics

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

@Suite("GitLab times")
struct GitLabTimeTests {
    @Test(arguments: [
        ("2023-01-10 13:50:05 UTC", 1_673_358_605.0),
        ("2023-01-10T13:50:05.886Z", 1_673_358_605.886),
        ("2023-01-10T13:50:05Z", 1_673_358_605.0),
        ("2023-01-10T14:50:05+01:00", 1_673_358_605.0),
        ("2023-01-10T13:20:05-00:30", 1_673_358_605.0),
        ("2023-01-10T13:50:05.5+0000", 1_673_358_605.5),
    ])
    func readsEveryShapeGitLabSends(text: String, seconds: Double) throws {
        let parsed = try #require(GitLabTime.parse(text))
        #expect(abs(parsed - seconds) < 0.0005)
    }

    @Test(arguments: ["", "2023-01-10", "2023-13-10 13:50:05 UTC", "2023-01-10 13:50:05 CET", "yesterday at noon"])
    func refusesOtherText(text: String) {
        #expect(GitLabTime.parse(text) == nil)
    }
}

@Suite("Bounded memory")
struct BoundedMemoryTests {
    @Test func forgetsTheOldestPastItsCapacity() {
        var memory = BoundedMemory<Int, String>(capacity: 3, maxAge: 100)
        for key in 1...5 { memory.remember("v\(key)", for: key, now: 0) }
        #expect(memory.count == 3)
        #expect(memory.value(for: 1, now: 0) == nil)
        #expect(memory.value(for: 5, now: 0) == "v5")
    }

    @Test func forgetsWhatIsTooOld() {
        var memory = BoundedMemory<Int, String>(capacity: 10, maxAge: 60)
        memory.remember("old", for: 1, now: 0)
        memory.remember("new", for: 2, now: 50)
        #expect(memory.value(for: 1, now: 61) == nil)
        #expect(memory.value(for: 2, now: 61) == "new")
        #expect(memory.forget(2) == "new")
        #expect(memory.count == 0)
    }

    @Test func staysBoundedUnderAFlood() {
        var memory = BoundedMemory<Int, Int>(capacity: 100, maxAge: 1_000)
        for key in 0..<100_000 { memory.remember(key, for: key, now: Double(key) / 1_000) }
        #expect(memory.count == 100)
    }
}

@Suite("Bounded memory order")
struct BoundedMemoryOrderTests {
    @Test func agesAnEntryRememberedAgainFromItsNewTime() {
        var memory = BoundedMemory<String, Int>(capacity: 10, maxAge: 60)
        memory.remember(1, for: "a", now: 0)
        memory.remember(2, for: "b", now: 10)
        memory.forget("a")
        memory.remember(3, for: "a", now: 50)
        // b (10) is older than the re-remembered a (50): it goes first, and a stays.
        #expect(memory.value(for: "b", now: 75) == nil)
        #expect(memory.value(for: "a", now: 75) == 3)
    }

    @Test func forgetsTheTrulyOldestWhenFull() {
        var memory = BoundedMemory<String, Int>(capacity: 2, maxAge: 1_000)
        memory.remember(1, for: "a", now: 0)
        memory.remember(2, for: "b", now: 1)
        memory.remember(3, for: "a", now: 2)  // a is now the youngest
        memory.remember(4, for: "c", now: 3)
        #expect(memory.value(for: "b", now: 3) == nil)
        #expect(memory.value(for: "a", now: 3) == 3)
        #expect(memory.value(for: "c", now: 3) == 4)
    }
}
