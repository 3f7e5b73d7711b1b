import Loop

/// The formats `/metrics` speaks, and the choice among them from a scraper's `Accept` header.
@_spi(Harness) public enum ExpositionFormat: Equatable, Sendable {
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
        let ranges = HeaderElement.list(accept).enumerated()
            .sorted { ($0.element.quality, -$0.offset) > ($1.element.quality, -$1.offset) }.map(\.element)
        for range in ranges where range.quality > 0 {
            switch range.value {
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

    static func acceptsGzip(_ acceptEncoding: String?) -> Bool {
        guard let acceptEncoding else { return false }
        return HeaderElement.list(acceptEncoding).contains { $0.value == "gzip" && $0.quality > 0 }
    }
}
