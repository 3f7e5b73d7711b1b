import Glibc
import Logging
import Loop

/// The service's wiring and lifecycle: builds the registry, the endpoints and the layer in front of them, then
/// starts and stops the server, the timers, the journal and the scraper. It answers no request itself
/// (`Endpoints/` does, behind `Middleware/RequestLayer`).
///
/// Everything here runs on the loop thread; this object is the one root that all mutable state hangs off.
@_spi(Harness) public final class Application {
    let configuration: Configuration
    let loop: EventLoop
    let logger: Logger
    let sink: LogSink
    @_spi(Harness) public let registry: Registry
    /// The groups pushed by the Pushgateway protocol, beside the registry.
    let pushes: PushStore
    let webhooks: JobWebhookReceiver
    /// Readiness and the journal, as the endpoints read them.
    let state: ServiceState
    /// What the server calls: the endpoints behind the access log, request counts and durability waits.
    let requests: RequestLayer
    /// The layer as the server sees it, for benchmarks that drive a request without a socket.
    @_spi(Harness) public var handler: any HTTPHandler { requests }
    private var server: HTTPServer<RequestLayer>!
    private var expiryTimer: Timer?
    private var opsClient: HTTPClient?
    private(set) var pipelinesObserver: PipelinesObserver?
    private var signalWatchers: [SignalWatcher] = []
    private var logFlusher: IterationHook?
    private var gracefulDeadline: Timer?
    private var isShuttingDown = false
    /// 1 once persistence failed: the orchestrator must restart the process on what is really on disk.
    private var exitStatus: Int32 = 0

    @_spi(Harness) public init(configuration: Configuration, loop: EventLoop, sink: LogSink, logger: Logger) {
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
        let instrumentation = Instrumentation(registry)
        pushes = PushStore(
            limits: configuration.pushLimits,
            ownFamilies: registry.families.map { ($0.definition.fullName, $0.definition.kind) }
        )
        let state = ServiceState()
        self.state = state
        webhooks = JobWebhookReceiver(tokens: configuration.webhookTokens, registry: registry, logger: logger)
        requests = RequestLayer(
            endpoints: Self.endpoints(configuration, registry, pushes, webhooks, instrumentation, state, sink, logger),
            state: state,
            instrumentation: instrumentation,
            accessLog: configuration.accessLog
                ? AccessLog(sink: sink, format: configuration.logFormat, enabled: logger.logLevel <= .info) : nil
        )
        // As the original: the build's metadata as labels of a counter added 0 at boot.
        registry.family(.versionInfo).store(
            0,
            labelValues: [BuildInfo.buildDate, BuildInfo.revision],
            now: now
        )
        registry.family(.experimentsTotal).store(Double(Experiments.count), now: now)
    }

    private static func endpoints(
        _ configuration: Configuration,
        _ registry: Registry,
        _ pushes: PushStore,
        _ webhooks: JobWebhookReceiver,
        _ instrumentation: Instrumentation,
        _ state: ServiceState,
        _ sink: LogSink,
        _ logger: Logger
    ) -> Endpoints {
        let gate = APIGate(
            authToken: configuration.authToken,
            registry: registry,
            state: state,
            refusals: APIRefusals(logger: logger, instrumentation: instrumentation)
        )
        return Endpoints(
            statusPage: StatusPageEndpoint(
                cache: StatusPageCache(baseURL: configuration.externalURL),
                registry: registry,
                pushes: pushes
            ),
            ready: ReadyEndpoint(state: state),
            metrics: MetricsEndpoint(
                registry: registry,
                exposition: ExpositionCache(registry, pushes: pushes),
                instrumentation: instrumentation,
                sink: sink
            ),
            catalogue: CatalogueEndpoint(gate: gate),
            push: PushEndpoint(gate: gate),
            reset: ResetEndpoint(gate: gate, logger: logger),
            pushgateway: PushgatewayEndpoint(
                gate: gate,
                store: pushes,
                maxBodyBytes: configuration.http.limits.maxBodyBytes
            ),
            pushedGroups: PushedGroupsEndpoint(store: pushes),
            pushgatewayStatus: PushgatewayStatusEndpoint(configuration: configuration, startTime: WallClock.now()),
            adminWipe: configuration.enableAdminAPI ? AdminWipeEndpoint(gate: gate, store: pushes) : nil,
            webhooks: webhooks.enabledSources.keys.map {
                JobWebhookEndpoint(receiver: webhooks, state: state, route: $0)
            },
            state: state
        )
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
        state.persistence = try Persistence(
            path: path,
            intervalMilliseconds: configuration.persistenceIntervalMilliseconds,
            registry: registry,
            deduplication: webhooks.deduplication,
            pushes: pushes,
            loop: loop,
            logger: logger,
            reservationBytes: configuration.journalReserveBytes
        ) { [unowned self] in
            exitStatus = 1
            state.isReady = false
            // Already stopping (a signal, or an earlier failure): the drain goes on, so the 503s still go out.
            if !isShuttingDown { beginShutdown(reason: "persistence failed") }
        }
    }

    /// Binds, installs signal handlers and log flushing; the loop does the rest once `run` starts it.
    func start() throws(LoopError) -> SocketAddress {
        logFlusher = IterationHook(loop: loop) { [sink] in sink.flush() }
        server = HTTPServer(loop: loop, configuration: configuration.http, handler: requests)
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
        state.persistence?.start()
        startPipelinesObserver()
        state.isReady = true
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

    /// Drops series past their time-to-live once a minute, plenty for lifetimes measured in days; pushed groups
    /// past theirs every second (a pass looks at each group's expiry time once, and most have none).
    private func startExpiry() {
        let timer = Timer(loop: loop)
        var ticks = 0
        timer.start(after: 1_000, every: 1_000) { [unowned self] in
            let now = WallClock.now()
            let groups = pushes.expire(now: now)
            if groups > 0 { logger.info("expired pushed groups", metadata: ["groups": "\(groups)"]) }
            ticks += 1
            guard ticks % 60 == 0 else { return }
            let expired = registry.expire(now: now)
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
        } catch  where error.libraryUnavailable {
            // Asked for, and it can never run in this process (no libcurl.so.4): a broken image, not a passing fault.
            logger.error("cannot start", metadata: ["error": "\(error)"])
            sink.flush()
            exit(2)
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
        state.isReady = false
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
        state.persistence?.close()
        opsClient?.close()
        opsClient = nil
        for watcher in signalWatchers { watcher.close() }
        signalWatchers = []
        logger.info("stopped")
        sink.flush()
        logFlusher?.close()
        logFlusher = nil
    }
}
