import Glibc
import Loop

/// One `access` line per response, in the fields and names of the original's logger (method, uri, status...),
/// with secrets in the target masked and echoed client text cut and escaped.
///
/// A byte sink of its own: the line is written straight into the `LogSink`'s buffer, in the configured format, and
/// leaves with the sink's once-per-iteration flush, as every line does. It is the line `LoopLogHandler` and
/// `LogFormatter` make of these fields (`AccessLogGoldenTests` holds the two side by side), without swift-log's
/// metadata dictionary and without building a String for a field that needs no cutting, escaping or masking.
/// Loop-confined, its stamp's one access at a time is left unchecked (`@exclusivity(unchecked)`).
final class AccessLog {
    private let sink: LogSink
    private let format: Configuration.LogFormat
    /// `false` when the logger the line would have gone through drops `info` lines.
    private let enabled: Bool
    /// `YYYY-MM-DDTHH:MM:SS` of the second `stampedSecond` in its first `stampLength` bytes, so `gmtime_r` runs once
    /// a second, not once a line.
    @exclusivity(unchecked) private var stamp: [UInt8] = Array(repeating: 0, count: 64)
    @exclusivity(unchecked) private var stampLength = 0
    @exclusivity(unchecked) private var stampedSecond: time_t = -1

    init(sink: LogSink, format: Configuration.LogFormat, enabled: Bool = true) {
        self.sink = sink
        self.format = format
        self.enabled = enabled
    }

    func write(_ entry: AccessLogEntry) {
        write(entry, time: WallClock.now())
    }

    /// The line for `entry`, stamped `time` (seconds since the epoch, as `LoopLogHandler` reads the clock).
    func write(_ entry: AccessLogEntry, time: Double) {
        guard enabled else { return }
        // Each text field is the head's own bytes when redaction would give them back unchanged (nearly always):
        // no String is made for it; anything else takes `LogRedaction`'s general path. The line is the same
        // either way (AccessLogGoldenTests).
        let head = entry.head
        let method = FieldText.echo(head.methodBytes)
        let uri = FieldText.target(head.targetBytes)
        let host = head.field(.host).map(FieldText.echo)
        let userAgent = head.field(.userAgent).map(FieldText.echo)
        let referrer = head.field(.referer).map(FieldText.echo)
        let seconds = time_t(time.rounded(.down))
        let milliseconds = Int((time - Double(seconds)) * 1000)
        if seconds != stampedSecond { restamp(seconds) }
        let textBytes =
            method.utf8Count + uri.utf8Count + entry.remoteAddress.utf8.count + (host?.utf8Count ?? 0)
            + (userAgent?.utf8Count ?? 0) + (referrer?.utf8Count ?? 0) + (entry.contentType?.utf8.count ?? 0)
        let format = format
        let stampLength = stampLength
        stamp.withUnsafeBufferPointer { stamp in
            let stamp = UnsafeBufferPointer(rebasing: stamp[..<stampLength])
            sink.appendLine(maxBytes: LineWriter.escapedBound(textBytes) + 512) { output in
                var line = LineWriter(at: output)
                let fields = Fields(
                    method: method,
                    uri: uri,
                    entry: entry,
                    host: host,
                    userAgent: userAgent,
                    referrer: referrer
                )
                switch format {
                case .json: Self.writeJSON(fields, &line, stamp: stamp, milliseconds: milliseconds)
                case .text, .color:
                    Self.writeText(fields, &line, stamp: stamp, milliseconds: milliseconds, color: format == .color)
                }
                return line.count
            }
        }
    }

    /// A text field of the line: the request's bytes as they are, or what redaction made of them.
    private enum FieldText {
        case bytes(ByteSpan)
        case redacted(String)

        /// A header value or the method, cut and escaped as `LogRedaction.echo` does.
        static func echo(_ bytes: ByteSpan) -> FieldText {
            if bytes.withUnsafeBufferPointer({ LogRedaction.echoesAsIs($0) }) { return .bytes(bytes) }
            return .redacted(LogRedaction.echo(bytes.string))
        }

        /// The target, its secrets masked as `LogRedaction.target` does.
        static func target(_ bytes: ByteSpan) -> FieldText {
            if bytes.withUnsafeBufferPointer({ LogRedaction.targetReadsAsIs($0) }) { return .bytes(bytes) }
            return .redacted(LogRedaction.target(bytes.string))
        }

        var utf8Count: Int {
            switch self {
            case .bytes(let bytes): bytes.count
            case .redacted(let text): text.utf8.count
            }
        }

        func withUTF8<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
            switch self {
            case .bytes(let bytes): bytes.withUnsafeBufferPointer(body)
            case .redacted(let text): withBytes(of: text, body)
            }
        }
    }

    /// The values of the line's fields, redacted and cut.
    private struct Fields {
        let method: FieldText
        let uri: FieldText
        let entry: AccessLogEntry
        let host: FieldText?
        let userAgent: FieldText?
        let referrer: FieldText?
    }

    private func restamp(_ seconds: time_t) {
        var seconds = seconds
        stampedSecond = seconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        stamp.withUnsafeMutableBufferPointer { buffer in
            var line = LineWriter(at: buffer.baseAddress!)
            line.putDecimal(Int(parts.tm_year) + 1900, width: 4)
            line.put(UInt8(ascii: "-"))
            line.putDecimal(Int(parts.tm_mon) + 1, width: 2)
            line.put(UInt8(ascii: "-"))
            line.putDecimal(Int(parts.tm_mday), width: 2)
            line.put(UInt8(ascii: "T"))
            line.putDecimal(Int(parts.tm_hour), width: 2)
            line.put(UInt8(ascii: ":"))
            line.putDecimal(Int(parts.tm_min), width: 2)
            line.put(UInt8(ascii: ":"))
            line.putDecimal(Int(parts.tm_sec), width: 2)
            stampLength = line.count
        }
    }

    /// `LogFormatter.rfc3339`: the second's stamp, then `.mmmZ`.
    private static func putTime(_ line: inout LineWriter, _ stamp: UnsafeBufferPointer<UInt8>, _ milliseconds: Int) {
        line.put(stamp)
        line.put(UInt8(ascii: "."))
        line.putDecimal(milliseconds, width: 3)
        line.put(UInt8(ascii: "Z"))
    }

    /// The rounding the line has always made: to microseconds (`duration_s` is this over 1e6).
    private static func micros(_ entry: AccessLogEntry) -> Double {
        (entry.durationSeconds * 1e6).rounded()
    }

    /// logfmt, as `LogFormatter` writes text and color lines: `time level msg`, then the fields in
    /// `LoopLogHandler`'s order.
    private static func writeText(
        _ fields: Fields,
        _ line: inout LineWriter,
        stamp: UnsafeBufferPointer<UInt8>,
        milliseconds: Int,
        color: Bool
    ) {
        let entry = fields.entry
        line.put("time=")
        putTime(&line, stamp, milliseconds)
        line.put(color ? " level=\u{1B}[36minfo\u{1B}[0m msg=access method=" : " level=info msg=access method=")
        fields.method.withUTF8 { line.putLogfmtValue($0) }
        line.put(" uri=")
        fields.uri.withUTF8 { line.putLogfmtValue($0) }
        line.put(" proto=")
        line.put(entry.version == .http10 ? "HTTP/1.0" : "HTTP/1.1")
        line.put(" status=")
        line.putDecimal(entry.status)
        line.put(" duration_s=")
        line.putGoFloat(micros: micros(entry))
        line.put(" remote_ip=")
        line.putLogfmtValue(entry.remoteAddress)
        if let host = fields.host {
            line.put(" host=")
            host.withUTF8 { line.putLogfmtValue($0) }
        }
        if let userAgent = fields.userAgent {
            line.put(" user_agent=")
            userAgent.withUTF8 { line.putLogfmtValue($0) }
        }
        if let referrer = fields.referrer {
            line.put(" referrer=")
            referrer.withUTF8 { line.putLogfmtValue($0) }
        }
        line.put(" written_bytes=")
        line.putDecimal(entry.writtenBytes)
        if let contentType = entry.contentType {
            line.put(" content_type=")
            line.putLogfmtValue(contentType)
        }
        line.put(" system=http")
    }

    /// JSON in labkit's field names, as `LogFormatter` writes it: `level`, `msg`, the fields, `time`; `status`,
    /// `duration_s` and `written_bytes` bare when they are JSON numbers.
    private static func writeJSON(
        _ fields: Fields,
        _ line: inout LineWriter,
        stamp: UnsafeBufferPointer<UInt8>,
        milliseconds: Int
    ) {
        let entry = fields.entry
        line.put(#"{"level":"info","msg":"access","method":"#)
        fields.method.withUTF8 { line.putJSONString($0) }
        line.put(#","uri":"#)
        fields.uri.withUTF8 { line.putJSONString($0) }
        line.put(entry.version == .http10 ? #","proto":"HTTP/1.0","status":"# : #","proto":"HTTP/1.1","status":"#)
        line.putDecimal(entry.status)
        line.put(#","duration_s":"#)
        let mark = line.count
        line.putGoFloat(micros: micros(entry))
        line.quoteUnlessJSONNumber(from: mark)
        line.put(#","remote_ip":"#)
        line.putJSONString(entry.remoteAddress)
        if let host = fields.host {
            line.put(#","host":"#)
            host.withUTF8 { line.putJSONString($0) }
        }
        if let userAgent = fields.userAgent {
            line.put(#","user_agent":"#)
            userAgent.withUTF8 { line.putJSONString($0) }
        }
        if let referrer = fields.referrer {
            line.put(#","referrer":"#)
            referrer.withUTF8 { line.putJSONString($0) }
        }
        line.put(#","written_bytes":"#)
        line.putDecimal(entry.writtenBytes)
        if let contentType = entry.contentType {
            line.put(#","content_type":"#)
            line.putJSONString(contentType)
        }
        line.put(#","system":"http","time":""#)
        putTime(&line, stamp, milliseconds)
        line.put(#""}"#)
    }
}
