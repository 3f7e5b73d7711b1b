import Testing

@testable import Loop

/// Feeds `chunks` to a fresh parser and collects every event.
private func events(_ chunks: [[UInt8]], limits: HTTPLimits = HTTPLimits()) -> [ParseEvent] {
    var parser = RequestParser(limits: limits)
    var result: [ParseEvent] = []
    for chunk in chunks {
        parser.feed(chunk)
        while let event = parser.next() { result.append(event) }
    }
    return result
}

private func events(_ text: String, limits: HTTPLimits = HTTPLimits()) -> [ParseEvent] {
    events([Array(text.utf8)], limits: limits)
}

private func requests(_ events: [ParseEvent]) -> [Request] {
    events.compactMap { if case .request(let request) = $0 { request } else { nil } }
}

private func failure(_ events: [ParseEvent]) -> HTTPError? {
    events.lazy.compactMap { if case .failure(let error) = $0 { error } else { nil } }.first
}

private let get = "GET /a?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\n\r\n"
private let post = "POST /api/m/observe HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nvalue=1.5&x"
private let chunked =
    "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nT: v\r\n\r\n"

@Suite("Request parser")
struct RequestParserTests {
    @Test func parsesARequestLineAndHeaders() throws {
        let parsed = requests(events(get))
        #expect(parsed.count == 1)
        let request = try #require(parsed.first)
        #expect(request.method == "GET")
        #expect(request.target == "/a?x=1")
        #expect(request.head.version == .http11)
        #expect(request.headers["user-agent"] == "t")
        #expect(request.head.keepAlive)
        #expect(request.body.isEmpty)
    }

    @Test func announcesTheHeadBeforeTheBody() {
        var parser = RequestParser()
        parser.feed(Array("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n".utf8))
        guard case .head(let head) = parser.next() else {
            Issue.record("expected a head")
            return
        }
        #expect(head.expectsContinue)
        #expect(parser.next() == nil)
        parser.feed(Array("abc".utf8))
        guard case .request(let request) = parser.next() else {
            Issue.record("expected the request")
            return
        }
        #expect(request.body == Array("abc".utf8))
    }

    @Test func parsesPipelinedRequestsInOrder() {
        let parsed = requests(events(get + post + chunked + get))
        #expect(parsed.map(\.method) == ["GET", "POST", "POST", "GET"])
        #expect(parsed[1].body == Array("value=1.5&x".utf8))
        #expect(parsed[2].body == Array("hello world".utf8))
    }

    @Test func givesTheSameRequestsWhateverTheSplitOffset() {
        let bytes = Array((get + post + chunked).utf8)
        let whole = requests(events([bytes]))
        #expect(whole.count == 3)
        for offset in 0...bytes.count {
            let split = requests(events([Array(bytes[..<offset]), Array(bytes[offset...])]))
            #expect(split.map(\.target) == whole.map(\.target), "split at \(offset)")
            #expect(split.map(\.body) == whole.map(\.body), "split at \(offset)")
        }
        let byteByByte = requests(events(bytes.map { [$0] }))
        #expect(byteByByte.map(\.body) == whole.map(\.body))
    }

    /// What a parser made of a stream, as text: each head's method, target, fields and framing, each body, and the
    /// failure's status and reason.
    private func summary(_ events: [ParseEvent]) -> [String] {
        events.map { event in
            switch event {
            case .head(let head):
                let fields = head.headers.fields.map { "\($0.name)=\($0.value)" }.joined(separator: ";")
                return "head \(head.method) \(head.target) \(head.version) \(fields) \(head.contentLength ?? -1) "
                    + "\(head.isChunked) \(head.keepAlive) \(head.expectsContinue)"
            case .request(let request): return "request \(request.body)"
            case .failure(let error): return "failure \(error.status) \(error.reason)"
            }
        }
    }

    /// A head that arrives whole is read as its end is looked for; one split over reads is scanned for its end and
    /// then read. Both must judge every stream alike, refusals included.
    @Test(arguments: [
        get, post, chunked, get + post + get,
        "\r\n\nGET / HTTP/1.1\nHost: h\n\n",
        "GET / HTTP/1.1\nHost: h\n\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nBad Line\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{01}b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab",
        "GET / HTTP/1.1\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET http://h HTTP/1.1\r\nHost: h\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\n\r",
        "GET / HTTP/1.1\r\nHost: h",
        "GET / HTTP/1.1\r\nHost: h\r\n\rGET",
    ])
    func judgesAWholeHeadAsOneSplitOverReads(text: String) {
        let bytes = Array(text.utf8)
        let whole = summary(events([bytes]))
        #expect(whole == summary(events(bytes.map { [$0] })), "\(text.debugDescription)")
        for offset in 1..<bytes.count {
            #expect(whole == summary(events([Array(bytes[..<offset]), Array(bytes[offset...])])), "split at \(offset)")
        }
    }

    @Test func decodesChunkedBodies() throws {
        let request = try #require(requests(events(chunked)).first)
        #expect(request.body == Array("hello world".utf8))
        #expect(request.head.isChunked)
    }

    @Test func acceptsBareLineFeedsAndLeadingEmptyLines() {
        let parsed = requests(events("\r\n\nGET / HTTP/1.1\nHost: h\n\n"))
        #expect(parsed.count == 1)
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: h\r\n\r\n", true),
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false),
        ("GET / HTTP/1.0\r\n\r\n", false),
        ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
    ])
    func decidesKeepAlive(text: String, keepAlive: Bool) throws {
        let request = try #require(requests(events(text)).first)
        #expect(request.head.keepAlive == keepAlive)
    }

    @Test(arguments: [
        ("GET /\r\n\r\n", 400),
        ("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("G@T / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("GET / HTTP/1\r\nHost: h\r\n\r\n", 400),
        ("GET / HTTX/1.1\r\nHost: h\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
        ("GET / HTTP/1.1\r\nHost h\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\rx\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: h\u{0}\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 2\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: h\r\nExpect: teapot\r\n\r\n", 417),
    ])
    func refusesMalformedRequests(text: String, status: Int) {
        #expect(failure(events(text))?.status == status)
    }

    @Test func acceptsTheSameContentLengthTwice() throws {
        let request = try #require(
            requests(events("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab")).first
        )
        #expect(request.body == Array("ab".utf8))
    }

    @Test func refusesAHeadOverTheLimitWhetherOrNotItIsComplete() {
        let limits = HTTPLimits(maxHeadBytes: 100, maxBodyBytes: 100)
        let long = "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 120)
        #expect(failure(events(long + "\r\n\r\n", limits: limits))?.status == 431)
        #expect(failure(events(long, limits: limits))?.status == 431)
    }

    @Test func refusesABodyOverTheLimitBeforeItArrives() {
        let limits = HTTPLimits(maxHeadBytes: 1000, maxBodyBytes: 10)
        #expect(
            failure(events("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits))?.status == 413
        )
        #expect(
            failure(events("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n"))?.status
                == 413
        )
        let chunks = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n"
        #expect(failure(events(chunks, limits: limits))?.status == 413)
        #expect(
            failure(events("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffff\r\n"))?.status
                == 413
        )
    }

    @Test func refusesTrailersOverTheHeadLimit() {
        let limits = HTTPLimits(maxHeadBytes: 80, maxBodyBytes: 100)
        let text =
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: "
            + String(repeating: "v", count: 100) + "\r\n\r\n"
        #expect(failure(events(text, limits: limits))?.status == 431)
    }

    @Test func parsesNothingMoreAfterAFailure() {
        var parser = RequestParser()
        parser.feed(Array("BAD\r\n\r\n".utf8))
        guard case .failure = parser.next() else {
            Issue.record("expected a failure")
            return
        }
        parser.feed(Array(get.utf8))
        #expect(parser.next() == nil)
    }

    @Test func keepsMemoryBoundedForAnEndlessHead() {
        var parser = RequestParser(limits: HTTPLimits(maxHeadBytes: 1024, maxBodyBytes: 1024))
        parser.feed(Array("GET / HTTP/1.1\r\n".utf8))
        var failed = false
        for _ in 0..<100 where !failed {
            parser.feed(Array(repeating: UInt8(ascii: "a"), count: 100))
            if case .failure(let error) = parser.next() {
                #expect(error.status == 431)
                failed = true
            }
            #expect(parser.bufferedByteCount <= 1024 + 100 + 16)
        }
        #expect(failed)
    }

    @Test func routesAnAbsoluteFormTargetByItsPath() throws {
        let parsed = requests(events("GET http://x:2112/-/healthy?a=1 HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(parsed.first?.target == "/-/healthy?a=1")
        #expect(requests(events("GET HTTPS://x HTTP/1.1\r\nHost: x\r\n\r\n")).first?.target == "/")
        #expect(requests(events("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")).first?.target == "*")
    }

    @Test func refusesATargetWithoutALeadingSlash() {
        for target in [
            "a/-/healthy", "*", "ftp://x/a", "http://", "http:///-/healthy", "http://u:p@y/a", "http://x#/a",
        ] {
            let error = Self.firstFailure(events("GET \(target) HTTP/1.1\r\nHost: x\r\n\r\n"))
            #expect(error?.status == 400, "GET \(target)")
        }
    }

    @Test func dropsAChunkedBodyLargerThanTheLimitWhenTheRouteTakesNone() {
        var parser = RequestParser(limits: HTTPLimits(maxBodyBytes: 16))
        let body = String(repeating: "10\r\n" + String(repeating: "a", count: 16) + "\r\n", count: 4) + "0\r\n\r\n"
        parser.feed(Array(("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body).utf8))
        guard case .head = parser.next() else {
            Issue.record("no head")
            return
        }
        parser.discardBody()
        guard case .request(let request) = parser.next() else {
            Issue.record("no request")
            return
        }
        #expect(request.body.isEmpty)
    }

    private static func firstFailure(_ events: [ParseEvent]) -> HTTPError? {
        for event in events {
            if case .failure(let error) = event { return error }
        }
        return nil
    }
}

extension ParseEvent: Equatable {
    public static func == (lhs: ParseEvent, rhs: ParseEvent) -> Bool {
        switch (lhs, rhs) {
        case (.head(let a), .head(let b)): a.target == b.target && a.method == b.method
        case (.request(let a), .request(let b)): a.target == b.target && a.body == b.body
        case (.failure(let a), .failure(let b)): a == b
        default: false
        }
    }
}
