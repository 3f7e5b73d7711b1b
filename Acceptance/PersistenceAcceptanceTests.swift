import Foundation
import TestSupport
import Testing

/// A persistence file the binary cannot use stops it at boot with a clear line and exit status 2, before it
/// answers anything: an orchestrator should not route writes to a process that would lose them.
@Suite("Persistence at boot", .enabled(if: AcceptanceEnvironment.binary != nil))
struct PersistenceAcceptanceTests {
    /// Runs the binary to its exit (it must not start serving); returns the status and what it logged.
    static func runToExit(_ arguments: [String], environment: [String: String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst()) + ["-listen-address", "127.0.0.1", "-port", "0"]
        process.environment = environment
        let standardError = Pipe()
        process.standardError = standardError
        try process.run()
        let logged = String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, logged)
    }

    static func temporaryFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "delivery-metrics-boot-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
        return folder
    }

    @Test func refusesAFolderWhereTheFileShouldBe() async throws {
        try await onOwnThread {
            let folder = try Self.temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try FileManager.default.createDirectory(atPath: folder + "/state", withIntermediateDirectories: false)
            let (status, logged) = try Self.runToExit(
                [AcceptanceEnvironment.binary!],
                environment: ["AUTH_TOKEN": "t", "DELIVERY_METRICS_PERSISTENCE_FILE": folder + "/state"]
            )
            #expect(status == 2)
            #expect(logged.contains("\(folder)/state") && logged.contains("Is a directory"), "\(logged)")
        }
    }

    /// Root ignores file permissions, so the binary runs as nobody (setpriv) against a folder only root may write.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func refusesAFolderItCannotWriteTo() async throws {
        try await onOwnThread {
            let folder = try Self.temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            // A copy nobody may execute: the build folder may sit under a private temporary folder.
            let binary = folder + "/delivery-metrics"
            try FileManager.default.copyItem(atPath: AcceptanceEnvironment.binary!, toPath: binary)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary)
            // Another test's fork may hold the copy's write descriptor for a moment (until its child
            // execs), and exec then fails with ETXTBSY; that is the copy's race, not the binary's answer.
            var (status, logged) = (Int32(0), "")
            for attempt in 1...50 {
                (status, logged) = try Self.runToExit(
                    ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binary],
                    environment: ["AUTH_TOKEN": "t", "DELIVERY_METRICS_PERSISTENCE_FILE": folder + "/state"]
                )
                guard status == 126, logged.contains("Text file busy"), attempt < 50 else { break }
                usleep(20_000)
            }
            #expect(status == 2, "\(logged)")
            #expect(logged.contains("Permission denied") && logged.contains("\(folder)/state"), "\(logged)")
        }
    }
}
