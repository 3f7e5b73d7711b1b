import Logging
import Testing

@_spi(Harness) @testable import DeliveryMetrics
@testable import Loop

/// The access line as the byte writer (`AccessLog`) makes it, held against the line swift-log made of the same
/// entry before it (`SwiftLogAccessLog` below: the metadata dictionary, `LoopLogHandler`'s order, `LogFormatter`'s
/// escaping), for inputs that take every path: escaping, cutting, masking, non-ASCII, each format.
@Suite("Access log golden lines")
struct AccessLogGoldenTests {
    private static let plain = Fields(
        method: "POST",
        target: "/api/deployment_duration_seconds/observe",
        version: .http11,
        status: 200,
        durationSeconds: 0.000_123_4,
        remoteAddress: "127.0.0.1",
        host: "127.0.0.1:2112",
        userAgent: "curl/7.88.1",
        referrer: nil,
        contentType: "text/plain; charset=utf-8",
        writtenBytes: 108,
        route: "/api/<metric>/<operation>"
    )

    static let texts: [String] = [
        "", "a", "GET", "a b", "a=b", "a\"b", "a\\b", "a\u{1}b", "tab\there", "line\nbreak", "cr\rhere", "\u{7F}",
        "caf\u{E9}", "cafe\u{301}", "\u{202E}evil", "\u{2028}", "\u{85}", "\u{1F600}", "\u{212A}", "100%", "+",
        String(repeating: "a", count: 119), String(repeating: "a", count: 120), String(repeating: "a", count: 121),
        String(repeating: "\u{E9}", count: 70), String(repeating: "x", count: 600), "=", "\"", "\\",
        "-1", "00012", "1e400x", "0x1p3", "-inf", "[FILTERED]",
    ]

    static let targets: [String] = [
        "/", "*", "/-/healthy?x=1", "/api/x/observe?labels=a%2Cb&value=1",
        "/a?private_token=s3cret&x=1&token=t&ACCESS_TOKEN=u", "/a?%74oken=S&pass%77ord=P", "/a?a=1;token=S",
        "/a?", "/a?&&;;", "/a?=", "/a?=token", "/a?token", "/a?token=", "/a?xTOKENy=1", "/a?tok%65n=1",
        "/a?tok%zzen=1", "/a?tok%6=1", "/a?%", "/a?to+ken=1", "/a?SeCrEt=1&b=2", "/a?my_password=p;x=1",
        "/a?p%C3%A4ssword=x", "/a?%E2%84%AAey=1", "/a?tol%E2%84%AAen=1", "/a?to%C3%A9ken=1", "/caf\u{E9}?token=x",
        "/a?t\u{301}oken=1", "/a?token\u{301}=1", "/a?&\u{301}token=1", "/a b?c d=e", "/a\u{1}?token=x",
        "/a?x=%ZZ&secret=1", "/a?pass=1&word=2", "/a?passwor=1&d=2", "/a?secre=t", "/a??token=1",
        "http://host/p?token=x", "/" + String(repeating: "a", count: 10_000),
        "/" + String(repeating: "a", count: 511), "/" + String(repeating: "a", count: 512),
        "/a?" + String(repeating: "b", count: 508), "/a?" + String(repeating: "b", count: 509),
        "/a?token=" + String(repeating: "b", count: 600), "/a?x=" + String(repeating: "\u{E9}", count: 300),
    ]

    static let durations: [Double] = [
        0, 1e-7, 4e-7, 5e-7, 1e-6, 0.000_012, 0.000_123_4, 0.000_123_45, 0.1, 0.999_999_5, 1, 1.5, 12_345.678_901,
        999_999.999_999, 1e6, 1e9 + 0.000_001, 2e10, 1e300, .infinity, .nan, -0.000_1,
    ]

    private func lines(_ entry: AccessLogEntry, _ format: Configuration.LogFormat) -> (old: String, new: String) {
        let oldSink = LogSink(descriptor: -1)
        var logger = Logger(label: "golden") { _ in
            LoopLogHandler(sink: oldSink, formatter: LogFormatter(format: format))
        }
        logger.logLevel = .info
        SwiftLogAccessLog(logger: logger).write(entry)
        let newSink = LogSink(descriptor: -1)
        AccessLog(sink: newSink, format: format).write(entry, time: 1_795_557_111.25)
        return (Self.withoutTime(oldSink.pendingText), Self.withoutTime(newSink.pendingText))
    }

    /// The line with its time taken out: the two paths read the clock at different moments.
    private static func withoutTime(_ line: String) -> String {
        line.replacing(#/"time":"[^"]*"/#, with: "\"time\":\"T\"").replacing(#/^time=\S*/#, with: "time=T")
    }

    private func expectSameLines(_ entries: [Fields]) {
        for format in Configuration.LogFormat.allCases {
            for entry in entries {
                let (old, new) = lines(entry.entry, format)
                #expect(new == old, "\(format): \(entry)")
            }
        }
    }

    @Test func writesTheLineOfTheSwiftLogPathForEveryField() {
        var entries: [Fields] = [Self.plain]
        for text in Self.texts {
            var entry = Self.plain
            entry.method = text
            entries.append(entry)
            entry = Self.plain
            entry.host = text
            entry.userAgent = text
            entry.referrer = text
            entries.append(entry)
            entry = Self.plain
            entry.remoteAddress = text
            entry.contentType = text
            entries.append(entry)
        }
        for target in Self.targets + Self.texts {
            var entry = Self.plain
            entry.target = target
            entries.append(entry)
        }
        for duration in Self.durations {
            var entry = Self.plain
            entry.durationSeconds = duration
            entries.append(entry)
        }
        for (status, written) in [(0, 0), (404, -1), (999, Int.max), (Int.min, 1)] {
            var entry = Self.plain
            entry.status = status
            entry.writtenBytes = written
            entries.append(entry)
        }
        var bare = Self.plain
        bare.version = .http10
        bare.host = nil
        bare.userAgent = nil
        bare.referrer = nil
        bare.contentType = nil
        bare.route = nil
        entries.append(bare)
        expectSameLines(entries)
    }

    /// Microsecond durations over the whole range the fast layout takes, against `GoFloat.format`.
    @Test func writesDurationsAsGoFloatDoes() {
        var generator = SystemRandomNumberGenerator()
        var line = [UInt8](repeating: 0, count: 64)
        for round in 0..<20_000 {
            let digits = Int.random(in: 1...15, using: &generator)
            var micros = Int.random(in: 0..<Int(pow10(digits)), using: &generator)
            if round % 3 == 0 { micros -= micros % Int(pow10(Int.random(in: 0..<digits, using: &generator))) }
            let written = line.withUnsafeMutableBufferPointer { buffer in
                var writer = LineWriter(at: buffer.baseAddress!)
                writer.putGoFloat(micros: Double(micros))
                return writer.count
            }
            let expected = GoFloat.format(Double(micros) / 1e6)
            #expect(String(decoding: line[..<written], as: UTF8.self) == expected, "\(micros)")
        }
    }

    private func pow10(_ exponent: Int) -> Double {
        (0..<exponent).reduce(1) { value, _ in value * 10 }
    }

    @Test(arguments: [
        0, 0.000_4, 0.999_9, 1_795_557_111.25, 1_795_557_111.999_5, 1_000_000_000.001, 951_782_400.5, -1.5,
        253_402_300_799.999, 253_402_300_800.5, 4_102_444_800,
    ])
    func stampsTimesAsLogFormatterDoes(time: Double) {
        for format in Configuration.LogFormat.allCases {
            let sink = LogSink(descriptor: -1)
            let log = AccessLog(sink: sink, format: format)
            // Another second first, so the stamp is made again for `time`, then the same second once more.
            log.write(Self.plain.entry, time: time + 3600)
            sink.flush()
            log.write(Self.plain.entry, time: time)
            log.write(Self.plain.entry, time: time)
            let stamp = LogFormatter.rfc3339(time)
            let written = sink.pendingText.split(separator: "\n")
            #expect(written.count == 2)
            for line in written {
                #expect(format == .json ? line.hasSuffix(",\"time\":\"\(stamp)\"}") : line.hasPrefix("time=\(stamp) "))
            }
        }
    }

    @Test func writesNothingWhenInfoIsOff() {
        let sink = LogSink(descriptor: -1)
        AccessLog(sink: sink, format: .text, enabled: false).write(Self.plain.entry)
        #expect(sink.pendingText.isEmpty)
    }

    @Test func dropsALineThatDoesNotFitAndCountsIt() {
        let sink = LogSink(descriptor: -1, capacity: 500)
        let log = AccessLog(sink: sink, format: .json)
        log.write(Self.plain.entry, time: 0)
        let first = sink.pendingText
        #expect(first.utf8.count > 250)
        log.write(Self.plain.entry, time: 0)
        #expect(sink.droppedLines == 1)
        #expect(sink.pendingText == first)
    }
}

/// The access log as it was before the byte writer, kept as the reference the golden test compares with: a
/// swift-log metadata dictionary, through `LoopLogHandler` and `LogFormatter`, with the redaction of the time.
private struct SwiftLogAccessLog {
    let logger: Logger

    func write(_ entry: AccessLogEntry) {
        var metadata: Logger.Metadata = [
            "method": "\(EchoedInput.text(entry.method))",
            "uri": "\(Self.target(entry.target))",
            "proto": "\(entry.version)",
            "status": "\(entry.status)",
            "duration_s": "\(GoFloat.format((entry.durationSeconds * 1e6).rounded() / 1e6))",
            "remote_ip": "\(entry.remoteAddress)",
            "written_bytes": "\(entry.writtenBytes)",
            "system": "http",
        ]
        if let host = Self.field(entry.host) { metadata["host"] = "\(host)" }
        if let agent = Self.field(entry.userAgent) { metadata["user_agent"] = "\(agent)" }
        if let referrer = Self.field(entry.referrer) { metadata["referrer"] = "\(referrer)" }
        if let contentType = entry.contentType { metadata["content_type"] = "\(contentType)" }
        logger.info("access", metadata: metadata)
    }

    static func target(_ target: String) -> String {
        guard let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) else {
            return EchoedInput.text(target, limit: 512)
        }
        let path = target[..<question]
        let query = target[target.utf8.index(after: question)...]
        var masked = ""
        var part = ""
        for character in query {
            if character == "&" || character == ";" {
                masked += mask(part) + String(character)
                part = ""
            } else {
                part.append(character)
            }
        }
        masked += mask(part)
        return EchoedInput.text(path + "?" + masked, limit: 512)
    }

    private static func mask(_ part: String) -> String {
        guard let equals = part.firstIndex(of: "=") else { return part }
        let rawName = part[..<equals]
        let name = (PercentDecoding.decode(rawName.utf8, plusIsSpace: true) ?? String(rawName)).lowercased()
        guard ["token", "password", "secret"].contains(where: { name.contains($0) }) else { return part }
        return part[...equals] + "[FILTERED]"
    }

    static func field(_ value: String?) -> String? {
        value.map { EchoedInput.text($0) }
    }
}

/// An entry's fields as the access line reads them, settable one by one; `entry` builds the server's entry, whose
/// head carries the method, target and detail headers.
private struct Fields: CustomStringConvertible {
    var method: String
    var target: String
    var version: HTTPVersion
    var status: Int
    var durationSeconds: Double
    var remoteAddress: String
    var host: String?
    var userAgent: String?
    var referrer: String?
    var contentType: String?
    var writtenBytes: Int
    var route: String?

    var entry: AccessLogEntry {
        var headers: HTTPHeaders = [:]
        if let host { headers.add("Host", host) }
        if let userAgent { headers.add("User-Agent", userAgent) }
        if let referrer { headers.add("Referer", referrer) }
        return AccessLogEntry(
            head: RequestHead(method: method, target: target, version: version, headers: headers),
            version: version,
            status: status,
            durationSeconds: durationSeconds,
            remoteAddress: remoteAddress,
            contentType: contentType,
            writtenBytes: writtenBytes,
            route: route
        )
    }

    var description: String { "\(entry)" }
}
