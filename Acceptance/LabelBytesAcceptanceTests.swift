import Foundation
import TestSupport
import Testing

/// Label values are bytes, against a copy of the release binary over loopback (issue 13, items 10 to 12): `café` in
/// NFC and in NFD pushed as two series and read back as their own bytes, label values that are not UTF-8 refused
/// with `invalid_label_value`, and a counter that would overflow to `+Inf` refused with `invalid_value`.
@Suite(
    "Label values are bytes",
    .serialized,
    .enabled(if: AcceptanceEnvironment.isConfigured && AcceptanceEnvironment.binary != nil)
)
struct LabelBytesAcceptanceTests {
    private static let token = WellBehavedClient.token

    private static func exchange(_ port: Int, _ request: [UInt8]) throws -> RawHTTPClient.Response {
        let client = try RawHTTPClient(port: port, timeoutSeconds: 5)
        try client.send(request)
        guard let response = try client.readResponse() else { throw TestFailure("no answer") }
        return response
    }

    /// An urlencoded push whose body is `body`, byte for byte.
    private static func push(_ port: Int, _ path: String, body: [UInt8]) throws -> RawHTTPClient.Response {
        let head =
            "POST \(path) HTTP/1.1\r\nHost: bytes\r\nX-Private-Token: \(token)\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.count)\r\n\r\n"
        return try exchange(port, Array(head.utf8) + body)
    }

    private static func push(_ port: Int, _ path: String, _ form: String) throws -> RawHTTPClient.Response {
        try push(port, path, body: Array(form.utf8))
    }

    /// The exposition as bytes: comparing `String`s would hold the two spellings of `café` equal.
    private static func exposition(_ port: Int) throws -> [[UInt8]] {
        let response = try exchange(
            port,
            Array("GET /metrics HTTP/1.1\r\nHost: bytes\r\nAccept-Encoding: identity\r\n\r\n".utf8)
        )
        guard response.status == 200 else { throw TestFailure("GET /metrics answered \(response.status)") }
        return response.body.split(separator: UInt8(ascii: "\n")).map(Array.init)
    }

    private static func lines(_ port: Int, startingWith prefix: String) throws -> [[UInt8]] {
        try exposition(port).filter { $0.starts(with: prefix.utf8) }
    }

    @Test func keepsCaféInNFCAndInNFDAsTwoSeriesOfTheirOwnBytes() async throws {
        let (answers, lines) = try await withServedCopy { copy in
            let answers = try ["caf%C3%A9", "cafe%CC%81"].enumerated().map { index, value in
                try Self.push(
                    copy.port,
                    "/api/deployment_blocker_count/set",
                    "value=\(index + 1)&labels=\(value),2024-W23"
                ).status
            }
            return (answers, try Self.lines(copy.port, startingWith: "delivery_deployment_blocker_count{"))
        }
        #expect(answers == [200, 200])
        // In byte order, as Go sorts: `e` (0x65) before 0xC3.
        #expect(
            lines == [
                Array(#"delivery_deployment_blocker_count{root_cause="cafe\#u{301}",week="2024-W23"} 2"#.utf8),
                Array(#"delivery_deployment_blocker_count{root_cause="caf\#u{E9}",week="2024-W23"} 1"#.utf8),
            ]
        )
    }

    @Test func refusesLabelValuesThatAreNotUTF8() async throws {
        let (answers, series, refusals) = try await withServedCopy { copy in
            let path = "/api/deployment_blocker_count/set"
            let answers = [
                try Self.push(copy.port, path, "value=1&labels=%FF%FE,2024-W23"),
                try Self.push(copy.port, path, "value=1&labels=%FE%FF,2024-W23"),
                try Self.push(copy.port, path, body: Array("value=1&labels=".utf8) + [0xFF] + Array(",2024-W23".utf8)),
            ]
            return (
                answers,
                try Self.lines(copy.port, startingWith: "delivery_deployment_blocker_count{"),
                try Self.lines(
                    copy.port,
                    startingWith: #"delivery_metrics_api_errors_total{reason="invalid_label_value"}"#
                )
            )
        }
        #expect(answers.map(\.status) == [400, 400, 400])
        #expect(answers[0].text == #"label value 1 is not valid UTF-8: "\xFF\xFE""# + "\n")
        #expect(series.isEmpty)
        #expect(refusals == [Array(#"delivery_metrics_api_errors_total{reason="invalid_label_value"} 3"#.utf8)])
    }

    @Test func refusesACounterAddThatWouldMakeItInfinite() async throws {
        let (answers, samples) = try await withServedCopy { copy in
            let answers = try (0..<2).map { _ in
                try Self.push(copy.port, "/api/deployment_started_total/add", "value=1e308&labels=gstg")
            }
            let samples =
                try Self.lines(copy.port, startingWith: #"delivery_deployment_started_total{target_env="gstg"}"#)
                + Self.lines(copy.port, startingWith: #"delivery_metrics_api_errors_total{reason="invalid_value"}"#)
            return (answers, samples)
        }
        #expect(answers.map(\.status) == [200, 400])
        #expect(answers[1].text.contains("values must stay finite"))
        #expect(
            samples == [
                Array(#"delivery_deployment_started_total{target_env="gstg"} 1e+308"#.utf8),
                Array(#"delivery_metrics_api_errors_total{reason="invalid_value"} 1"#.utf8),
            ]
        )
    }
}
