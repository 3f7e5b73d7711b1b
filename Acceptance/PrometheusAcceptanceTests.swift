import Foundation
import TestSupport
import Testing

/// A real Prometheus (Debian's) scraping the running binary every second: what it stores is what was pushed.
@Suite(
    "Scraped by a real Prometheus",
    .enabled(
        if: AcceptanceEnvironment.isConfigured && FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus")
    )
)
struct PrometheusAcceptanceTests {
    /// Prometheus on loopback with a generated config; stopped (SIGKILL, its data thrown away) whatever happens.
    private final class Prometheus: Sendable {
        let port: Int
        private let process: Process
        private let directory: URL

        init(target: String) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("prometheus-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let config = """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 900ms
                scrape_configs:
                  - job_name: delivery-metrics
                    static_configs:
                      - targets: ['\(target)']
                """
            try config.write(to: directory.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
            port = try FreePort.find()
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
            process.arguments = [
                "--config.file=\(directory.appendingPathComponent("prometheus.yml").path)",
                "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
        }

        /// GET on Prometheus's HTTP API; the `data` member of its JSON answer.
        func api(_ path: String) throws -> Any? {
            let client = try RawHTTPClient(port: port, timeoutSeconds: 5)
            try client.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            guard let response = try client.readResponse(), response.status == 200 else { return nil }
            let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            return object?["data"]
        }

        /// The value of an instant query's first sample, or nil while there is none.
        func value(_ query: String) throws -> Double? {
            let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
            guard let data = try api("/api/v1/query?query=\(encoded)") as? [String: Any],
                let result = data["result"] as? [[String: Any]], let sample = result.first?["value"] as? [Any],
                let text = sample.last as? String
            else { return nil }
            return Double(text)
        }

        /// Polls until `query` gives `expected` (30 s at most).
        func waitFor(_ query: String, _ expected: Double) throws -> Double? {
            var last: Double?
            for _ in 0..<150 {
                last = try? value(query)
                if last == expected { return last }
                Thread.sleep(forTimeInterval: 0.2)
            }
            return last
        }
    }

    @Test func storesWhatWasPushedAndScrapesOpenMetricsWithGzip() async throws {
        let target = "\(AcceptanceEnvironment.endpoint.host):\(AcceptanceEnvironment.endpoint.port)"
        let prometheus = try Prometheus(target: target)
        defer { prometheus.stop() }
        for (metric, operation, form) in [
            ("deployment_duration_seconds", "observe", "value=14000&labels=coordinator_pipeline,failed"),
            ("deployment_duration_seconds", "observe", "value=16000&labels=coordinator_pipeline,failed"),
            ("deployment_started_total", "inc", "labels=gstg-ref"),
            ("auto_deploy_building_package_state", "set", "value=17&labels=running"),
        ] {
            #expect(try await AcceptanceHTTP.push(metric, operation, form).status == 200)
        }
        // Other tests observe failed deployments too (in any order), so these read "at least".
        let results = try await onOwnThread { () -> [String: Double?] in
            [
                "up": try prometheus.waitFor(#"up{job="delivery-metrics"}"#, 1),
                "count": try prometheus.waitFor(
                    #"delivery_deployment_duration_seconds_count{status="failed"} >= bool 2"#,
                    1
                ),
                "sum": try prometheus.waitFor(
                    #"delivery_deployment_duration_seconds_sum{status="failed"} >= bool 30000"#,
                    1
                ),
                "started": try prometheus.waitFor(#"delivery_deployment_started_total{target_env="gstg-ref"}"#, 1),
                "gauge": try prometheus.waitFor(
                    #"delivery_auto_deploy_building_package_state{pkg_state="running"}"#,
                    17
                ),
            ]
        }
        #expect(results["up"] == 1)
        #expect(results["count"] == 1)
        #expect(results["sum"] == 1)
        #expect(results["started"] == 1)
        #expect(results["gauge"] == 17)

        let reset = try await AcceptanceHTTP.request(
            "DELETE /api/auto_deploy_building_package_state HTTP/1.1\r\nHost: a\r\n"
                + "X-Private-Token: \(AcceptanceEnvironment.token)\r\n\r\n"
        )
        #expect(reset.status == 200)
        let afterReset = try await onOwnThread {
            try prometheus.waitFor(#"delivery_auto_deploy_building_package_state{pkg_state="running"}"#, 0)
        }
        #expect(afterReset == 0)

        let negotiated = try await onOwnThread {
            try prometheus.waitFor(#"delivery_metrics_scrapes_total{format="openmetrics",encoding="gzip"} > bool 0"#, 1)
        }
        #expect(negotiated == 1, "Prometheus scraped OpenMetrics with gzip")
        let lastError = try await onOwnThread { () -> String? in
            let data = try prometheus.api("/api/v1/targets") as? [String: Any]
            let targets = data?["activeTargets"] as? [[String: Any]]
            return targets?.first?["lastError"] as? String
        }
        #expect(lastError == "")
    }
}

/// A port nobody listens on right now (the kernel's pick for a socket bound to port 0).
enum FreePort {
    static func find() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw TestFailure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
