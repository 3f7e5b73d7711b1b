import Loop

/// What of a request may reach a log line: secrets in the query masked as GitLab's loggers mask them, and every
/// field cut, so a line stays short whatever the client sent.
///
/// Nearly every input is printable ASCII, short, and without a secret in its query: for those each function returns
/// its input as it is (checked on the bytes, without building a String); anything else takes the general path.
enum LogRedaction {
    /// The longest target a line repeats.
    static let targetLimit = 512

    /// The request target with the values of secret-looking query parameters (`private_token`, `token`, anything
    /// with `token`, `password` or `secret` in its name) replaced by `[FILTERED]`, cut at 512 bytes.
    static func target(_ target: String) -> String {
        if target.utf8.withContiguousStorageIfAvailable(targetReadsAsIs) == true { return target }
        return redacted(target)
    }

    private static func redacted(_ target: String) -> String {
        guard let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) else {
            return EchoedInput.text(target, limit: targetLimit)
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
        return EchoedInput.text(path + "?" + masked, limit: targetLimit)
    }

    private static func mask(_ part: String) -> String {
        guard let equals = part.firstIndex(of: "=") else { return part }
        let rawName = part[..<equals]
        let name = (PercentDecoding.decode(rawName.utf8, plusIsSpace: true) ?? String(rawName)).lowercased()
        guard ["token", "password", "secret"].contains(where: { name.contains($0) }) else { return part }
        return part[...equals] + "[FILTERED]"
    }

    /// `EchoedInput.text(text, limit:)`, which is `text` itself when it is printable ASCII within the limit.
    static func echo(_ text: String, limit: Int = EchoedInput.limit) -> String {
        let plain = text.utf8.withContiguousStorageIfAvailable { echoesAsIs($0, limit: limit) }
        return plain == true ? text : EchoedInput.text(text, limit: limit)
    }

    /// Whether `echo` gives these bytes back as they are: printable ASCII within `limit`.
    static func echoesAsIs(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int = EchoedInput.limit) -> Bool {
        bytes.count <= limit && isPrintableASCII(bytes)
    }

    /// Bytes that `EchoedInput` repeats as they are, and in which a `Character` is one byte.
    @inline(__always)
    private static func isPrintableASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        ByteScan.firstIndex(
            in: bytes,
            word: { ByteScan.below($0, 0x20) | ByteScan.nonASCII($0) | ByteScan.equal($0, 0x7F) },
            byte: { $0 < 0x20 || $0 > 0x7E }
        ) == nil
    }

    /// Whether `redacted` would return the target unchanged: printable ASCII (so that `redacted`'s characters are
    /// its bytes) within the limit, and no query parameter whose name, decoded and lowercased as `mask` does it,
    /// holds `token`, `password` or `secret`. A name that decodes to other bytes than ASCII is left to `redacted`,
    /// whose Unicode lowercasing may differ from ASCII's.
    static func targetReadsAsIs(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count <= targetLimit, isPrintableASCII(bytes) else { return false }
        let question = ByteScan.firstIndex(
            in: bytes,
            word: { ByteScan.equal($0, UInt8(ascii: "?")) },
            byte: { $0 == UInt8(ascii: "?") }
        )
        guard var start = question.map({ $0 + 1 }) else { return true }
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "&"), bytes[end] != UInt8(ascii: ";") { end += 1 }
            var equals = start
            while equals < end, bytes[equals] != UInt8(ascii: "=") { equals += 1 }
            if equals < end {
                switch nameHoldsSecret(UnsafeBufferPointer(rebasing: bytes[start..<equals])) {
                case false: break
                case true, nil: return false
                }
            }
            start = end + 1
        }
        return true
    }

    /// Whether a parameter name, percent-decoded (`+` a space) or raw when an escape is broken, and lowercased,
    /// holds `token`, `password` or `secret`; nil when it decodes to a byte outside ASCII.
    private static func nameHoldsSecret(_ name: UnsafeBufferPointer<UInt8>) -> Bool? {
        var matcher = SecretNameMatcher()
        var index = 0
        while index < name.count {
            var byte = name[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < name.count, let high = PercentDecoding.hexValue(name[index + 1]),
                    let low = PercentDecoding.hexValue(name[index + 2])
                else {
                    // A broken escape: `mask` reads the raw name instead.
                    var raw = SecretNameMatcher()
                    for byte in name { raw.push(byte) }
                    return raw.matched
                }
                byte = high << 4 | low
                index += 3
            } else {
                if byte == UInt8(ascii: "+") { byte = UInt8(ascii: " ") }
                index += 1
            }
            guard byte < 0x80 else { return nil }
            matcher.push(byte)
        }
        return matcher.matched
    }
}

/// The last eight bytes of a name, lowercased, and whether `token`, `secret` or `password` has ended in them yet.
private struct SecretNameMatcher {
    private var window: UInt64 = 0
    private(set) var matched = false

    mutating func push(_ byte: UInt8) {
        let lowered = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
        window = window << 8 | UInt64(lowered)
        // "token", "secret", "password" as big-endian bytes; none holds a NUL, so the empty window matches none.
        if window & 0xFF_FFFF_FFFF == 0x74_6F6B_656E || window & 0xFFFF_FFFF_FFFF == 0x7365_6372_6574
            || window == 0x7061_7373_776F_7264
        {
            matched = true
        }
    }
}
