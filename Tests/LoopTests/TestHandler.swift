import Loop
import Synchronization
import TestSupport

/// Counters the loop thread writes and the test reads.
final class ServerProbe: Sendable {
    let handled = Atomic<Int>(0)
    let drained = Atomic<Bool>(false)
}

/// A handler with one route per behaviour under test.
final class TestHandler: HTTPHandler {
    let loop: EventLoop
    let probe: ServerProbe

    init(loop: EventLoop, probe: ServerProbe) {
        self.loop = loop
        self.probe = probe
    }

    func screen(_ head: RequestHead, responder: Responder) -> Screening<Void> {
        head.rawPath == "/refuse" ? .refuse(.error(HTTPError(403, "refused at the head"))) : .accept(())
    }

    func handle(_ request: Request, screened: Void, responder: Responder) {
        probe.handled.add(1, ordering: .relaxed)
        let segments = request.head.pathSegments ?? []
        switch segments.first {
        case "echo":
            responder.respond(Response(status: 200, body: request.body))
        case "defer":
            let delay = UInt64(segments.count > 1 ? segments[1] : "50") ?? 50
            Timer.once(on: loop, after: delay) {
                responder.respond(.text(200, "deferred \(delay)"))
            }
        case "big":
            let size = Int(segments.count > 1 ? segments[1] : "1024") ?? 1024
            responder.respond(Response(status: 200, body: [UInt8](repeating: UInt8(ascii: "x"), count: size)))
        default:
            responder.respond(.text(200, "hello \(request.target)"))
        }
    }
}

extension LoopThread {
    /// A server with `TestHandler` on 127.0.0.1 and an ephemeral port.
    static func server(
        _ configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        probe: ServerProbe = ServerProbe()
    ) async throws -> LoopThread {
        try await LoopThread.start { loop in
            let handler = TestHandler(loop: loop, probe: probe)
            let server = HTTPServer(loop: loop, configuration: configuration, handler: handler)
            let address = try server.listen(on: SocketAddress(host: "127.0.0.1", port: 0))
            return Setup(port: address.port) {
                _ = handler
                server.closeAll()
            }
        }
    }
}
