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

    @Test func escapesInvalidUTF8ByteByByte() {
        #expect(EchoedInput.bytes([0x61, 0xFF, 0xFE, 0x62, 0xC3, 0xA9]) == #"a\xFF\xFEbé"#)
    }

    @Test func makesAnyReasonOneShortLine() {
        let reason = EchoedInput.reason("x\n" + String(repeating: "y", count: 100_000))
        #expect(!reason.contains("\n"))
        #expect(reason.utf8.count < 2048)
    }
}
