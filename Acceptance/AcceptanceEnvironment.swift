import Foundation
import TestSupport

/// Where the running binary is, as `scripts/acceptance.sh` passes it. Without `DELIVERY_METRICS_URL` every
/// acceptance test is skipped, so a plain `swift test` runs the unit tests only.
enum AcceptanceEnvironment {
    static let url = ProcessInfo.processInfo.environment["DELIVERY_METRICS_URL"]
    static let token = ProcessInfo.processInfo.environment["DELIVERY_METRICS_TOKEN"] ?? ""
    static let binary = ProcessInfo.processInfo.environment["DELIVERY_METRICS_BINARY"]

    static var isConfigured: Bool { url != nil }

    /// Host and port of the server under test.
    static var endpoint: (host: String, port: Int) {
        let components = URLComponents(string: url ?? "http://127.0.0.1:0")!
        return (components.host ?? "127.0.0.1", components.port ?? 80)
    }

    static func client() throws -> RawHTTPClient {
        try RawHTTPClient(host: endpoint.host, port: endpoint.port)
    }
}
