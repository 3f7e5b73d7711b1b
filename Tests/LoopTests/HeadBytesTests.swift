import Testing

@testable import Loop

/// The byte accessors of a head, its router match and the header elements read from bytes: what the service's
/// request path uses instead of strings, checked against the string conveniences.
@Suite("Head bytes")
struct HeadBytesTests {
    private func head(_ text: String) throws -> RequestHead {
        var parser = RequestParser()
        parser.feed(Array(text.utf8))
        guard case .head(let head) = parser.next() else {
            Issue.record("no head in \(text.debugDescription)")
            throw HTTPError(400, "no head")
        }
        return head
    }

    @Test func knownFieldsAreTheirFirstValuesAndCounts() throws {
        let head = try head(
            "POST /api/m/observe?x=1 HTTP/1.1\r\nhost: h\r\nX-PRIVATE-TOKEN:  secret \r\nx-private-token: other\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nX-Other: 1\r\n\r\n"
        )
        #expect(head.field(.xPrivateToken)?.equals("secret") == true)
        #expect(head.fieldCount(.xPrivateToken) == 2)
        #expect(head.field(.host)?.string == "h")
        #expect(head.field(.userAgent) == nil)
        #expect(head.fieldCount(.userAgent) == 0)
        for field in KnownHeader.allCases {
            #expect(head.field(field)?.string == head.headers[field.name])
            #expect(head.fieldCount(field) == head.headers.values(field.name).count)
        }
        #expect(head.headers["x-other"] == "1")
        #expect(
            head.headers.fields.map(\.name) == [
                "host", "X-PRIVATE-TOKEN", "x-private-token", "Content-Type", "X-Other",
            ]
        )
    }

    @Test func requestLineBytes() throws {
        let head = try head("DELETE /api/a%2Fb?q=%41&r HTTP/1.0\r\n\r\n")
        #expect(head.httpMethod == .delete)
        #expect(head.methodBytes.equals("DELETE"))
        #expect(head.targetBytes.string == "/api/a%2Fb?q=%41&r")
        #expect(head.pathBytes.string == "/api/a%2Fb")
        #expect(head.queryBytes?.string == "q=%41&r")
        #expect(head.hasValidPathEncoding)
        #expect(try self.head("GET / HTTP/1.1\r\nHost: h\r\n\r\n").queryBytes == nil)
        #expect(try !self.head("GET /a%2 HTTP/1.1\r\nHost: h\r\n\r\n").hasValidPathEncoding)
        #expect(try self.head("get / HTTP/1.1\r\nHost: h\r\n\r\n").httpMethod == .other)
    }

    @Test func anAbsoluteTargetIsItsOriginForm() throws {
        #expect(try head("GET http://h/p?q HTTP/1.1\r\nHost: h\r\n\r\n").targetBytes.string == "/p?q")
        #expect(try head("GET HTTP://h?q=1 HTTP/1.1\r\nHost: h\r\n\r\n").targetBytes.string == "/?q=1")
        let bare = try head("GET https://h HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(bare.targetBytes.string == "/")
        #expect(bare.field(.host)?.string == "h")
    }

    @Test func aHeadBuiltFromStringsHasTheSameBytes() {
        var head = RequestHead(method: "POST", target: "/x?y", headers: ["Host": "t", "X-Gitlab-Token": "k"])
        #expect(head.httpMethod == .post)
        #expect(head.field(.xGitlabToken)?.string == "k")
        #expect(head.queryBytes?.string == "y")
        head.headers.add("Content-Type", "application/json")
        #expect(head.field(.contentType)?.string == "application/json")
        #expect(head.field(.xGitlabToken)?.string == "k")
        head.target = "/other"
        #expect(head.pathBytes.string == "/other")
        #expect(head.headers["content-type"] == "application/json")
    }

    private var router: Router<String> {
        var router = Router<String>()
        router.add("GET", "/metrics", "metrics")
        router.add("POST", "/api/<metric>/<operation>", "push")
        router.add("DELETE", "/api/<metric>", "reset")
        router.add("GET", "/api/<metric>", "describe")
        return router
    }

    @Test func routesAHeadAndBindsItsParametersAsBytes() throws {
        let push = try head("POST /api/deployment%5Fduration/observe?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")
        guard case .found(let handler, let parameters, let template) = router.match(push) else {
            Issue.record("no match")
            return
        }
        #expect(handler == "push")
        #expect(template == "/api/<metric>/<operation>")
        #expect(parameters.count == 2)
        #expect(parameters[0].string == "deployment_duration")
        #expect(parameters[1].equals("observe"))
        #expect(parameters.value(named: "operation")?.string == "observe")
        #expect(parameters["metric"] == "deployment_duration")
        #expect(parameters["missing"] == nil)
        // Borrowed: the escaped value decoded, the plain one as it is in the head.
        #expect(parameters.withValue(0) { Array($0) } == Array("deployment_duration".utf8))
        #expect(parameters.withValue(1) { Array($0) } == Array("observe".utf8))
    }

    @Test func borrowedFieldsAndQueryAreTheSpansBytes() throws {
        let parsed = try head("POST /p?a=1&b=2 HTTP/1.1\r\nHost: h\r\nContent-Type:  text/plain \r\n\r\n")
        let built = RequestHead(
            method: "POST",
            target: "/p?a=1&b=2",
            headers: ["Host": "h", "Content-Type": "text/plain"]
        )
        for head in [parsed, built] {
            #expect(head.withField(.contentType) { $0.map { Array($0) } } == Array("text/plain".utf8))
            #expect(head.withField(.xGitlabToken) { $0 == nil })
            #expect(head.withQuery { Array($0) } == Array("a=1&b=2".utf8))
            #expect(!head.isAsteriskTarget)
        }
        let noQuery = try head("GET /p HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(noQuery.withQuery { $0.isEmpty })
        #expect(try head("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").isAsteriskTarget)
    }

    @Test func theKnownFieldsTableIsLaidOutAsItsReadersAssume() {
        #expect(KnownFields.countsOffset == MemoryLayout<KnownFields>.offset(of: \KnownFields.counts))
        #expect(KnownFields.size == MemoryLayout<KnownFields>.size)
    }

    @Test func aBuiltHeadKeepsItsFieldsExactly() {
        let head = RequestHead(method: "GET", target: "/", headers: ["X-Odd": "  spaced  ", "Host": "h"])
        #expect(head.headers.fields.map(\.name) == ["X-Odd", "Host"])
        #expect(head.headers["x-odd"] == "  spaced  ")
        #expect(head.field(.host)?.string == "h")
    }

    @Test func matchesHeadsAsItMatchesStrings() throws {
        for (method, path) in [
            ("GET", "/metrics"), ("HEAD", "/metrics"), ("PUT", "/api/x"), ("GET", "/nope"), ("POST", "/api//inc"),
            ("GET", "/%61pi/x"), ("GET", "/"), ("DELETE", "/api/x/"),
        ] {
            let head = try head("\(method) \(path) HTTP/1.1\r\nHost: h\r\n\r\n")
            let strings = router.match(method: method, segments: head.pathSegments ?? [])
            switch (router.match(head), strings) {
            case (.found(let a, _, let x), .found(let b, _, let y)):
                #expect(a == b && x == y, "\(method) \(path)")
            case (.notFound, .notFound):
                break
            case (.methodNotAllowed(let a), .methodNotAllowed(let b)):
                #expect(a == b, "\(method) \(path)")
            default:
                Issue.record("\(method) \(path): head and strings disagree")
            }
        }
        let deep = try head(
            "GET /\(Array(repeating: "a", count: 17).joined(separator: "/")) HTTP/1.1\r\nHost: h\r\n\r\n"
        )
        if case .notFound = router.match(deep) {} else { Issue.record("17 segments match no route") }
    }

    @Test func parametersGivenAsStrings() {
        let parameters: RouteParameters = ["metric": "m", "operation": "inc"]
        #expect(parameters[0].string == "m")
        #expect(parameters["operation"] == "inc")
        let none: RouteParameters = [:]
        #expect(none.count == 0)
    }

    @Test func headerElementsFromBytes() {
        let field = ByteSpan("Multipart/Form-Data; boundary=\"a b\"; q=0.5")
        #expect(HeaderElement.value(of: field).equalsIgnoringASCIICase("multipart/form-data"))
        #expect(HeaderElement.parameter("boundary", of: field)?.string == "a b")
        #expect(HeaderElement.parameter("q", of: field)?.string == "0.5")
        #expect(HeaderElement.parameter("Boundary", of: field) == nil)
        #expect(HeaderElement.value(of: ByteSpan("")).isEmpty)
        // Text that is not ASCII goes the characters' way, with the same answers as the element.
        let accented = ByteSpan("text/caf\u{E9}; a=\u{E9}")
        #expect(HeaderElement.value(of: accented).string == HeaderElement("text/caf\u{E9}; a=\u{E9}").value)
        #expect(HeaderElement.parameter("a", of: accented)?.string == "\u{E9}")
    }

    @Test func byteSpans() {
        let span = ByteSpan(" \tToken-Name \r\n")
        let trimmed = span.trimmingHTTPWhitespace()
        #expect(trimmed.string == "Token-Name")
        #expect(trimmed.equalsIgnoringASCIICase("token-NAME"))
        #expect(!trimmed.equalsIgnoringASCIICase("token_name"))
        #expect(trimmed.span(0..<5).equals("Token"))
        #expect(trimmed[0] == UInt8(ascii: "T"))
        #expect(trimmed == ByteSpan("Token-Name"))
        #expect(Set([trimmed, ByteSpan("Token-Name")]).count == 1)
        #expect(ByteSpan.empty.isEmpty)
    }
}
