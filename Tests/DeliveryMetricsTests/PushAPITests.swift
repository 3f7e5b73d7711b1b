import Foundation
import Logging
import Loop
import TestSupport
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// The push API end to end on a loop of its own: what curl and the Ruby client send, and every refusal.
@Suite("Push API")
struct PushAPITests {
    private static let token = "push-token"

    private func start() async throws -> LoopThread {
        try await LoopThread.start { loop in
            var configuration = Configuration()
            configuration.listenAddress = "127.0.0.1"
            configuration.port = 0
            configuration.authToken = Self.token
            configuration.accessLog = false
            configuration.maxSeriesPerMetric = 3
            let sink = LogSink(descriptor: -1)
            let logger = Logger(label: "test") { _ in LoopLogHandler(sink: sink, formatter: LogFormatter(format: .json))
            }
            let application = Application(configuration: configuration, loop: loop, sink: sink, logger: logger)
            let address = try application.start()
            return LoopThread.Setup(port: address.port) { application.beginShutdown(reason: "SIGTERM") }
        }
    }

    private func post(
        _ path: String,
        body: String = "",
        token: String? = PushAPITests.token,
        type: String = "application/x-www-form-urlencoded"
    ) -> String {
        var head = "POST \(path) HTTP/1.1\r\nHost: t\r\n"
        if let token { head += "X-Private-Token: \(token)\r\n" }
        if !body.isEmpty { head += "Content-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\n" }
        return head + "\r\n" + body
    }

    private func exchange(_ port: Int, _ request: String) throws -> RawHTTPClient.Response {
        let client = try RawHTTPClient(port: port)
        try client.send(request)
        return try #require(try client.readResponse())
    }

    private func metrics(_ port: Int) throws -> String {
        try exchange(port, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n").text
    }

    @Test func appliesEveryOperation() async throws {
        let server = try await start()
        try await onOwnThread { [port = server.port] in
            let observe = try exchange(
                port,
                post("/api/deployment_duration_seconds/observe", body: "value=18000&labels=coordinator_pipeline,failed")
            )
            #expect(observe.status == 200)
            #expect(observe.text.hasPrefix("observed 18000 in delivery_deployment_duration_seconds{"))
            #expect(try exchange(port, post("/api/deployment_can_rollback_total/inc?labels=gprd")).status == 200)
            #expect(
                try exchange(port, post("/api/deployment_can_rollback_total/add", body: "value=2&labels=gprd")).text
                    .hasSuffix(" 3\n")
            )
            #expect(
                try exchange(port, post("/api/auto_deploy_pressure/set", body: "value=10&labels=gstg")).status == 200
            )
            #expect(
                try exchange(port, post("/api/auto_deploy_pressure/dec", body: "labels=gstg")).text.hasSuffix(" 9\n")
            )
            #expect(
                try exchange(port, post("/api/auto_deploy_pressure/sub", body: "value=4&labels=gstg")).text.hasSuffix(
                    " 5\n"
                )
            )
            let text = try metrics(port)
            #expect(
                text.contains(
                    "delivery_deployment_duration_seconds_count{deployment_type=\"coordinator_pipeline\",status=\"failed\"} 1\n"
                )
            )
            #expect(text.contains("delivery_deployment_can_rollback_total{target_env=\"gprd\"} 3\n"))
            #expect(text.contains("delivery_auto_deploy_pressure{role=\"gstg\"} 5\n"))
        }
        #expect(try await server.stop() == 0)
    }

    @Test func resetsToZerosOrToNothing() async throws {
        let server = try await start()
        try await onOwnThread { [port = server.port] in
            _ = try exchange(port, post("/api/auto_deploy_pressure/set", body: "value=10&labels=gprd"))
            _ = try exchange(port, post("/api/release_pressure/set", body: "value=3&labels=merged,17.1,none"))
            let reset = "DELETE /api/auto_deploy_pressure HTTP/1.1\r\nHost: t\r\nX-Private-Token: \(Self.token)\r\n\r\n"
            #expect(try exchange(port, reset).status == 200)
            let plain = "DELETE /api/release_pressure HTTP/1.1\r\nHost: t\r\nX-Private-Token: \(Self.token)\r\n\r\n"
            #expect(try exchange(port, plain).status == 200)
            let text = try metrics(port)
            #expect(text.contains("delivery_auto_deploy_pressure{role=\"gprd\"} 0\n"))
            #expect(!text.contains("\ndelivery_release_pressure{"))
        }
        #expect(try await server.stop() == 0)
    }

    @Test func refusesBadPushesWithAStatusAndOneLineAndKeepsState() async throws {
        let server = try await start()
        let cases: [(String, Int, String)] = [
            (
                post("/api/auto_deploy_pressure/set", body: "value=1&labels=gstg", token: nil), 401,
                "Missing or wrong X-Private-Token\n"
            ),
            (
                post("/api/auto_deploy_pressure/set", body: "value=1&labels=gstg", token: "nope"), 401,
                "Missing or wrong X-Private-Token\n"
            ),
            (post("/api/nope/set", body: "value=1"), 404, "unknown metric \"nope\"; GET /api lists them\n"),
            (
                post("/api/deployment_started_total/set", body: "value=1&labels=gstg"), 404,
                "delivery_deployment_started_total is a counter; its operations are inc, add\n"
            ),
            (
                post("/api/version_info/inc"), 404,
                "delivery_version_info is written by the service itself; /api cannot change it\n"
            ),
            (
                post("/api/auto_deploy_pressure/set", body: "labels=gstg"), 400,
                "Missing or wrong value parameter: no value given\n"
            ),
            (
                post("/api/auto_deploy_pressure/set", body: "value=x&labels=gstg"), 400,
                "Missing or wrong value parameter: \"x\" is not a number\n"
            ),
            (
                post("/api/auto_deploy_pressure/set", body: "value=NaN&labels=gstg"), 400,
                "value must be a finite number\n"
            ),
            (
                post("/api/auto_deploy_pressure/set", body: "value=1&labels=gstg,x"), 400,
                "1 label value expected (role), got 2\n"
            ),
            (
                post("/api/auto_deploy_pressure/set", body: "value=1&labels=moon"), 400,
                "label role: \"moon\" is not accepted; want one of gstg-cny, gstg, gprd-cny, gprd\n"
            ),
            (
                post("/api/deployment_started_total/add", body: "value=-1&labels=gstg"), 400,
                "delivery_deployment_started_total is a counter and cannot decrease: value must be 0 or more\n"
            ),
            (
                post("/api/auto_deploy_pressure/set", body: "{}", type: "application/json"), 415,
                "unsupported Content-Type \"application/json\"; send application/x-www-form-urlencoded or multipart/form-data\n"
            ),
            (
                "GET /api/auto_deploy_pressure/set HTTP/1.1\r\nHost: t\r\n\r\n", 405,
                "method GET not allowed; use POST\n"
            ),
        ]
        try await onOwnThread { [port = server.port] in
            _ = try exchange(port, post("/api/auto_deploy_pressure/set", body: "value=7&labels=gstg"))
            for (request, status, body) in cases {
                let response = try exchange(port, request)
                #expect(response.status == status, "\(request)")
                #expect(response.text == body)
            }
            #expect(try metrics(port).contains("delivery_auto_deploy_pressure{role=\"gstg\"} 7\n"))
        }
        #expect(try await server.stop() == 0)
    }

    @Test func refusesANewSeriesPastTheLimit() async throws {
        let server = try await start()
        try await onOwnThread { [port = server.port] in
            for minor in 1...3 {
                #expect(
                    try exchange(
                        port,
                        post("/api/release_pressure/set", body: "value=1&labels=merged,17.\(minor),none")
                    ).status == 200
                )
            }
            let refused = try exchange(port, post("/api/release_pressure/set", body: "value=1&labels=merged,17.9,none"))
            #expect(refused.status == 400)
            #expect(refused.text.contains("limit of 3 series"))
            #expect(
                try exchange(port, post("/api/release_pressure/inc", body: "labels=merged,17.1,none")).status == 200
            )
        }
        #expect(try await server.stop() == 0)
    }

    @Test func refusesBeforeTheBodyAndNeverSendsContinue() async throws {
        let server = try await start()
        try await onOwnThread { [port = server.port] in
            let client = try RawHTTPClient(port: port)
            try client.send(
                "POST /api/nope/observe HTTP/1.1\r\nHost: t\r\nX-Private-Token: \(Self.token)\r\nContent-Length: 500000\r\nExpect: 100-continue\r\n\r\n"
            )
            let response = try #require(try client.readResponse())
            #expect(response.status == 404)
            #expect(response.header("Connection") == "close")

            let accepted = try RawHTTPClient(port: port)
            try accepted.send(
                "POST /api/auto_deploy_pressure/set HTTP/1.1\r\nHost: t\r\nX-Private-Token: \(Self.token)\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 19\r\nExpect: 100-continue\r\n\r\n"
            )
            #expect(try accepted.readResponse()?.status == 100)
            try accepted.send("value=2&labels=gprd")
            #expect(try accepted.readResponse()?.status == 200)
        }
        #expect(try await server.stop() == 0)
    }

    @Test func readsAMultipartBodySplitAcrossReads() async throws {
        let server = try await start()
        try await onOwnThread { [port = server.port] in
            let body =
                "--XyZ\r\nContent-Disposition: form-data; name=\"value\"\r\n\r\n42\r\n--XyZ\r\n"
                + "Content-Disposition: form-data; name=\"labels\"\r\n\r\ngprd-cny\r\n--XyZ--\r\n"
            let client = try RawHTTPClient(port: port)
            try client.send(
                "POST /api/auto_deploy_pressure/set HTTP/1.1\r\nHost: t\r\nX-Private-Token: \(Self.token)\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
            )
            let bytes = Array(body.utf8)
            for start in stride(from: 0, to: bytes.count, by: 7) {
                try client.send(Array(bytes[start..<min(start + 7, bytes.count)]))
                Thread.sleep(forTimeInterval: 0.005)
            }
            #expect(try client.readResponse()?.text == "delivery_auto_deploy_pressure{role=\"gprd-cny\"} 42\n")
        }
        #expect(try await server.stop() == 0)
    }

    @Test func listsTheCatalogueAsJSON() async throws {
        let server = try await start()
        let json = try await onOwnThread { [port = server.port] in
            #expect(try exchange(port, "GET /api HTTP/1.1\r\nHost: t\r\n\r\n").status == 401)
            return try exchange(port, "GET /api HTTP/1.1\r\nHost: t\r\nX-Private-Token: \(Self.token)\r\n\r\n").body
        }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        let metrics = try #require(object["metrics"] as? [[String: Any]])
        let duration = try #require(metrics.first { $0["name"] as? String == "deployment_duration_seconds" })
        #expect(duration["type"] as? String == "histogram")
        #expect(duration["operations"] as? [String] == ["observe", "reset"])
        #expect((duration["buckets"] as? [Double])?.first == 12600)
        let labels = try #require(duration["labels"] as? [[String: Any]])
        #expect(labels.map { $0["name"] as? String } == ["deployment_type", "status"])
        #expect(metrics.contains { $0["name"] as? String == "experiments_deployment_dry_runs_total" })
        #expect(try await server.stop() == 0)
    }

    @Test func exportsWhenEachMetricWasLastWritten() async throws {
        let server = try await start()
        try await onOwnThread { [port = server.port] in
            let before = try metrics(port)
            #expect(
                !before.contains(
                    "delivery_metrics_last_write_timestamp_seconds{metric=\"delivery_auto_build_pressure\"}"
                )
            )
            _ = try exchange(port, post("/api/auto_build_pressure/set", body: "value=3&labels=gitaly"))
            let after = try metrics(port)
            let line = after.split(separator: "\n").first {
                $0.hasPrefix("delivery_metrics_last_write_timestamp_seconds{metric=\"delivery_auto_build_pressure\"} ")
            }
            let written = Double(line?.split(separator: " ").last ?? "") ?? 0
            #expect(abs(written - Date().timeIntervalSince1970) < 60)
            #expect(!after.contains("delivery_metrics_last_write_timestamp_seconds{metric=\"delivery_version_info\"}"))
        }
        #expect(try await server.stop() == 0)
    }

    @Test func countsScrapesByFormatAndEncoding() async throws {
        let server = try await start()
        try await onOwnThread { [port = server.port] in
            let om = try exchange(
                port,
                "GET /metrics HTTP/1.1\r\nHost: t\r\nAccept: application/openmetrics-text;version=1.0.0\r\nAccept-Encoding: gzip\r\n\r\n"
            )
            #expect(om.header("Content-Encoding") == "gzip")
            #expect(om.header("Content-Type") == "application/openmetrics-text; version=1.0.0; charset=utf-8")
            let text = String(decoding: try GzipTestDecoder.decompress(om.body), as: UTF8.self)
            #expect(text.hasSuffix("# EOF\n"))
            let plain = try metrics(port)
            #expect(plain.contains("delivery_metrics_scrapes_total{encoding=\"gzip\",format=\"openmetrics\"} 1\n"))
        }
        #expect(try await server.stop() == 0)
    }
}
