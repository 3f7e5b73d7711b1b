import Testing

@testable import Loop

@Suite("Echoed input")
struct EchoedInputTests {
    @Test func cutsLongInputOnACharacterBoundaryWithAnEllipsis() {
        let echoed = EchoedInput.text(String(repeating: "é", count: 100))
        #expect(echoed.utf8.count <= EchoedInput.limit + "…".utf8.count)
        #expect(echoed.hasSuffix("é…"))
    }

    @Test func escapesControlCharactersAsBytes() {
        #expect(EchoedInput.text("a\r\nb\u{85}c\u{7F}") == #"a\x0D\x0Ab\xC2\x85c\x7F"#)
    }

    @Test func escapesLineSeparatorsAndBidirectionalOverridesAsBytes() {
        // Echoed as they are, they would break the log line or reorder what a terminal shows after them.
        #expect(EchoedInput.text("a\u{2028}b\u{202E}c\u{2066}d") == #"a\xE2\x80\xA8b\xE2\x80\xAEc\xE2\x81\xA6d"#)
        #expect(EchoedInput.bytes(Array("x\u{2029}\u{2069}".utf8) + [0xFF]) == #"x\xE2\x80\xA9\xE2\x81\xA9\xFF"#)
        #expect(!EchoedInput.reason("ok \u{202D}").unicodeScalars.contains("\u{202D}"))
        // Their neighbours are ordinary text.
        #expect(EchoedInput.text("\u{2027}\u{202F}\u{2065}\u{206A}") == "\u{2027}\u{202F}\u{2065}\u{206A}")
    }

    @Test func escapesInvalidUTF8ByteByByte() {
        #expect(EchoedInput.bytes([0x61, 0xFF, 0xFE, 0x62, 0xC3, 0xA9]) == #"a\xFF\xFEbé"#)
    }

    @Test func makesAnyReasonOneShortLine() {
        let reason = EchoedInput.reason("x\n" + String(repeating: "y", count: 100_000))
        #expect(!reason.contains("\n"))
        #expect(reason.utf8.count < 2048)
    }
}
