import Foundation
import TestSupport

/// `openssl s_server` with a fresh self-signed certificate for 127.0.0.1, answering every request with 200.
final class TLSServer: Sendable {
    let port: Int
    let certificatePath: String
    private let process: Process
    private let directory: URL

    private init(port: Int, certificatePath: String, process: Process, directory: URL) {
        self.port = port
        self.certificatePath = certificatePath
        self.process = process
        self.directory = directory
    }

    static func start() async throws -> TLSServer? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else { return nil }
        return try await onOwnThread {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let certificate = directory.appendingPathComponent("cert.pem").path
            let key = directory.appendingPathComponent("key.pem").path
            let generate = Process()
            generate.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            generate.arguments = [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
            ]
            generate.standardError = FileHandle.nullDevice
            try generate.run()
            generate.waitUntilExit()
            guard generate.terminationStatus == 0 else { throw TestFailure("openssl req failed") }
            for _ in 0..<5 {
                let port = Int.random(in: 20_000..<60_000)
                let server = Process()
                server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
                server.arguments = [
                    "s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", key, "-www", "-quiet",
                ]
                server.standardOutput = FileHandle.nullDevice
                server.standardError = FileHandle.nullDevice
                server.standardInput = Pipe()
                try server.run()
                for _ in 0..<50 {
                    // Another process may own the port (s_server then exits at once): a connection counts only
                    // while this server still runs.
                    if (try? RawHTTPClient(port: port, timeoutSeconds: 1)) != nil, server.isRunning {
                        Thread.sleep(forTimeInterval: 0.1)
                        guard server.isRunning else { break }
                        return TLSServer(
                            port: port,
                            certificatePath: certificate,
                            process: server,
                            directory: directory
                        )
                    }
                    if !server.isRunning { break }
                    Thread.sleep(forTimeInterval: 0.05)
                }
                kill(server.processIdentifier, SIGKILL)
                server.waitUntilExit()
            }
            throw TestFailure("openssl s_server did not start")
        }
    }

    func stop() {
        // SIGKILL: a child started from a test thread inherits its blocked signals, so SIGTERM may never arrive.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}
