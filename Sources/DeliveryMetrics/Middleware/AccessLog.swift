import Logging
import Loop

/// One `access` line per response, in the fields and names of the original's logger (method, uri, status...),
/// with secrets in the target masked and echoed client text cut and escaped.
struct AccessLog {
    let logger: Logger

    func write(_ entry: AccessLogEntry) {
        var metadata: Logger.Metadata = [
            "method": "\(EchoedInput.text(entry.method))",
            "uri": "\(LogRedaction.target(entry.target))",
            "proto": "\(entry.version)",
            "status": "\(entry.status)",
            "duration_s": "\(GoFloat.format((entry.durationSeconds * 1e6).rounded() / 1e6))",
            "remote_ip": "\(entry.remoteAddress)",
            "written_bytes": "\(entry.writtenBytes)",
            "system": "http",
        ]
        if let host = LogRedaction.field(entry.host) { metadata["host"] = "\(host)" }
        if let agent = LogRedaction.field(entry.userAgent) { metadata["user_agent"] = "\(agent)" }
        if let referrer = LogRedaction.field(entry.referrer) { metadata["referrer"] = "\(referrer)" }
        if let contentType = entry.contentType { metadata["content_type"] = "\(contentType)" }
        logger.info("access", metadata: metadata)
    }
}
