/// One element of a header value such as `text/plain;version=0.0.4;q=0.5` or `form-data; name="value"`: the value,
/// lowercased, and its parameters (names lowercased, values trimmed and unquoted, their case kept).
public struct HeaderElement: Sendable, Equatable {
    public let value: String
    public let parameters: [String: String]

    public init<Text: StringProtocol>(_ text: Text) {
        let pieces = text.split(separator: ";")
        value = pieces.first.map { String($0.trimmingHTTPWhitespace()).lowercasedASCII() } ?? ""
        var parameters: [String: String] = [:]
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            var parameter = pair[1].trimmingHTTPWhitespace()
            if parameter.count >= 2, parameter.hasPrefix("\""), parameter.hasSuffix("\"") {
                parameter = parameter.dropFirst().dropLast()
            }
            parameters[String(pair[0].trimmingHTTPWhitespace()).lowercasedASCII()] = String(parameter)
        }
        self.parameters = parameters
    }

    /// The `q` weight (RFC 9110 §12.4.2); 1 when absent.
    public var quality: Double { parameters["q"].flatMap(Double.init) ?? 1 }

    /// The elements of a comma-separated header value (`Accept`, `Accept-Encoding`).
    public static func list(_ header: String) -> [HeaderElement] {
        header.split(separator: ",").map(HeaderElement.init)
    }
}
