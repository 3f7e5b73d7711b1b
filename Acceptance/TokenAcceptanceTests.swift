import Foundation
import TestSupport
import Testing

/// Token variables against the release binary: a token repaired at boot that then matches, refusals that name the
/// variable and never the value, the shipped manifests' placeholder, and tokens read from files.
@Suite("Tokens", .enabled(if: AcceptanceEnvironment.binary != nil))
struct TokenAcceptanceTests {
    private static let token = "secret-token-0123456789"
    private static let webhookToken = "webhook-token-0123456789"
    private static let releaseTools = "/webhooks/job/ops/gitlab-org/release/tools"

    private struct Served: Sendable {
        let ready: Int
        let push: Int
        let log: String
    }

    /// Starts a copy with `environment`, asks `/-/ready`, pushes with `token`, and returns the statuses and what the
    /// copy logged up to its boot line.
    private func pushToCopy(_ environment: [String: String], token: String = Self.token) async throws -> Served {
        try await onOwnThread {
            let copy = try ServedCopy(environment: environment)
            defer { copy.kill() }
            let client = try RawHTTPClient(port: copy.port)
            try client.send("GET /-/ready HTTP/1.1\r\nHost: a\r\n\r\n")
            let ready = try #require(try client.readResponse()).status
            let form = "value=2&labels=acceptance,pre,2024-W01"
            try client.send(
                "POST /api/deployment_hours_blocked/set HTTP/1.1\r\nHost: a\r\nX-Private-Token: \(token)\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\n"
                    + "Content-Length: \(form.utf8.count)\r\n\r\n\(form)"
            )
            let push = try #require(try client.readResponse()).status
            return Served(ready: ready, push: push, log: copy.logged)
        }
    }

    /// Runs the binary until it exits (a refused configuration exits before it binds) and returns its stderr. A
    /// copy that boots instead is killed after 10 s and fails the test rather than hang it.
    private func runToExit(_ environment: [String: String]) async throws -> (status: Int32, stderr: String) {
        try await onOwnThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: AcceptanceEnvironment.binary!)
            process.arguments = ["-listen-address", "127.0.0.1", "-port", "0", "-log-format", "json"]
            process.environment = environment
            let standardError = Pipe()
            process.standardError = standardError
            try process.run()
            for _ in 0..<100 where process.isRunning { Thread.sleep(forTimeInterval: 0.1) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                let logged = String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                throw TestFailure("still running 10 s after start, want exit 2: \(logged)")
            }
            let logged = String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, logged)
        }
    }

    /// The JSON log line with message `message`, if any.
    private func line(_ message: String, in log: String) -> Substring? {
        log.split(separator: "\n").first { $0.contains(#""msg":"\#(message)""#) }
    }

    private func temporaryFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "delivery-metrics-token-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func stripsATrailingNewlineThenMatchesTheToken() async throws {
        let served = try await pushToCopy(["AUTH_TOKEN": Self.token + "\n"])
        #expect(served.ready == 200)
        #expect(served.push == 200)
        let warning = try #require(line("token: trailing line break stripped", in: served.log), "\(served.log)")
        #expect(warning.contains(#""level":"warn"#) && warning.contains(#""variable":"AUTH_TOKEN""#), "\(warning)")
        #expect(!served.log.contains(Self.token))
    }

    @Test func stripsACarriageReturnAndNewlineFromAWebhookToken() async throws {
        let outcome = try await onOwnThread { () -> (Int, Int, String) in
            let copy = try ServedCopy(environment: [
                "AUTH_TOKEN": Self.token, "JOB_WEBHOOK_RELEASE_TOOLS_OPS_TOKEN": Self.webhookToken + "\r\n",
            ])
            defer { copy.kill() }
            let body =
                #"{"object_kind":"build","build_id":9300001,"build_status":"created","build_name":"deploy","#
                + #""retries_count":0,"pipeline_id":4242,"ref":"17.6.202411011200+aaaaaaaaaaa.bbbbbbbbbbb","#
                + #""tag":true,"build_duration":null}"#
            func deliver(_ token: String) throws -> Int {
                let client = try RawHTTPClient(port: copy.port)
                try client.send(
                    "POST \(Self.releaseTools) HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                        + "X-Gitlab-Event: Job Hook\r\nX-Gitlab-Token: \(token)\r\n"
                        + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
                )
                return try #require(try client.readResponse()).status
            }
            return (try deliver(Self.webhookToken), try deliver(Self.token), copy.logged)
        }
        #expect(outcome.0 == 200)
        #expect(outcome.1 == 401)
        let warning = try #require(line("token: trailing line break stripped", in: outcome.2), "\(outcome.2)")
        #expect(warning.contains(#""variable":"JOB_WEBHOOK_RELEASE_TOOLS_OPS_TOKEN""#), "\(warning)")
    }

    @Test func readsTheTokenFromAFileWithATrailingNewline() async throws {
        let path = try temporaryFile(Self.token + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let served = try await pushToCopy(["AUTH_TOKEN_FILE": path])
        #expect(served.ready == 200)
        #expect(served.push == 200)
        #expect(line("token: trailing line break stripped", in: served.log)?.contains("AUTH_TOKEN_FILE") == true)
        #expect(!served.log.contains(Self.token))
    }

    @Test func bootsAShortTokenWithAWarning() async throws {
        let served = try await pushToCopy(["AUTH_TOKEN": "short-token"], token: "short-token")
        #expect(served.ready == 200)
        #expect(served.push == 200)
        let warning = try #require(
            line("token shorter than 16 bytes: easy to guess, use a long random one", in: served.log),
            "\(served.log)"
        )
        #expect(warning.contains(#""variable":"AUTH_TOKEN""#))
        #expect(!served.log.contains("short-token"))
    }

    @Test(arguments: [
        "secret token", "secret-token-0123456789 ", "secret\ttoken-0123456789", "sécret-token-0123456789",
    ])
    func refusesATokenNoHeaderCanCarryNamingTheVariableNotTheValue(value: String) async throws {
        let run = try await runToExit(["AUTH_TOKEN": value])
        #expect(run.status == 2)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("delivery-metrics: AUTH_TOKEN: the token holds "), "\(run.stderr)")
        #expect(!run.stderr.contains("secret") && !run.stderr.contains("sécret"), "\(run.stderr)")
    }

    @Test func refusesThePlaceholderOfTheShippedSecret() async throws {
        let manifest = try AcceptanceHTTP.repositoryFile("deploy/kubernetes/secret.yaml")
        let entry = try #require(manifest.split(separator: "\n").first { $0.hasPrefix("  AUTH_TOKEN: ") })
        let placeholder = String(entry.dropFirst("  AUTH_TOKEN: ".count))
        for environment in [
            ["AUTH_TOKEN": placeholder], ["AUTH_TOKEN": Self.token, "JOB_WEBHOOK_CNG_DEV_TOKEN": placeholder],
        ] {
            let run = try await runToExit(environment)
            #expect(run.status == 2)
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
            #expect(run.stderr.contains("placeholder") && run.stderr.contains("deploy/kubernetes/secret.yaml"))
            #expect(run.stderr.contains(environment.count == 1 ? "AUTH_TOKEN" : "JOB_WEBHOOK_CNG_DEV_TOKEN"))
        }
    }

    @Test func refusesAnUnreadableTokenFileNamingTheVariableAndThePath() async throws {
        let missing = NSTemporaryDirectory() + "delivery-metrics-no-such-token-\(getpid())"
        let run = try await runToExit(["AUTH_TOKEN_FILE": missing])
        #expect(run.status == 2)
        #expect(
            run.stderr
                == "delivery-metrics: AUTH_TOKEN_FILE \"\(missing)\": cannot open it: No such file or directory\n"
        )
    }

    @Test func refusesATokenAndItsFileBothSet() async throws {
        let path = try temporaryFile(Self.token + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try await runToExit([
            "AUTH_TOKEN": Self.token, "DELIVERY_METRICS_OPS_TOKEN": Self.token,
            "DELIVERY_METRICS_OPS_TOKEN_FILE": path,
        ])
        #expect(run.status == 2)
        #expect(
            run.stderr
                == "delivery-metrics: both DELIVERY_METRICS_OPS_TOKEN and DELIVERY_METRICS_OPS_TOKEN_FILE are set: "
                + "set only one\n"
        )
    }
}
