import Loop

/// The token as the Pushgateway's clients can send it: `X-Private-Token: <token>` (as `/api` takes it),
/// `Authorization: Bearer <token>`, or `Authorization: Basic` with the token as the password and any user (Go's
/// `push.BasicAuth`, Python's `basic_auth_handler`, `curl -u ci:$TOKEN`). A refusal carries
/// `WWW-Authenticate: Basic realm="delivery-metrics"` (RFC 9110 §11.6.1), which is what makes `curl -u` and the
/// clients' handlers send the credentials at all.
enum PushAuthorization {
    static let challenge = "Basic realm=\"delivery-metrics\""

    static func isAuthorized(_ head: RequestHead, token: String) -> Bool {
        if head.fieldCount(.xPrivateToken) > 0 { return TokenCheck.matches(.xPrivateToken, of: head, expected: token) }
        return head.withField(.authorization) { field in
            guard let field else { return false }
            return presented(in: Array(field)).map { TokenCheck.matches($0, expected: token) } ?? false
        }
    }

    /// The token an `Authorization` value presents: a Bearer token, or a Basic password. Schemes are
    /// case-insensitive (RFC 9110 §11.1).
    static func presented(in value: [UInt8]) -> [UInt8]? {
        guard let space = value.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let scheme = String(decoding: value[..<space], as: UTF8.self).lowercased()
        let credentials = Array(value[(space + 1)...].drop { $0 == UInt8(ascii: " ") })
        switch scheme {
        case "bearer":
            return credentials
        case "basic":
            guard let decoded = Base64.decode(credentials, alphabet: .standard),
                let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
            else { return nil }
            return Array(decoded[(colon + 1)...])
        default:
            return nil
        }
    }
}
