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
        // Separated by `&` or `;` (as some servers read them), and named as the server would decode the name.
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

    /// A header value for the access line, cut at 120 bytes.
    static func field(_ value: String?) -> String? {
        value.map { EchoedInput.text($0) }
    }
}
