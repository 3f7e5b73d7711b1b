import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

@Suite("Form decoding")
struct FormDecodingTests {
    private func request(_ target: String, contentType: String? = nil, body: String = "") -> Request {
        var headers: HTTPHeaders = ["Host": "t"]
        if let contentType { headers.add("Content-Type", contentType) }
        return Request(head: RequestHead(method: "POST", target: target, headers: headers), body: Array(body.utf8))
    }

    @Test func readsAURLEncodedBody() throws {
        let fields = try FormDecoding.fields(
            of: request("/x", contentType: "application/x-www-form-urlencoded", body: "value=1.5e3&labels=a%2Cb+c")
        )
        #expect(fields["value"] == "1.5e3")
        #expect(fields["labels"] == "a,b c")
    }

    @Test func readsTheQueryStringAndLetsTheBodyWin() throws {
        let fields = try FormDecoding.fields(
            of: request("/x?value=1&labels=q", contentType: "application/x-www-form-urlencoded", body: "value=2")
        )
        #expect(fields["value"] == "2")
        #expect(fields["labels"] == "q")
    }

    @Test func readsWhatCurlDashFSends() throws {
        let body =
            "--------------------------abc\r\nContent-Disposition: form-data; name=\"value\"\r\n\r\n18000\r\n"
            + "--------------------------abc\r\nContent-Disposition: form-data; name=\"labels\"\r\n\r\n"
            + "coordinator_pipeline,success\r\n--------------------------abc--\r\n"
        let fields = try FormDecoding.fields(
            of: request("/x", contentType: "multipart/form-data; boundary=------------------------abc", body: body)
        )
        #expect(fields["value"] == "18000")
        #expect(fields["labels"] == "coordinator_pipeline,success")
    }

    @Test func letsTheQueryWinOverAMultipartBodyAsGoDoes() throws {
        let body = "--b\r\nContent-Disposition: form-data; name=\"value\"\r\n\r\n1\r\n--b--\r\n"
        let fields = try FormDecoding.fields(
            of: request("/x?value=2", contentType: "multipart/form-data; boundary=b", body: body)
        )
        #expect(fields["value"] == "2")
    }

    @Test func readsQuotedBoundariesPreamblesAndSkipsFiles() throws {
        let body =
            "preamble\r\n--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n"
            + "Content-Type: text/plain\r\n\r\nfile\r\n--b\r\ncontent-disposition: form-data; name=value\r\n\r\n"
            + "7\r\n--b--"
        let fields = try FormDecoding.fields(
            of: request("/x", contentType: "multipart/form-data; boundary=\"b\"", body: body)
        )
        #expect(fields == ["value": "7"])
    }

    @Test(arguments: [
        ("multipart/form-data", "--b\r\n\r\n"),
        ("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"v\"\r\n\r\nno end"),
        ("multipart/form-data; boundary=b", "nothing like a part"),
        ("multipart/form-data; boundary=b", "--b\r\nX: y\r\n\r\nv\r\n--b--"),
        ("application/x-www-form-urlencoded", "value=%zz"),
    ])
    func refusesBrokenBodies(contentType: String, body: String) {
        #expect(throws: MetricError.self) {
            try FormDecoding.fields(of: request("/x", contentType: contentType, body: body))
        }
    }

    @Test func refusesAnUnsupportedContentType() {
        #expect(throws: MetricError.self) {
            try FormDecoding.fields(of: request("/x", contentType: "application/json", body: "{\"value\":1}"))
        }
    }

    @Test(arguments: [
        ("18000", 18000.0), ("1.5e3", 1500.0), ("-2", -2.0), ("+3", 3.0), (".5", 0.5), ("1E-2", 0.01),
    ])
    func parsesValuesLikeGo(text: String, value: Double) {
        #expect(PushRequest.parseFloat(text) == value)
    }

    @Test(arguments: ["", "abc", " 1", "1 ", "1,5", "0x"])
    func refusesValuesGoRefuses(text: String) {
        #expect(PushRequest.parseFloat(text) == nil)
    }

    @Test func splitsLabelsOnCommasWithoutTrimming() throws {
        let push = try PushRequest(
            request("/x?labels=a,%20b,&value=1"),
            operation: .set,
            labelCount: 3
        )
        #expect(push.labelValues == ["a", " b", ""])
        let none = try PushRequest(request("/x"), operation: .inc, labelCount: 0)
        #expect(none.labelValues == [])
        #expect(none.value == 1)
    }

    @Test func comparesTokensWholly() {
        // As a header value's bytes in the head, the way `/api` and the webhooks read it.
        func matches(_ presented: String?, _ expected: String) -> Bool {
            let head = RequestHead(
                method: "POST",
                target: "/",
                headers: presented.map { ["X-Private-Token": $0] } ?? [:]
            )
            return TokenCheck.matches(.xPrivateToken, of: head, expected: expected)
        }
        #expect(matches("secret", "secret"))
        #expect(!matches("secre", "secret"))
        #expect(!matches("secret2", "secret"))
        #expect(!matches("Secret", "secret"))
        #expect(!matches(nil, "secret"))
        #expect(!matches("", ""))
        let head = RequestHead(method: "POST", target: "/", headers: ["X-Private-Token": "secret"])
        #expect(!TokenCheck.matches(.xGitlabToken, of: head, expected: "secret"))
    }
}
