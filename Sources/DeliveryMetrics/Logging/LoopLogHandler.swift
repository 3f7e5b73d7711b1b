import Glibc
import Logging

/// swift-log's handler for this service: formats on the calling (loop) thread and leaves the write to the sink's
/// once-per-iteration flush.
struct LoopLogHandler: LogHandler {
    let sink: LogSink
    let formatter: LogFormatter
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata {
            merged.merge(extra) { _, new in new }
        }
        var fields: [(String, String)] = []
        // Keys that come in a fixed order (an access line reads left to right) go first, the rest sorted.
        let keys = merged.keys.sorted { (Self.rank($0), $0) < (Self.rank($1), $1) }
        for key in keys {
            fields.append((key, merged[key]!.description))
        }
        if let error = event.error {
            fields.append(("error", String(describing: error)))
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let time = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
        sink.append(formatter.line(level: event.level, message: event.message.description, fields: fields, time: time))
    }

    private static let order = [
        "method", "uri", "proto", "status", "duration_s", "remote_ip", "host", "user_agent", "referrer",
        "written_bytes", "content_type", "route", "system",
    ]

    private static func rank(_ key: String) -> Int {
        order.firstIndex(of: key) ?? order.count
    }
}
