// The fuzzers compile this file into one module with Loop's HTTP sources, where there is no Loop to import.
#if canImport(Loop)
    import Loop
#endif

/// The formats `/metrics` speaks, and the choice among them from a scraper's `Accept` header.
enum ExpositionFormat: Equatable {
    case text
    /// OpenMetrics 1.0; `version` echoes what the scraper asked for (`1.0.0` or `0.0.1`; the body is the same).
    case openMetrics(version: String)

    var contentType: String {
        switch self {
        case .text: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics(let version): "application/openmetrics-text; version=\(version); charset=utf-8"
        }
    }

    /// The label value for the scrapes counter.
    var name: String {
        switch self {
        case .text: "text"
        case .openMetrics: "openmetrics"
        }
    }

    /// Walks the media ranges in falling `q` order (ties keep their order) and takes the first one served, as Go's
    /// `expfmt.NegotiateAccept` does; text 0.0.4 otherwise. Protobuf and text 1.0.0 are not served.
    static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .text }
        let ranges = accept.split(separator: ",").enumerated().map { index, part in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters() }
            var parameters: [String: String] = [:]
            for piece in pieces.dropFirst() {
                let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters() }
                if pair.count == 2 { parameters[pair[0].lowercased()] = pair[1].trimmingQuotes() }
            }
            let quality = parameters["q"].flatMap(Double.init) ?? 1
            return (index: index, type: pieces.first?.lowercased() ?? "", parameters: parameters, quality: quality)
        }
        for range in ranges.sorted(by: { ($0.quality, -$0.index) > ($1.quality, -$1.index) }) where range.quality > 0 {
            switch range.type {
            case "application/openmetrics-text":
                let version = range.parameters["version"] ?? "0.0.1"
                if version == "1.0.0" || version == "0.0.1" { return .openMetrics(version: version) }
            case "text/plain":
                if (range.parameters["version"] ?? "0.0.4") == "0.0.4" { return .text }
            case "*/*", "text/*":
                return .text
            default:
                continue
            }
        }
        return .text
    }

    /// Whether the scraper accepts gzip (`Accept-Encoding: gzip`, not with `q=0`).
    static func acceptsGzip(_ acceptEncoding: String?) -> Bool {
        guard let acceptEncoding else { return false }
        return acceptEncoding.split(separator: ",").contains { part in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters().lowercased() }
            guard pieces.first == "gzip" else { return false }
            let quality = pieces.dropFirst().map { $0.replacingSpaces() }.first { $0.hasPrefix("q=") }
            return (quality.flatMap { Double($0.dropFirst(2)) } ?? 1) > 0
        }
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(trimmingHTTPWhitespace())
    }

    fileprivate func trimmingQuotes() -> String {
        count >= 2 && hasPrefix("\"") && hasSuffix("\"") ? String(dropFirst().dropLast()) : String(self)
    }

    fileprivate func replacingSpaces() -> String { String(filter { $0 != " " }) }
}
