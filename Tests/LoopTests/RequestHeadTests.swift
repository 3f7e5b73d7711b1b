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

@Suite("Router")
struct RouterTests {
    private var router: Router<String> {
        var router = Router<String>()
        router.add("GET", "/metrics", "metrics")
        router.add("POST", "/api/<metric>/<operation>", "push")
        router.add("DELETE", "/api/<metric>", "reset")
        router.add("GET", "/api/<metric>", "describe")
        return router
    }

    @Test func bindsNamedSegments() {
        guard
            case .found(let handler, let parameters, let template) =
                router.match(method: "POST", segments: ["api", "x", "inc"])
        else {
            Issue.record("no match")
            return
        }
        #expect(handler == "push")
        #expect(parameters == ["metric": "x", "operation": "inc"])
        #expect(template == "/api/<metric>/<operation>")
    }

    @Test func answersHeadWithTheGetRoute() {
        guard case .found(let handler, _, _) = router.match(method: "HEAD", segments: ["metrics"]) else {
            Issue.record("no match")
            return
        }
        #expect(handler == "metrics")
    }

    @Test func listsTheAllowedMethods() {
        guard case .methodNotAllowed(let allowed) = router.match(method: "PUT", segments: ["api", "x"]) else {
            Issue.record("expected 405")
            return
        }
        #expect(Set(allowed) == ["DELETE", "GET", "HEAD"])
    }

    @Test func findsNothingForUnknownPathsAndEmptyParameters() {
        if case .notFound = router.match(method: "GET", segments: ["nope"]) {} else { Issue.record("expected 404") }
        if case .notFound = router.match(method: "POST", segments: ["api", "", "inc"]) {
        } else {
            Issue.record("an empty segment must not bind a parameter")
        }
    }
}
