import Testing

@testable import Loop

@Suite("Request targets")
struct RequestHeadTests {
    @Test func splitsThePathBeforeDecodingSoAnEscapedSlashStaysInItsSegment() {
        let head = RequestHead(method: "GET", target: "/api/a%2Fb/observe?x=1")
        #expect(head.pathSegments == ["api", "a/b", "observe"])
        #expect(head.rawPath == "/api/a%2Fb/observe")
    }

    @Test func keepsEmptySegments() {
        #expect(RequestHead(method: "GET", target: "/").pathSegments == [""])
        #expect(RequestHead(method: "GET", target: "/a/").pathSegments == ["a", ""])
    }

    @Test func refusesBrokenEscapes() {
        #expect(RequestHead(method: "GET", target: "/a%zz").pathSegments == nil)
        #expect(RequestHead(method: "GET", target: "/a%2").pathSegments == nil)
        #expect(RequestHead(method: "GET", target: "/?a=%g1").queryItems == nil)
    }

    @Test func decodesTheQueryLikeAForm() throws {
        let items = try #require(RequestHead(method: "GET", target: "/?labels=a%2Cb&value=1+2&flag").queryItems)
        #expect(items.map(\.name) == ["labels", "value", "flag"])
        #expect(items.map(\.value) == ["a,b", "1 2", ""])
    }

    @Test func keepsTheBytesOfAValueThatIsNotUTF8() throws {
        let fields = try #require(PercentDecoding.formFields("a=%FF%FE&b=caf%C3%A9&c=%C3".utf8))
        #expect(fields.map(\.value.text) == ["\u{FFFD}\u{FFFD}", "caf\u{E9}", "\u{FFFD}"])
        #expect(fields.map(\.value.invalidUTF8) == [[0xFF, 0xFE], nil, [0xC3]])
        // Raw bytes, without escapes, too.
        #expect(DecodedText([0x61, 0x80]).invalidUTF8 == [0x61, 0x80])
        #expect(
            PercentDecoding.decodeText("cafe%CC%81".utf8, plusIsSpace: false)?.text.utf8.elementsEqual(
                [0x63, 0x61, 0x66, 0x65, 0xCC, 0x81]) == true
        )
    }

    @Test func lowersHeaderTokens() {
        let headers: HTTPHeaders = ["Connection": "Keep-Alive, Upgrade", "connection": "TE"]
        #expect(headers.tokens("CONNECTION") == ["keep-alive", "upgrade", "te"])
    }
}
