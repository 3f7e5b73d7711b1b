/// The secret tokens: `AUTH_TOKEN`, `DELIVERY_METRICS_OPS_TOKEN` and every `JOB_WEBHOOK_*_TOKEN`. Each is set
/// directly or through `<VARIABLE>_FILE`, the path of a file that holds it, and is checked at boot so that a token
/// that boots can match. Request header values are trimmed of white space and carry visible ASCII unchanged, nothing
/// more: a token with a space, a control byte or non-ASCII in it would answer 401 forever, so it stops the start.
enum SecretToken {
    /// The value the shipped manifests hold (`deploy/kubernetes/secret.yaml`): refused by name, so an unedited
    /// Secret cannot start the service with a token that everyone who read the manifest knows.
    static let manifestPlaceholder = "replace-me-with-a-real-token"
    /// Shorter tokens boot, with a warning: they are easy to guess.
    static let minimumBytes = 16

    static var variables: [String] {
        ["AUTH_TOKEN", "DELIVERY_METRICS_OPS_TOKEN"] + WebhookSources.all.map(\.tokenVariable)
    }

    static func fileVariable(for variable: String) -> String {
        variable + "_FILE"
    }

    /// The token `variable`, or the file its `_FILE` names, holds; nil when both are unset or empty, which the caller
    /// reads as "off" (or as missing, for `AUTH_TOKEN`). Repairs it may make land in `warnings`.
    static func read(
        _ variable: String,
        from environment: [String: String],
        warnings: inout [Configuration.Warning]
    ) throws(Configuration.Problem) -> String? {
        let fileVariable = fileVariable(for: variable)
        let direct = environment[variable] ?? ""
        let path = environment[fileVariable] ?? ""
        if !direct.isEmpty && !path.isEmpty {
            throw Configuration.Problem(description: "both \(variable) and \(fileVariable) are set: set only one")
        }
        if !path.isEmpty {
            // debugDescription quotes the path and escapes any line break in it: the refusal stays one line.
            let origin = "\(fileVariable) \(path.debugDescription)"
            let bytes: [UInt8]
            do {
                bytes = try TokenFile.read(path)
            } catch {
                throw Configuration.Problem(description: "\(origin): \(error)")
            }
            guard let token = try check(bytes, variable: fileVariable, origin: origin, warnings: &warnings) else {
                throw Configuration.Problem(description: "\(origin): the file holds no token (empty or line breaks)")
            }
            return token
        }
        guard !direct.isEmpty else { return nil }
        guard let token = try check(Array(direct.utf8), variable: variable, origin: variable, warnings: &warnings)
        else {
            throw Configuration.Problem(description: "\(variable) holds only line breaks, no token")
        }
        return token
    }

    /// The token with its trailing line breaks cut, nil when nothing is left. `origin` names where the bytes came
    /// from in a refusal; no message ever holds the token.
    private static func check(
        _ raw: [UInt8],
        variable: String,
        origin: String,
        warnings: inout [Configuration.Warning]
    ) throws(Configuration.Problem) -> String? {
        var bytes = raw[...]
        // `kubectl create secret --from-file`, `echo` and editors end the value with a newline (or CR LF).
        while let last = bytes.last, last == 0x0A || last == 0x0D {
            bytes.removeLast()
        }
        if bytes.count < raw.count {
            warnings.append(Configuration.Warning(variable: variable, message: "token: trailing line break stripped"))
        }
        guard !bytes.isEmpty else { return nil }
        if let index = bytes.firstIndex(where: { !(0x21...0x7E).contains($0) }) {
            throw Configuration.Problem(
                description: "\(origin): the token holds \(kind(of: bytes[index])) at byte \(index + 1); a token "
                    + "must be visible ASCII (0x21-0x7E), since no request header carries anything else unchanged"
            )
        }
        let token = String(decoding: bytes, as: UTF8.self)
        if token == manifestPlaceholder {
            throw Configuration.Problem(
                description: "\(origin) holds the placeholder from the shipped manifests "
                    + "(deploy/kubernetes/secret.yaml), not a token: replace it with a real one"
            )
        }
        if bytes.count < minimumBytes {
            warnings.append(
                Configuration.Warning(
                    variable: variable,
                    message: "token shorter than \(minimumBytes) bytes: easy to guess, use a long random one"
                )
            )
        }
        return token
    }

    /// What a refused byte is, in words that do not give the token away.
    private static func kind(of byte: UInt8) -> String {
        switch byte {
        case 0x20: "a space"
        case 0x09: "a tab"
        case 0x00: "a NUL byte"
        case 0x0A, 0x0D: "a line break"
        case 0x80...: "a non-ASCII byte"
        default: "a control character"
        }
    }
}
