import Glibc
import Logging
import Loop

/// The service: owns the loop's state (server, routes, signal watchers, log flushing) and answers requests.
///
/// Everything here runs on the loop thread; this object is the one root that all mutable state hangs off.
final class Application: HTTPHandler {
    typealias Handler = (Request, [String: String]) -> Response

    /// A route matched while screening a head, kept on the responder for `handle`.
    private final class MatchedRoute {
        let handler: Handler
        let parameters: [String: String]
        let template: String

        init(handler: @escaping Handler, parameters: [String: String], template: String) {
            self.handler = handler
            self.parameters = parameters
            self.template = template
        }
    }

    let configuration: Configuration
    let loop: EventLoop
    let logger: Logger
    let sink: LogSink
    let registry: Registry
    let instrumentation: Instrumentation
    let webhooks: JobWebhookReceiver
    private let catalogueJSON: [UInt8]
    private var router = Router<Handler>()
    private var expiryTimer: Timer?
    private var opsClient: HTTPClient?
    private(set) var pipelinesObserver: PipelinesObserver?
    private var server: HTTPServer!
    private var signalWatchers: [SignalWatcher] = []
    /// The status page as last rendered; nothing from a request enters it.
    private let statusPage: StatusPageCache
    /// Each family's last rendering per format, for `/metrics`.
    let exposition: ExpositionCache
    private var logFlusher: IterationHook?
    private var gracefulDeadline: Timer?
    private(set) var isReady = false
    private var isShuttingDown = false
    /// On when `--persistence-file` is given: writes are answered once on disk.
    private(set) var persistence: Persistence?
    /// 1 once persistence failed: the orchestrator must restart the process on what is really on disk.
    private var exitStatus: Int32 = 0

    init(configuration: Configuration, loop: EventLoop, sink: LogSink, logger: Logger) {
        self.configuration = configuration
        self.loop = loop
        self.sink = sink
        self.logger = logger
        let now = WallClock.now()
        registry = Registry(
            Catalogue.definitions(experiments: Experiments.definitions),
            maxSeriesPerMetric: configuration.maxSeriesPerMetric,
            now: now
        )
        instrumentation = Instrumentation(registry)
        webhooks = JobWebhookReceiver(tokens: configuration.webhookTokens, registry: registry, logger: logger)
        catalogueJSON = Array(CatalogueListing.json(registry.deliveryFamilies).utf8)
        statusPage = StatusPageCache(baseURL: configuration.externalURL)
        exposition = ExpositionCache(registry)
        // As the original: the build's metadata as labels of a counter added 0 at boot.
        registry.family(.versionInfo).store(
            0,
            labelValues: [BuildInfo.buildDate, BuildInfo.revision],
            now: now
        )
        registry.family(.experimentsTotal).store(Double(Experiments.count), now: now)
        addRoutes()
    }

    private func addRoutes() {
        router.add("GET", "/") { [unowned self] _, _ in statusPage.response(registry) }
        router.add("GET", "/-/healthy") { _, _ in .text(200, "OK\n") }
        router.add("GET", "/-/ready") { [unowned self] _, _ in
            if persistence?.hasFailed == true { return .text(503, "persistence failed\n") }
            return isReady ? .text(200, "OK\n") : .text(503, "shutting down\n")
        }
        router.add("GET", "/metrics") { [unowned self] request, _ in scrape(request) }
        router.add("GET", "/api") { [unowned self] _, _ in
            Response(status: 200, headers: ["Content-Type": "application/json"], body: catalogueJSON)
        }
        router.add("POST", "/api/<metric>/<operation>") { [unowned self] request, parameters in
            push(request, parameters: parameters)
        }
        router.add("DELETE", "/api/<metric>") { [unowned self] request, parameters in
            reset(request, parameters: parameters)
        }
        // One route per enabled webhook source, so the token to expect is known from the route alone.
        for route in webhooks.enabledSources.keys.sorted() {
            router.add("POST", route) { [unowned self] request, _ in
                // A full disk drops the event (GitLab would disable a hook that keeps failing), counted.
                if let persistence, !persistence.hasRoomForWrites {
                    return webhooks.dropForFullDisk(route: route, now: WallClock.now())
                }
                return webhooks.handle(request, route: route, now: WallClock.now())
            }
        }
    }

    /// The configuration's warnings, one line each naming its variable; first of all, as parsing could not log them.
    func logConfigurationWarnings() {
        for warning in configuration.warnings {
            logger.warning("\(warning.message)", metadata: ["variable": "\(warning.variable)"])
        }
    }

    /// Loads the persisted state and starts journaling, when a persistence file is configured. Before `start`.
    func openPersistence() throws(Persistence.Unusable) {
        guard let path = configuration.persistenceFile else { return }
        persistence = try Persistence(
            path: path,
            intervalMilliseconds: configuration.persistenceIntervalMilliseconds,
            registry: registry,
            deduplication: webhooks.deduplication,
            loop: loop,
            logger: logger,
            reservationBytes: configuration.journalReserveBytes
        ) { [unowned self] in
            exitStatus = 1
            isReady = false
            // Already stopping (a signal, or an earlier failure): the drain goes on, so the 503s still go out.
            if !isShuttingDown { beginShutdown(reason: "persistence failed") }
        }
    }

    /// Binds, installs signal handlers and log flushing; the loop does the rest once `run` starts it.
    func start() throws(LoopError) -> SocketAddress {
        logFlusher = IterationHook(loop: loop) { [sink] in sink.flush() }
        server = HTTPServer(loop: loop, configuration: configuration.http, handler: self)
        let address = try bind()
        for signal in [SIGTERM, SIGINT] {
            let watcher = try SignalWatcher(loop: loop, signal: signal) { [unowned self] signal in
                beginShutdown(reason: signal == SIGTERM ? "SIGTERM" : "SIGINT")
            }
            watcher.unref()
            signalWatchers.append(watcher)
        }
        // There is nothing to reload: a stray signal is logged and ignored, never the end of the process.
        for (signal, name) in [(SIGHUP, "SIGHUP"), (SIGUSR1, "SIGUSR1"), (SIGUSR2, "SIGUSR2"), (SIGALRM, "SIGALRM")] {
            let watcher = try SignalWatcher(loop: loop, signal: signal) { [unowned self] _ in
                logger.warning(
                    "signal ignored: only SIGTERM and SIGINT stop the service",
                    metadata: ["signal": "\(name)"]
                )
            }
            watcher.unref()
            signalWatchers.append(watcher)
        }
        startExpiry()
        persistence?.start()
        startPipelinesObserver()
        isReady = true
        logger.info(
            "delivery-metrics started",
            metadata: [
                "version": "\(BuildInfo.version)",
                "revision": "\(BuildInfo.revision)",
                "build_date": "\(BuildInfo.buildDate)",
                "address": "\(address)",
            ]
        )
        let enabled = Set(webhooks.enabledSources.values.map(\.source.projectPath))
        logger.info(
            "job webhook sources",
            metadata: [
                "enabled":
                    "\(WebhookSources.all.filter { enabled.contains($0.projectPath) }.map(\.route).joined(separator: ","))",
                "disabled_unset":
                    "\(WebhookSources.all.filter { !enabled.contains($0.projectPath) }.map(\.tokenVariable).joined(separator: ","))",
            ]
        )
        return address
    }

    /// Drops series past their time-to-live. Once a minute is plenty for lifetimes measured in days.
    private func startExpiry() {
        let timer = Timer(loop: loop)
        timer.start(after: 60_000, every: 60_000) { [unowned self] in
            let expired = registry.expire(now: WallClock.now())
            if expired > 0 { logger.info("expired series", metadata: ["series": "\(expired)"]) }
        }
        timer.unref()
        expiryTimer = timer
    }

    /// The API scraper, when its token is set. curl (and with it OpenSSL) is loaded only then.
    private func startPipelinesObserver() {
        let settings = configuration.pipelinesObserver
        guard !settings.token.isEmpty else {
            logger.info("pipelines observer off: DELIVERY_METRICS_OPS_TOKEN is not set")
            return
        }
        do {
            let client = try HTTPClient(loop: loop, options: settings.clientOptions)
            let observer = PipelinesObserver(
                loop: loop,
                client: client,
                registry: registry,
                logger: logger,
                settings: settings
            )
            opsClient = client
            pipelinesObserver = observer
            observer.start()
            logger.info(
                "pipelines observer on",
                metadata: [
                    "url": "\(settings.baseURL)",
                    "interval_s": "\(settings.intervalMilliseconds / 1000)",
                    "async_dns": "\(HTTPClient.resolvesAsynchronously)",
                ]
            )
        } catch {
            logger.error("pipelines observer cannot start", metadata: ["error": "\(error)"])
        }
    }

    /// All interfaces means `::` (which takes IPv4 too); a host without IPv6 falls back to `0.0.0.0`.
    private func bind() throws(LoopError) -> SocketAddress {
        let port = configuration.port
        if !configuration.listenAddress.isEmpty {
            return try server.listen(on: SocketAddress(host: configuration.listenAddress, port: port))
        }
        do {
            return try server.listen(on: SocketAddress(host: "::", port: port))
        } catch  where error.name == "EAFNOSUPPORT" || error.name == "EADDRNOTAVAIL" {
            return try server.listen(on: SocketAddress(host: "0.0.0.0", port: port))
        }
    }

    /// Runs the loop until shutdown has closed everything; returns the exit status.
    func run() -> Int32 {
        loop.run()
        let status = loop.close()
        if status != 0 {
            logger.error("event loop closed with handles still open", metadata: ["handles": "\(loop.handleCount)"])
        }
        sink.flush()
        return status == 0 ? exitStatus : 1
    }

    /// SIGTERM, SIGINT or a persistence failure: stop accepting, turn `/-/ready` to 503, let requests in flight
    /// finish within the graceful timeout, then close everything. A second signal cuts connections at once.
    func beginShutdown(reason: String) {
        guard !isShuttingDown else {
            logger.warning("second signal: closing connections now", metadata: ["signal": "\(reason)"])
            server.closeAll()
            return
        }
        isShuttingDown = true
        isReady = false
        logger.info(
            "shutting down",
            metadata: [
                "signal": "\(reason)",
                "graceful_timeout_s": "\(configuration.gracefulTimeoutSeconds)",
            ]
        )
        let timeout = UInt64(configuration.gracefulTimeoutSeconds * 1000)
        gracefulDeadline = Timer.once(on: loop, after: timeout) { [unowned self] in
            gracefulDeadline = nil
            logger.warning(
                "graceful timeout reached: closing connections still open",
                metadata: ["connections": "\(server.openConnections)"]
            )
            server.closeAll()
        }
        server.shutdown { [unowned self] in finishShutdown() }
    }

    private func finishShutdown() {
        gracefulDeadline?.close()
        gracefulDeadline = nil
        expiryTimer?.close()
        expiryTimer = nil
        pipelinesObserver?.stop()
        pipelinesObserver = nil
        persistence?.close()
        opsClient?.close()
        opsClient = nil
        for watcher in signalWatchers { watcher.close() }
        signalWatchers = []
        logger.info("stopped")
        sink.flush()
        logFlusher?.close()
        logFlusher = nil
    }

    // MARK: - HTTPHandler

    func screen(_ head: RequestHead, responder: Responder) -> Response? {
        if head.target == "*" {
            // `OPTIONS *` (the parser lets `*` through for OPTIONS only) asks about the server as a whole.
            return Response(status: 200, headers: ["Allow": "GET, HEAD, POST, DELETE, OPTIONS"])
        }
        for name in ["X-Private-Token", "Authorization"] where head.headers.values(name).count > 1 {
            return .error(HTTPError(400, "more than one \(name) header"))
        }
        // Only pushes and webhooks (POST) take a body; any other route drops one unread.
        responder.discardsBody = head.method != "POST"
        guard let segments = head.pathSegments else {
            return .error(HTTPError(400, "malformed percent-encoding in path"))
        }
        if persistence?.hasFailed == true, head.method != "GET", head.method != "HEAD" {
            return .error(HTTPError(503, "persistence failed; the service is restarting"))
        }
        switch router.match(method: head.method, segments: segments) {
        case .found(let handler, let parameters, let template):
            responder.route = template
            if template.hasPrefix("/api"), let refusal = screenAPI(head, parameters: parameters) {
                return refuse(refusal, head)
            }
            if template.hasPrefix("/webhooks/"),
                let refusal = webhooks.screen(head, route: template, now: WallClock.now())
            {
                return .error(refusal)
            }
            responder.context = MatchedRoute(handler: handler, parameters: parameters, template: template)
            return nil
        case .notFound:
            return .error(
                HTTPError(404, "no route for \(EchoedInput.text(head.method)) \(EchoedInput.text(head.rawPath))")
            )
        case .methodNotAllowed(let allowed):
            var response = Response.error(
                HTTPError(
                    405,
                    "method \(EchoedInput.text(head.method)) not allowed; use \(allowed.joined(separator: ", "))"
                )
            )
            response.headers.add("Allow", allowed.joined(separator: ", "))
            return response
        }
    }

    func handle(_ request: Request, responder: Responder) {
        guard let route = responder.context as? MatchedRoute else { return }
        responder.context = nil
        let recordsBefore = persistence?.writer.appendedRecords
        let response = route.handler(request, route.parameters)
        guard let persistence, persistence.writer.appendedRecords != recordsBefore else {
            return responder.respond(response, route: route.template)
        }
        // The write is in memory; its answer waits until the journal batch holding it is synced.
        persistence.whenDurable { durable in
            responder.respond(
                durable
                    ? response
                    : .error(HTTPError(503, "the write could not be put on disk; the service is restarting")),
                route: route.template
            )
        }
    }

    var wantsAccessLogDetails: Bool { configuration.accessLog }

    func didRespond(_ entry: AccessLogEntry) {
        instrumentation.countRequest(
            route: entry.route,
            method: entry.method,
            status: entry.status,
            now: WallClock.now()
        )
        guard configuration.accessLog else { return }
        var metadata: Logger.Metadata = [
            "method": "\(EchoedInput.text(entry.method))",
            "uri": "\(LogRedaction.target(entry.target))",
            "proto": "\(entry.version)",
            "status": "\(entry.status)",
            "duration_s": "\(GoFloat.format((entry.durationSeconds * 1e6).rounded() / 1e6))",
            "remote_ip": "\(entry.remoteAddress)",
            "written_bytes": "\(entry.writtenBytes)",
            "system": "http",
        ]
        if let host = LogRedaction.field(entry.host) { metadata["host"] = "\(host)" }
        if let agent = LogRedaction.field(entry.userAgent) { metadata["user_agent"] = "\(agent)" }
        if let referrer = LogRedaction.field(entry.referrer) { metadata["referrer"] = "\(referrer)" }
        if let contentType = entry.contentType { metadata["content_type"] = "\(contentType)" }
        logger.info("access", metadata: metadata)
    }
}
