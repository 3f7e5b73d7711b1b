import Foundation
import TestSupport
import Testing

/// Redeliveries across restarts, against copies of the release binary on one persistence file: a delivery counted
/// before a `kill -9` (journal replay) or a SIGTERM (snapshot) is a duplicate after it, and the same build number
/// from two sources counts for each.
@Suite("Webhook redelivery across restarts", .enabled(if: AcceptanceEnvironment.binary != nil))
struct WebhookRedeliveryAcceptanceTests {
    static let releaseTools = "/webhooks/job/ops/gitlab-org/release/tools"
    static let omnibus = "/webhooks/job/dev/gitlab/omnibus-gitlab"
    static let releaseToolsToken = "release-tools-redelivery-token"
    static let omnibusToken = "omnibus-gitlab-redelivery-token"

    static func copy(_ file: String) throws -> ServedCopy {
        try ServedCopy(environment: [
            "AUTH_TOKEN": "redelivery-auth-token", "DELIVERY_METRICS_PERSISTENCE_FILE": file,
            "DELIVERY_METRICS_ACCESS_LOG": "false", "JOB_WEBHOOK_RELEASE_TOOLS_OPS_TOKEN": releaseToolsToken,
            "JOB_WEBHOOK_OMNIBUS_GITLAB_DEV_TOKEN": omnibusToken,
        ])
    }

    /// The `created` event of build 4242's retry, as each source would send it.
    static func deliver(_ route: String, token: String, to port: Int) throws -> String {
        let body =
            #"{"object_kind":"build","build_id":4242,"build_status":"created","build_name":"redelivered-deploy","#
            + #""retries_count":1,"pipeline_id":77,"ref":"17.6.202411011200+aaaaaaaaaaa.bbbbbbbbbbb","tag":true}"#
        let client = try RawHTTPClient(port: port)
        try client.send(
            "POST \(route) HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nX-Gitlab-Event: Job Hook\r\n"
                + "X-Gitlab-Token: \(token)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        )
        let response = try #require(try client.readResponse())
        #expect(response.status == 200, "\(response.text)")
        return response.text
    }

    static func exposition(_ port: Int) throws -> String {
        let client = try RawHTTPClient(port: port)
        try client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
        return try client.readResponse()?.text ?? ""
    }

    static func retries(_ project: String, in exposition: String) -> String? {
        let name = #"delivery_webhooks_auto_deploy_job_retries{job_name="redelivered-deploy",project="\#(project)"} "#
        return exposition.split(separator: "\n").first { $0.hasPrefix(name) }.map { String($0.dropFirst(name.count)) }
    }

    @Test func countsARedeliveryOnceAcrossKill9AndSIGTERM() async throws {
        try await onOwnThread {
            let folder =
                NSTemporaryDirectory() + "delivery-metrics-redelivery-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let file = folder + "/state"

            let first = try Self.copy(file)
            defer { first.kill() }
            #expect(try Self.deliver(Self.releaseTools, token: Self.releaseToolsToken, to: first.port) == "counted\n")
            // The same build number on the other instance is another job.
            #expect(try Self.deliver(Self.omnibus, token: Self.omnibusToken, to: first.port) == "counted\n")
            first.kill()

            // Back from the journal.
            let second = try Self.copy(file)
            defer { second.kill() }
            #expect(
                try Self.deliver(Self.releaseTools, token: Self.releaseToolsToken, to: second.port) == "duplicate\n"
            )
            #expect(try Self.deliver(Self.omnibus, token: Self.omnibusToken, to: second.port) == "duplicate\n")
            kill(second.process.processIdentifier, SIGTERM)
            _ = second.readRestOfLog()
            second.process.waitUntilExit()
            #expect(second.process.terminationStatus == 0)

            // And after a clean stop; the boot before folded the journal, keys included, into a snapshot.
            let third = try Self.copy(file)
            defer { third.kill() }
            #expect(try Self.deliver(Self.releaseTools, token: Self.releaseToolsToken, to: third.port) == "duplicate\n")
            let metrics = try Self.exposition(third.port)
            #expect(Self.retries("gitlab-org/release/tools", in: metrics) == "1", "\(metrics)")
            #expect(Self.retries("gitlab/omnibus-gitlab", in: metrics) == "1", "\(metrics)")
            third.kill()
        }
    }
}
