import Foundation
import TestSupport
import Testing

/// Starts its own copies of the binary: flags, exit statuses and the SIGTERM drain.
@Suite("Binary process", .enabled(if: AcceptanceEnvironment.binary != nil))
struct ProcessAcceptanceTests {
    private struct Run: Sendable {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    private func run(_ arguments: [String], environment: [String: String]) async throws -> Run {
        try await onOwnThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: AcceptanceEnvironment.binary!)
            process.arguments = arguments
            process.environment = environment
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Run(
                status: process.terminationStatus,
                stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: stderr, as: UTF8.self)
            )
        }
    }

    @Test func printsHelpAndExitsZero() async throws {
        let result = try await run(["--help"], environment: [:])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--port"))
        #expect(result.stdout.contains("AUTH_TOKEN"))
    }

    @Test(arguments: [
        ([], [:], "AUTH_TOKEN"),
        ([], ["AUTH_TOKEN": ""], "AUTH_TOKEN"),
        (["-port", "nope"], ["AUTH_TOKEN": "t"], "-port"),
        (["--frobnicate"], ["AUTH_TOKEN": "t"], "--frobnicate"),
    ])
    func refusesToStartWithOneLineAndStatusTwo(
        arguments: [String],
        environment: [String: String],
        names: String
    )
        async throws
    {
        let result = try await run(arguments, environment: environment)
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.stderr.contains(names))
    }

    @Test func drainsARequestInFlightOnSIGTERMThenExitsZero() async throws {
        let outcome = try await onOwnThread { () -> (Int32, Int, String) in
            let copy = try ServedCopy(environment: ["AUTH_TOKEN": "t"])
            let process = copy.process
            let port = copy.port
            defer { if process.isRunning { copy.kill() } }

            let client = try RawHTTPClient(port: port)
            try client.send("GET /-/healthy HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nhal")
            Thread.sleep(forTimeInterval: 0.2)
            kill(process.processIdentifier, SIGTERM)
            Thread.sleep(forTimeInterval: 0.2)
            #expect(process.isRunning, "the process waits for the request in flight")
            try client.send("f!")
            Thread.sleep(forTimeInterval: 0.05)
            try client.send("!")
            let response = try #require(try client.readResponse())
            // Bounded: a process that ignores SIGTERM fails the test instead of hanging it.
            for _ in 0..<150 where process.isRunning { Thread.sleep(forTimeInterval: 0.1) }
            guard !process.isRunning else { throw TestFailure("still running 15 s after SIGTERM") }
            return (process.terminationStatus, response.status, copy.readRestOfLog())
        }
        #expect(outcome.0 == 0)
        #expect(outcome.1 == 200)
        #expect(outcome.2.contains(#""msg":"shutting down""#))
        #expect(outcome.2.contains(#""msg":"stopped""#))
    }
}
