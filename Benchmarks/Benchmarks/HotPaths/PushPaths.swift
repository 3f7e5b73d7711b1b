@_spi(Harness) import DeliveryMetrics
import Logging
import Loop

/// The push path, one stage at a time, for `make micro-bench`: each method runs one stage
/// once on state made at init, so a benchmark measures, and counts the mallocs of, exactly that stage. The series
/// pushed to exists before the first run, as on a service that has been up for a while.
final class PushPaths {
    private let loop: EventLoop
    private let application: Application
    private let family: MetricFamily
    private let pushBytes: [UInt8]
    private let request: Request
    private let labelValues = ["coordinator_pipeline", "success"]
    private var output: [UInt8] = []
    /// One parser for every run, as one keep-alive connection has: its buffers are reused from request to request.
    private var parser = RequestParser()
    private var floatText = [UInt8](repeating: 0, count: 64)

    init() throws {
        loop = try EventLoop()
        var configuration = Configuration()
        configuration.authToken = "bench-token"
        configuration.accessLog = false
        application = Application(
            configuration: configuration,
            loop: loop,
            sink: LogSink(),
            logger: Logger(label: "hot-paths")
        )
        // The metric the push below writes to, found as the push API finds it.
        guard let pushed = application.registry.family(named: "deployment_duration_seconds") else {
            fatalError("the push benchmark's metric is missing from the catalogue")
        }
        family = pushed
        let body = "value=14400&labels=coordinator_pipeline,success"
        pushBytes = Array(
            ("POST /api/deployment_duration_seconds/observe HTTP/1.1\r\nHost: 127.0.0.1:2112\r\n"
                + "User-Agent: curl/7.88.1\r\nAccept: */*\r\nX-Private-Token: bench-token\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                + body).utf8
        )
        var parser = RequestParser()
        parser.feed(pushBytes)
        guard case .head = parser.next(), case .request(let request) = parser.next() else {
            fatalError("the canned push request does not parse")
        }
        self.request = request
        guard PushRequest.readFromBytes(request, needsValue: true, labelCount: 2) != nil else {
            fatalError("the canned push is not read from its bytes, as the push path reads it")
        }
        try family.apply(.observe, labelValues: labelValues, value: 1, now: 0)
        output.reserveCapacity(4096)
    }

    deinit {
        _ = loop.close()
    }

    /// Stage 1: bytes to a request (head and body), on the parser of a connection that has served pushes before.
    func parsePushRequest() -> Int {
        parser.feed(pushBytes)
        var parsed = 0
        while let event = parser.next() {
            if case .request(let request) = event { parsed += request.body.count }
        }
        return parsed
    }

    /// Stage 2: the form body to `value` and `labels`, read from its bytes as the push path reads it.
    func decodePushForm() -> Int {
        PushRequest.readFromBytes(request, needsValue: true, labelCount: 2)?.labelCount ?? -1
    }

    /// Stage 2, the general way: the decoder a form the byte reading leaves (multipart, escapes beyond its reach)
    /// goes through.
    func decodePushFormGenerally() throws -> Int {
        let push = try PushRequest(request, operation: .observe, labelCount: 2)
        return push.labelValues.count
    }

    /// Stage 3: label validation and series lookup, then one histogram observation into that series.
    func observe() throws {
        try family.apply(.observe, labelValues: labelValues, value: 14_400, now: 0)
    }

    /// Stage 4: a Go float as bytes, as the push's answer writes it.
    func formatFloat(_ value: Double) -> Int {
        floatText.withUnsafeMutableBufferPointer { GoFloat.write(value, to: $0.baseAddress!) }
    }

    /// The whole push without the socket: route, screen (token, metric, operation), handle, and the answer's bytes.
    func push() -> Int {
        let responder = Responder(detachedFor: request.head)
        Self.drive(application.handler, request, responder)
        guard let response = responder.response else { return 0 }
        output.removeAll(keepingCapacity: true)
        ResponseWriter.write(
            response,
            keepAlive: true,
            version: .http11,
            omitBody: false,
            date: "Wed, 25 Nov 2026 00:00:00 GMT",
            into: &output
        )
        return response.status == 200 ? output.count : -response.status
    }

    /// What `push` makes for each run besides the push itself: a responder on no connection (a connection reuses
    /// the responder of its last sent answer instead).
    func detachedResponder() -> Bool {
        Responder(detachedFor: request.head).hasResponded
    }

    /// Screens and handles as the server does, through the layer's own types (opened from the existential once).
    private static func drive(_ handler: some HTTPHandler, _ request: Request, _ responder: Responder) {
        switch handler.screen(request.head, responder: responder) {
        case .refuse(let refusal): responder.respond(refusal)
        case .accept(let screened): handler.handle(request, screened: screened, responder: responder)
        }
    }
}
