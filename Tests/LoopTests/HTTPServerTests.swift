import Foundation
import Loop
import Synchronization
import TestSupport
import Testing

/// The server end to end, over real sockets on an ephemeral port.
@Suite("HTTP server")
struct HTTPServerTests {
    private func get(_ path: String, extra: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nHost: test\r\n\(extra)\r\n"
    }

    @Test func keepsAConnectionAliveAcrossRequests() async throws {
        let server = try await LoopThread.server()
        try await onOwnThread { [port = server.port] in
            let client = try RawHTTPClient(port: port)
            for index in 0..<3 {
                try client.send(get("/n\(index)"))
                let response = try #require(try client.readResponse())
                #expect(response.status == 200)
                #expect(response.text == "hello /n\(index)")
                #expect(response.header("Connection") == nil)
                #expect(response.header("Date") != nil)
            }
        }
        #expect(try await server.stop() == 0)
    }

    @Test func closesWhenTheClientAsks() async throws {
        let server = try await LoopThread.server()
        try await onOwnThread { [port = server.port] in
            let client = try RawHTTPClient(port: port)
            try client.send(get("/", extra: "Connection: close\r\n"))
            let response = try #require(try client.readResponse())
            #expect(response.header("Connection") == "close")
            #expect(client.waitForClose())
        }
        #expect(try await server.stop() == 0)
    }

    @Test func closesHTTP10UnlessItAsksForKeepAlive() async throws {
        let server = try await LoopThread.server()
        try await onOwnThread { [port = server.port] in
            let plain = try RawHTTPClient(port: port)
            try plain.send("GET / HTTP/1.0\r\n\r\n")
            #expect(try plain.readResponse()?.status == 200)
            #expect(plain.waitForClose())

            let keepAlive = try RawHTTPClient(port: port)
            try keepAlive.send("GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try keepAlive.readResponse()?.header("Connection") == "keep-alive")
            try keepAlive.send("GET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try keepAlive.readResponse()?.text == "hello /2")
        }
        #expect(try await server.stop() == 0)
    }

    @Test func answersHeadWithoutABody() async throws {
        let server = try await LoopThread.server()
        try await onOwnThread { [port = server.port] in
            let client = try RawHTTPClient(port: port)
            try client.send("HEAD /big/100 HTTP/1.1\r\nHost: t\r\n\r\n" + get("/after"))
            let head = try #require(try client.readResponse(isHead: true))
            #expect(head.header("Content-Length") == "100")
            #expect(head.body.isEmpty)
            #expect(try client.readResponse()?.text == "hello /after")
        }
        #expect(try await server.stop() == 0)
    }

    @Test func sendsDeferredResponsesInRequestOrder() async throws {
        let server = try await LoopThread.server()
        try await onOwnThread { [port = server.port] in
            let client = try RawHTTPClient(port: port)
            try client.send(get("/defer/150") + get("/now") + get("/defer/20") + get("/last"))
            let bodies = try (0..<4).map { _ in try #require(try client.readResponse()).text }
            #expect(bodies == ["deferred 150", "hello /now", "deferred 20", "hello /last"])
        }
        #expect(try await server.stop() == 0)
    }

    @Test func echoesBodiesSentInPiecesAndChunked() async throws {
        let server = try await LoopThread.server()
        try await onOwnThread { [port = server.port] in
            let client = try RawHTTPClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello")
            Thread.sleep(forTimeInterval: 0.05)
            try client.send(" there")
            #expect(try client.readResponse()?.text == "hello there")

            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
            Thread.sleep(forTimeInterval: 0.05)
            try client.send("2\r\nde\r\n0\r\n\r\n")
            #expect(try client.readResponse()?.text == "abcde")
        }
        #expect(try await server.stop() == 0)
    }

    @Test func sendsContinueOnlyWhenTheHeadIsAccepted() async throws {
        let server = try await LoopThread.server()
        try await onOwnThread { [port = server.port] in
            let accepted = try RawHTTPClient(port: port)
            try accepted.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            #expect(try accepted.readResponse()?.status == 100)
            try accepted.send("body")
            let response = try #require(try accepted.readResponse())
            #expect(response.status == 200)
            #expect(response.text == "body")

            let refused = try RawHTTPClient(port: port)
            try refused.send("POST /refuse HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            let refusal = try #require(try refused.readResponse())
            #expect(refusal.status == 403)
            #expect(refusal.text == "refused at the head\n")
            #expect(refusal.header("Connection") == "close")
            #expect(refused.waitForClose())
        }
        #expect(try await server.stop() == 0)
    }

    @Test func keepsTheConnectionWhenARefusedRequestHasNoBody() async throws {
        let server = try await LoopThread.server()
        try await onOwnThread { [port = server.port] in
            let client = try RawHTTPClient(port: port)
            try client.send(get("/refuse") + get("/next"))
            #expect(try client.readResponse()?.status == 403)
            #expect(try client.readResponse()?.text == "hello /next")
        }
        #expect(try await server.stop() == 0)
    }

    @Test func answersLimitsAndMalformedRequestsThenCloses() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.limits = HTTPLimits(maxHeadBytes: 512, maxBodyBytes: 64)
        let server = try await LoopThread.server(configuration)
        let cases: [(String, Int)] = [
            ("GET / HTTP/1.1\r\nHost: t\r\nX: \(String(repeating: "a", count: 600))\r\n\r\n", 431),
            ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 65\r\n\r\n", 413),
            ("GARBAGE\r\n\r\n", 400),
            ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: br\r\n\r\n", 501),
        ]
        try await onOwnThread { [port = server.port] in
            for (request, status) in cases {
                let client = try RawHTTPClient(port: port)
                try client.send(request)
                let response = try #require(try client.readResponse())
                #expect(response.status == status)
                #expect(response.header("Connection") == "close")
                #expect(client.waitForClose())
            }
        }
        #expect(try await server.stop() == 0)
    }

    @Test func timesOutASlowHeadWhileServingOthers() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.headTimeoutMilliseconds = 300
        let server = try await LoopThread.server(configuration)
        try await onOwnThread { [port = server.port] in
            let slow = try RawHTTPClient(port: port)
            try slow.send("GET / HTTP/1.1\r\nHost: t\r\n")
            let fast = try RawHTTPClient(port: port)
            for _ in 0..<5 {
                try fast.send(get("/fast"))
                #expect(try fast.readResponse()?.status == 200)
                Thread.sleep(forTimeInterval: 0.02)
            }
            let timedOut = try #require(try slow.readResponse())
            #expect(timedOut.status == 408)
            #expect(slow.waitForClose())
            try fast.send(get("/still"))
            #expect(try fast.readResponse()?.text == "hello /still")
        }
        #expect(try await server.stop() == 0)
    }

    @Test func closesAConnectionWhoseRequestWasCutShort() async throws {
        let server = try await LoopThread.server()
        try await onOwnThread { [port = server.port] in
            let client = try RawHTTPClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab")
            client.shutdownWrite()
            #expect(client.waitForClose(), "the server must not hold a connection whose request can never complete")
        }
        #expect(try await server.stop() == 0)
    }

    @Test func answersInFullAfterTheClientHalfCloses() async throws {
        let server = try await LoopThread.server()
        try await onOwnThread { [port = server.port] in
            let client = try RawHTTPClient(port: port)
            try client.send(get("/big/2000000") + get("/defer/50"))
            client.shutdownWrite()
            #expect(try client.readResponse()?.body.count == 2_000_000)
            #expect(try client.readResponse()?.text == "deferred 50")
            #expect(client.waitForClose())
        }
        #expect(try await server.stop() == 0)
    }

    @Test func closesIdleConnections() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.idleTimeoutMilliseconds = 200
        let server = try await LoopThread.server(configuration)
        try await onOwnThread { [port = server.port] in
            let client = try RawHTTPClient(port: port)
            try client.send(get("/"))
            #expect(try client.readResponse()?.status == 200)
            let started = Date()
            #expect(client.waitForClose())
            #expect(Date().timeIntervalSince(started) < 5)
        }
        #expect(try await server.stop() == 0)
    }

    @Test func closesConnectionsBeyondTheMaximum() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.maxConnections = 2
        let server = try await LoopThread.server(configuration)
        try await onOwnThread { [port = server.port] in
            let first = try RawHTTPClient(port: port)
            let second = try RawHTTPClient(port: port)
            try first.send(get("/1"))
            try second.send(get("/2"))
            #expect(try first.readResponse()?.status == 200)
            #expect(try second.readResponse()?.status == 200)
            let third = try RawHTTPClient(port: port)
            try? third.send(get("/3"))
            #expect(third.waitForClose())
            try first.send(get("/1again"))
            #expect(try first.readResponse()?.status == 200)
        }
        #expect(try await server.stop() == 0)
    }

    @Test func stopsReadingWhileOutputIsBacklogged() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.maxPendingOutputBytes = 256 * 1024
        let probe = ServerProbe()
        let server = try await LoopThread.server(configuration, probe: probe)
        let requests = 400
        let handledWhileNotReading = try await onOwnThread { [port = server.port] in
            let client = try RawHTTPClient(port: port)
            let request = get("/big/262144")
            try client.send(String(repeating: request, count: requests))
            Thread.sleep(forTimeInterval: 0.5)
            let handled = probe.handled.load(ordering: .relaxed)
            for _ in 0..<requests {
                #expect(try client.readResponse()?.body.count == 262_144)
            }
            return handled
        }
        // Without backpressure all 400 (100 MiB of output) would be handled at once.
        #expect(handledWhileNotReading < 100)
        #expect(probe.handled.load(ordering: .relaxed) == requests)
        #expect(try await server.stop() == 0)
    }

    @Test func servesManyConcurrentConnections() async throws {
        let server = try await LoopThread.server()
        let port = server.port
        let answered = Atomic<Int>(0)
        try await onOwnThread {
            DispatchQueue.concurrentPerform(iterations: 64) { index in
                guard let client = try? RawHTTPClient(port: port) else { return }
                for request in 0..<10 {
                    try? client.send("GET /c\(index)/\(request) HTTP/1.1\r\nHost: t\r\n\r\n")
                    if (try? client.readResponse())??.text == "hello /c\(index)/\(request)" {
                        answered.add(1, ordering: .relaxed)
                    }
                }
            }
        }
        #expect(answered.load(ordering: .relaxed) == 640)
        #expect(try await server.stop() == 0)
    }
}
