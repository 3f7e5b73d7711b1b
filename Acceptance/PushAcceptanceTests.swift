import Foundation
import TestSupport
import Testing

/// The push API and the exposition of the running binary, as curl and Prometheus see them.
@Suite("Push API and exposition", .enabled(if: AcceptanceEnvironment.isConfigured))
struct PushAcceptanceTests {
    /// One README example: a command, the answer it must print, and what /metrics must then show or not show.
    private struct Example {
        var command: String
        var answer: String?
        var present: [String] = []
        var absent: [String] = []
    }

    private func readmeExamples() throws -> [Example] {
        let readme = try AcceptanceHTTP.repositoryFile("README.md")
        var examples: [Example] = []
        var inShell = false
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                inShell = line == "```sh"
                continue
            }
            guard inShell else { continue }
            // A command is a curl line, or one line that pipes a body into curl.
            if line.hasPrefix("curl ") || line.contains(" | curl "), line.contains("$DELIVERY_METRICS_URL") {
                examples.append(Example(command: String(line)))
            } else if line.hasPrefix("# => ") {
                examples[examples.count - 1].answer = String(line.dropFirst(5))
            } else if line.hasPrefix("# metrics: ") {
                examples[examples.count - 1].present.append(String(line.dropFirst(11)))
            } else if line.hasPrefix("# metrics-absent: ") {
                examples[examples.count - 1].absent.append(String(line.dropFirst(18)))
            }
        }
        return examples
    }

    /// curl and browsers read only the first gzip member: the cached per-family chunks must make one.
    @Test func curlReadsTheWholeGzipScrape() async throws {
        let compressed = try await AcceptanceHTTP.shell(
            #"curl -sf --compressed -H 'Accept: application/openmetrics-text;version=1.0.0' "$DELIVERY_METRICS_URL/metrics""#
        )
        #expect(compressed.status == 0)
        #expect(compressed.output.hasSuffix("# EOF\n"))
        #expect(compressed.output.contains("delivery_experiments_total"))
        let headers = try await AcceptanceHTTP.shell(
            #"curl -sf -o /dev/null -D - -H 'Accept-Encoding: gzip' "$DELIVERY_METRICS_URL/metrics""#
        )
        #expect(headers.output.lowercased().contains("content-encoding: gzip"))
    }

    @Test func runsTheREADMEExamplesVerbatim() async throws {
        let examples = try readmeExamples()
        #expect(examples.count >= 8)
        for example in examples {
            let (status, output) = try await AcceptanceHTTP.shell(example.command)
            #expect(status == 0, "\(example.command)")
            if let answer = example.answer {
                #expect(output == answer + "\n", "\(example.command)")
            } else {
                #expect(!output.isEmpty, "\(example.command)")
            }
            let metrics = try await AcceptanceHTTP.metrics()
            let lines = Set(metrics.split(separator: "\n").map(String.init))
            for line in example.present {
                #expect(lines.contains(line), "after \(example.command): missing \(line)")
            }
            for prefix in example.absent {
                #expect(!metrics.contains(prefix), "after \(example.command): \(prefix) should be gone")
            }
        }
    }

    @Test func passesPromtoolWithOnlyTheOriginalNamesFlagged() async throws {
        // Make every family that can be pushed to show up, so the lint sees them.
        #expect(
            try await AcceptanceHTTP.push("deployment_hours_blocked", "set", "value=2&labels=acceptance,pre,2024-W01")
                .status == 200
        )
        let exposition = try await AcceptanceHTTP.metrics()
        let (status, findings) = try await onOwnThread { () -> (Int32, String) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["promtool", "check", "metrics"]
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = output
            try process.run()
            input.fileHandleForWriting.write(Data(exposition.utf8))
            try input.fileHandleForWriting.close()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        #expect(status == 0 || status == 3, "promtool could not parse the exposition: \(findings)")
        let allowed = Set(
            try AcceptanceHTTP.repositoryFile("Acceptance/promtool-lint-allowed.txt").split(separator: "\n").map(
                String.init
            )
        )
        let found = Set(findings.split(separator: "\n").map(String.init))
        #expect(found.isSubset(of: allowed), "unexpected lint findings: \(found.subtracting(allowed))")
        // Every allowed finding whose metric is exposed must be reported: the list is exact, not a blanket pass.
        let exposed = allowed.filter { exposition.contains("# TYPE \($0.split(separator: " ")[0]) ") }
        #expect(exposed.isSubset(of: found), "allowed findings not reported: \(exposed.subtracting(found))")
    }

    @Test func keepsHistogramsCumulativeWithInfEqualToCount() async throws {
        for value in ["100", "13000", "19000.5", "99999"] {
            #expect(
                try await AcceptanceHTTP.push(
                    "deployment_duration_seconds",
                    "observe",
                    "value=\(value)&labels=coordinator_pipeline,failed"
                ).status == 200
            )
        }
        let metrics = try await AcceptanceHTTP.metrics()
        var buckets: [String: [(le: Double, count: Double)]] = [:]
        var counts: [String: Double] = [:]
        for line in metrics.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            let series = String(parts[0])
            if let range = series.range(of: "_bucket{") {
                let name = String(series[..<range.lowerBound])
                let labels = series[range.upperBound...].dropLast()
                let le = try #require(labels.firstMatch(of: /le="([^"]+)"/))
                let rest = labels.replacing(/,?le="[^"]+"/, with: "")
                buckets["\(name){\(rest)}", default: []].append((Double(String(le.1))!, value))
            } else if let range = series.range(of: "_count{") {
                counts["\(series[..<range.lowerBound]){\(series[range.upperBound...].dropLast())}"] = value
            } else if series.hasSuffix("_count") {
                // A histogram without labels.
                counts["\(series.dropLast("_count".count)){}"] = value
            }
        }
        #expect(!buckets.isEmpty)
        for (series, list) in buckets {
            #expect(list.map(\.le) == list.map(\.le).sorted(), "\(series): le not ascending")
            #expect(list.last?.le == .infinity, "\(series): no +Inf bucket")
            #expect(zip(list, list.dropFirst()).allSatisfy { $0.count <= $1.count }, "\(series): not cumulative")
            #expect(list.last?.count == counts[series], "\(series): +Inf bucket differs from _count")
        }
        let failed = "delivery_deployment_duration_seconds{deployment_type=\"coordinator_pipeline\",status=\"failed\"}"
        #expect((counts[failed] ?? 0) >= 4)
    }

    @Test func servesOpenMetricsAndGzipAsPrometheusAsks() async throws {
        let response = try await AcceptanceHTTP.request(
            "GET /metrics HTTP/1.1\r\nHost: a\r\nAccept: application/openmetrics-text;version=1.0.0,"
                + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n"
                + "Accept-Encoding: gzip\r\n\r\n"
        )
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/openmetrics-text; version=1.0.0; charset=utf-8")
        #expect(response.header("Content-Encoding") == "gzip")
        #expect(response.body.starts(with: [0x1F, 0x8B]))
        let metrics = try await AcceptanceHTTP.metrics()
        #expect(metrics.contains("delivery_metrics_scrapes_total{encoding=\"gzip\",format=\"openmetrics\"} "))
    }

    @Test func refusesAPushWithoutTheToken() async throws {
        let response = try await AcceptanceHTTP.request(
            "POST /api/auto_deploy_pressure/set?value=1&labels=gprd HTTP/1.1\r\nHost: a\r\n\r\n"
        )
        #expect(response.status == 401)
        #expect(response.text == "Missing or wrong X-Private-Token\n")
    }
}
