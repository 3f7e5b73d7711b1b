import Foundation
import TestSupport

/// Small helpers over the raw client for tests against the running server.
enum AcceptanceHTTP {
    static func request(_ text: String) async throws -> RawHTTPClient.Response {
        try await onOwnThread {
            let client = try AcceptanceEnvironment.client()
            try client.send(text)
            guard let response = try client.readResponse() else { throw TestFailure("no response to \(text)") }
            return response
        }
    }

    static func metrics() async throws -> String {
        try await request("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n").text
    }

    /// A form-encoded push with the acceptance token.
    static func push(_ metric: String, _ operation: String, _ form: String) async throws -> RawHTTPClient.Response {
        try await request(
            "POST /api/\(metric)/\(operation) HTTP/1.1\r\nHost: a\r\nX-Private-Token: \(AcceptanceEnvironment.token)\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(form.utf8.count)\r\n\r\n\(form)"
        )
    }

    /// Runs a command line through `/bin/sh` with the server's URL and token in the environment.
    static func shell(_ command: String) async throws -> (status: Int32, output: String) {
        try await onOwnThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            var environment = ProcessInfo.processInfo.environment
            environment["DELIVERY_METRICS_URL"] = AcceptanceEnvironment.url
            environment["DELIVERY_METRICS_TOKEN"] = AcceptanceEnvironment.token
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }

    static func repositoryFile(_ path: String) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }
}
