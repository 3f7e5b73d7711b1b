import Foundation
import Logging
import Loop
import TestSupport
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// The service's own routes and its shutdown, served on a loop of its own over real sockets.
@Suite("Application")
struct ApplicationTests {
    /// Starts the application on 127.0.0.1 and an ephemeral port, logging JSON to `logPath`.
    private func start(
        logPath: String,
        accessLog: Bool = true,
        headTimeoutMilliseconds: UInt64 = 10_000
    ) async throws -> LoopThread {
        try await LoopThread.start { loop in
            var configuration = Configuration()
            configuration.listenAddress = "127.0.0.1"
            configuration.port = 0
            configuration.authToken = "token"
            configuration.logFormat = .json
            configuration.accessLog = accessLog
            configuration.gracefulTimeoutSeconds = 5
            configuration.http.headTimeoutMilliseconds = headTimeoutMilliseconds
            let descriptor = open(logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            let sink = LogSink(descriptor: descriptor)
            var logger = Logger(label: "test") { _ in
                LoopLogHandler(sink: sink, formatter: LogFormatter(format: .json))
            }
            logger.logLevel = .info
            let application = Application(configuration: configuration, loop: loop, sink: sink, logger: logger)
            let address = try application.start()
            return LoopThread.Setup(port: address.port) {
                application.beginShutdown(reason: "SIGTERM")
            }
        }
    }

    private func temporaryLog() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("dm-\(UUID().uuidString).log").path
    }

    @Test func answersHealthAndReadiness() async throws {
        let log = temporaryLog()
        let server = try await start(logPath: log)
        try await onOwnThread { [port = server.port] in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /-/healthy HTTP/1.1\r\nHost: t\r\n\r\nGET /-/ready HTTP/1.1\r\nHost: t\r\n\r\n")
            let healthy = try #require(try client.readResponse())
            #expect(healthy.status == 200)
            #expect(healthy.text == "OK\n")
            #expect(try client.readResponse()?.status == 200)
        }
        #expect(try await server.stop() == 0)
    }

    @Test func servesVersionAndProcessMetrics() async throws {
        let server = try await start(logPath: temporaryLog())
        let body = try await onOwnThread { [port = server.port] () -> String in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try #require(try client.readResponse())
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            try client.send("HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
            let head = try #require(try client.readResponse(isHead: true))
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            return response.text
        }
        #expect(body.contains("delivery_version_info{build_date=\"Unknown\",revision=\"Development\"} 0\n"))
        for name in [
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
            "process_open_fds", "process_max_fds", "process_start_time_seconds",
        ] {
            #expect(body.contains("# TYPE \(name) "), "missing \(name)")
        }
        let resident = body.split(separator: "\n").first { $0.hasPrefix("process_resident_memory_bytes ") }
        #expect(Double(resident?.split(separator: " ").last ?? "") ?? 0 > 1_000_000)
        #expect(try await server.stop() == 0)
    }

    @Test func refusesUnknownRoutesAndMethodsWithOneLine() async throws {
        let server = try await start(logPath: temporaryLog())
        try await onOwnThread { [port = server.port] in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n")
            let notFound = try #require(try client.readResponse())
            #expect(notFound.status == 404)
            #expect(notFound.text == "no route for GET /nope\n")
            try client.send("DELETE /metrics HTTP/1.1\r\nHost: t\r\n\r\n")
            let notAllowed = try #require(try client.readResponse())
            #expect(notAllowed.status == 405)
            #expect(notAllowed.header("Allow") == "GET, HEAD")
            try client.send("GET /a%zz HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse()?.status == 400)
        }
        #expect(try await server.stop() == 0)
    }

    @Test func writesOneAccessLineAPerRequestInLabkitFields() async throws {
        let log = temporaryLog()
        let server = try await start(logPath: log)
        try await onOwnThread { [port = server.port] in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /-/healthy?x=1 HTTP/1.1\r\nHost: t\r\nUser-Agent: probe/1\r\n\r\n")
            _ = try client.readResponse()
        }
        #expect(try await server.stop() == 0)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let access = try #require(lines.first { $0.contains(#""msg":"access""#) })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(access.utf8)) as? [String: Any])
        #expect(object["method"] as? String == "GET")
        #expect(object["uri"] as? String == "/-/healthy?x=1")
        #expect(object["status"] as? Int == 200)
        #expect(object["remote_ip"] as? String == "127.0.0.1")
        #expect(object["user_agent"] as? String == "probe/1")
        #expect(object["duration_s"] is Double)
        #expect(object["level"] as? String == "info")
        #expect(object["time"] is String)
        #expect(lines.contains { $0.contains(#""msg":"delivery-metrics started""#) })
        #expect(lines.contains { $0.contains(#""msg":"stopped""#) })
    }

    @Test func finishesARequestInFlightOnShutdownAndTurnsNotReady() async throws {
        // The head stays half-sent across the shutdown; under ASan on a loaded machine that took more than the
        // default 10 s once, and the server rightly answered 408.
        let server = try await start(logPath: temporaryLog(), headTimeoutMilliseconds: 120_000)
        let port = server.port
        let (client, idle) = try await onOwnThread {
            let idle = try RawHTTPClient(port: port)
            try idle.send("GET /-/healthy HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try idle.readResponse()
            let client = try RawHTTPClient(port: port)
            try client.send("GET /-/ready HTTP/1.1\r\nHost: t\r\n")
            Thread.sleep(forTimeInterval: 0.1)
            return (UncheckedBox(client), UncheckedBox(idle))
        }
        server.requestStop()
        try await onOwnThread {
            #expect(idle.value.waitForClose(), "an idle connection closes at once")
            Thread.sleep(forTimeInterval: 0.1)
            try client.value.send("\r\n")
            let response = try #require(try client.value.readResponse())
            #expect(response.status == 503)
            #expect(response.header("Connection") == "close")
            #expect(client.value.waitForClose())
        }
        #expect(try await server.join() == 0)
    }
}

/// Hands a test's blocking client from one helper thread to the next; only one thread uses it at a time.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
