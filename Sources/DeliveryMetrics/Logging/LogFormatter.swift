import Glibc
import Logging

/// Turns a log event into one line in the configured format. JSON uses the field names of GitLab's labkit loggers
/// (`time`, `level`, `msg`, ...), so log queries written for the original keep working; text is logfmt as logrus
/// writes it; color is text with the level coloured for a terminal.
struct LogFormatter: Sendable {
    let format: Configuration.LogFormat

    func line(level: Logger.Level, message: String, fields: [(String, String)], time: Double) -> String {
        let timestamp = Self.rfc3339(time)
        let levelName = Self.levelName(level)
        switch format {
        case .json:
            var line = "{\"level\":\(Self.jsonString(levelName)),\"msg\":\(Self.jsonString(message))"
            for (key, value) in fields {
                line += ",\(Self.jsonString(key)):\(Self.jsonValue(key, value))"
            }
            line += ",\"time\":\(Self.jsonString(timestamp))}"
            return line
        case .text, .color:
            let levelText =
                format == .color ? "\u{1B}[\(Self.colorCode(level))m\(levelName)\u{1B}[0m" : levelName
            var line = "time=\(Self.logfmtValue(timestamp)) level=\(levelText) msg=\(Self.logfmtValue(message))"
            for (key, value) in fields {
                line += " \(key)=\(Self.logfmtValue(value))"
            }
            return line
        }
    }

    static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "trace"
        case .debug: "debug"
        case .info, .notice: "info"
        case .warning: "warning"
        case .error: "error"
        case .critical: "fatal"
        }
    }

    private static func colorCode(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 37
        case .info, .notice: 36
        case .warning: 33
        case .error, .critical: 31
        }
    }

    /// RFC 3339 with millisecond precision in UTC, e.g. `2026-11-24T22:47:12.123Z`.
    static func rfc3339(_ time: Double) -> String {
        var seconds = time_t(time.rounded(.down))
        let milliseconds = Int((time - Double(seconds)) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(milliseconds), 3))Z"
    }

    /// Fields the service fills with numbers of its own making (as labkit writes `status` and `duration_s`): only
    /// these are written bare, and only when they are JSON numbers. Every other field, and above all anything taken
    /// from a request (`host`, `user_agent`, `uri`...), is a JSON string whatever it looks like.
    static let numericKeys: Set<String> = [
        "status", "duration_s", "written_bytes", "records", "skipped_records", "series", "limit", "kept_bytes",
        "journal_segments", "journal_records", "interval_s", "handles", "graceful_timeout_s", "dropped_bytes",
        "delay_ms", "connections", "bytes", "attempt", "applied_records", "offset",
    ]
    static let booleanKeys: Set<String> = ["async_dns"]

    private static func jsonValue(_ key: String, _ value: String) -> String {
        if booleanKeys.contains(key), value == "true" || value == "false" { return value }
        if numericKeys.contains(key), isJSONNumber(value) { return value }
        return jsonString(value)
    }

    /// RFC 8259's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    static func isJSONNumber(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { return false }
        }
        return index == bytes.count
    }

    static func jsonString(_ value: String) -> String {
        var output = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }

    /// logfmt quotes a value that is empty or holds spaces, quotes, `=` or control characters.
    private static func logfmtValue(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.unicodeScalars.contains { $0.value <= 0x20 || $0 == "\"" || $0 == "=" || $0 == "\\" }
        return needsQuotes ? jsonString(value) : value
    }
}
