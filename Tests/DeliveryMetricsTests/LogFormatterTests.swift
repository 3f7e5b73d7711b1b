import Testing

@_spi(Harness) @testable import DeliveryMetrics

@Suite("Log formats")
struct LogFormatterTests {
    private let fields = [("method", "GET"), ("status", "200"), ("duration_s", "0.0012"), ("uri", "/a b\"c")]
    private let time = 1_795_557_111.25

    @Test func writesLabkitJSON() {
        let line = LogFormatter(format: .json).line(level: .info, message: "access", fields: fields, time: time)
        #expect(
            line == #"{"level":"info","msg":"access","method":"GET","status":200,"duration_s":0.0012,"#
                + #""uri":"/a b\"c","time":"2026-11-24T21:51:51.250Z"}"#
        )
    }

    @Test func writesLogfmtText() {
        let line = LogFormatter(format: .text).line(level: .warning, message: "bad input", fields: fields, time: time)
        #expect(
            line == #"time=2026-11-24T21:51:51.250Z level=warning msg="bad input" method=GET status=200 "#
                + #"duration_s=0.0012 uri="/a b\"c""#
        )
    }

    @Test func coloursOnlyTheLevel() {
        let line = LogFormatter(format: .color).line(level: .error, message: "x", fields: [], time: time)
        #expect(line.contains("level=\u{1B}[31merror\u{1B}[0m msg=x"))
    }

    @Test func escapesControlCharactersInJSON() {
        #expect(LogFormatter.jsonString("a\u{1}\n\t") == #""a\u0001\n\t""#)
    }

    @Test func boundsTheBufferAndCountsWhatItDrops() {
        let sink = LogSink(descriptor: -1, capacity: 20)
        sink.append("0123456789")
        sink.append("0123456789")
        #expect(sink.droppedLines == 1)
        sink.flush()
        sink.append("0123456789")
        #expect(sink.droppedLines == 1)
    }

    @Test func writesRequestFieldsAsStringsWhateverTheyLookLike() throws {
        let fields = [("host", "00012"), ("user_agent", "-inf"), ("referrer", "0x1p3"), ("status", "1e400x")]
        let line = LogFormatter(format: .json).line(level: .info, message: "access", fields: fields, time: time)
        #expect(line.contains(#""host":"00012","user_agent":"-inf","referrer":"0x1p3","status":"1e400x""#))
    }

    @Test func masksTokensInTheQueryAndCutsTheTarget() {
        #expect(
            LogRedaction.target("/a?private_token=s3cret&x=1&token=t&ACCESS_TOKEN=u")
                == "/a?private_token=[FILTERED]&x=1&token=[FILTERED]&ACCESS_TOKEN=[FILTERED]"
        )
        #expect(LogRedaction.target("/" + String(repeating: "a", count: 10_000)).utf8.count < 600)
        #expect(LogRedaction.target("/a?%74oken=S&pass%77ord=P") == "/a?%74oken=[FILTERED]&pass%77ord=[FILTERED]")
        #expect(LogRedaction.target("/a?a=1;token=S") == "/a?a=1;token=[FILTERED]")
    }
}
