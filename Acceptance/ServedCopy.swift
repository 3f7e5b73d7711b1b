import Foundation
import TestSupport

/// A copy of the binary started by a test on 127.0.0.1 and a port the kernel picks, found from its JSON boot line.
final class ServedCopy {
    let process = Process()
    let port: Int
    private let standardError = Pipe()
    /// What the copy logged up to its boot line.
    private(set) var logged = ""

    /// `arguments` come after the address, port and log format, so a test can add flags (or override those).
    init(environment: [String: String], arguments: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: AcceptanceEnvironment.binary!)
        process.arguments = ["-listen-address", "127.0.0.1", "-port", "0", "-log-format", "json"] + arguments
        process.environment = environment
        process.standardError = standardError
        try process.run()
        while !logged.contains("\"address\"") {
            let chunk = standardError.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw TestFailure("no boot line: \(logged)") }
            logged += String(decoding: chunk, as: UTF8.self)
        }
        guard let match = logged.firstMatch(of: /"address":"127\.0\.0\.1:(\d+)"/), let port = Int(match.1) else {
            throw TestFailure("no address in the boot line: \(logged)")
        }
        self.port = port
    }

    /// Everything logged after the boot line, up to the copy's exit.
    func readRestOfLog() -> String {
        logged += String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return logged
    }

    /// SIGKILL: a child started from a test thread inherits its blocked signals.
    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Runs `body` on a thread of its own against a fresh copy started with `arguments`, and kills the copy after.
func withServedCopy<T: Sendable>(
    _ arguments: [String] = [],
    environment: [String: String] = WellBehavedClient.environment,
    _ body: @escaping @Sendable (ServedCopy) throws -> T
) async throws -> T {
    try await onOwnThread {
        let copy = try ServedCopy(environment: environment, arguments: arguments)
        defer { copy.kill() }
        return try body(copy)
    }
}
