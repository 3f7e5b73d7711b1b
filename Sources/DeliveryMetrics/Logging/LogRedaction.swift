import Loop

/// What of a request may reach a log line: secrets in the query masked as GitLab's loggers mask them, and every
/// field cut, so a line stays short whatever the client sent.
enum LogRedaction {
    /// The request target with the values of secret-looking query parameters (`private_token`, `token`, anything
    /// with `token`, `password` or `secret` in its name) replaced by `[FILTERED]`, cut at 512 bytes.
    static func target(_ target: String) -> String {
        guard let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) else {
            return EchoedInput.text(target, limit: 512)
        }
        let path = target[..<question]
        let query = target[target.utf8.index(after: question)...]
        let masked = query.split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
            guard let equals = part.firstIndex(of: "=") else { return String(part) }
            let name = part[..<equals].lowercased()
            guard ["token", "password", "secret"].contains(where: { name.contains($0) }) else { return String(part) }
            return part[...equals] + "[FILTERED]"
        }
        return EchoedInput.text(path + "?" + masked.joined(separator: "&"), limit: 512)
    }

    /// A header value for the access line, cut at 120 bytes.
    static func field(_ value: String?) -> String? {
        value.map { EchoedInput.text($0) }
    }
}
