import Foundation
import TestSupport

/// The ordinary client whose service the robustness tests check while hostile ones do their worst: one request per
/// connection, each answered within a few seconds or the test fails. It pushes `inc` to one counter with free
/// labels of its own, and reads that counter back from `/metrics`.
enum WellBehavedClient {
    static let token = "robust-token"
    /// The environment every copy of the binary in the robustness suite gets.
    static let environment = ["AUTH_TOKEN": token, "DELIVERY_METRICS_ACCESS_LOG": "false"]
    /// A pushable counter (not service-owned) and one of its label values.
    static let metric = "deployment_started_total"
    static let series = #"delivery_deployment_started_total{target_env="gstg"}"#

    /// The push every test counts, byte for byte: `inc` with an urlencoded body.
    static var push: [UInt8] {
        let body = "labels=gstg"
        return Array(
            ("POST /api/\(metric)/inc HTTP/1.1\r\nHost: robust\r\nX-Private-Token: \(token)\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                .utf8
        )
    }

    /// The same push with a chunked body.
    static var chunkedPush: [UInt8] {
        Array(
            ("POST /api/\(metric)/inc HTTP/1.1\r\nHost: robust\r\nX-Private-Token: \(token)\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "b\r\nlabels=gstg\r\n0\r\n\r\n")
                .utf8
        )
    }

    struct Answer: Sendable {
        var status: Int
        var seconds: Double
    }

    /// One request on a fresh connection; the status and how long the answer took.
    static func request(port: Int, _ bytes: [UInt8]) throws -> Answer {
        let started = Date()
        let client = try RawHTTPClient(port: port, timeoutSeconds: 5)
        try client.send(bytes)
        guard let response = try client.readResponse() else { throw TestFailure("closed without an answer") }
        return Answer(status: response.status, seconds: Date().timeIntervalSince(started))
    }

    static func pushOnce(port: Int) throws -> Answer {
        try request(port: port, push)
    }

    static func healthy(port: Int) throws -> Answer {
        try request(port: port, Array("GET /-/healthy HTTP/1.1\r\nHost: robust\r\n\r\n".utf8))
    }

    /// The exposition's value of `series`, or of another sample named by its full series text.
    static func sample(port: Int, _ name: String = series) throws -> Double {
        let client = try RawHTTPClient(port: port, timeoutSeconds: 5)
        try client.send("GET /metrics HTTP/1.1\r\nHost: robust\r\nAccept-Encoding: identity\r\n\r\n")
        guard let response = try client.readResponse(), response.status == 200 else {
            throw TestFailure("GET /metrics did not answer 200")
        }
        let prefix = name + " "
        guard let line = response.text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
            let value = Double(line.dropFirst(prefix.count))
        else { throw TestFailure("no sample \(name) in /metrics") }
        return value
    }

    /// Scrapes of `/metrics` counted so far, this one included.
    static func scrapes(port: Int) throws -> Double {
        try sample(port: port, #"delivery_metrics_scrapes_total{encoding="identity",format="text"}"#)
    }
}
