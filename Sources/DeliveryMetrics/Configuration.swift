import Loop

/// Everything the service is told at boot, from flags and environment variables, read once into one immutable
/// value. Nothing reads the environment after this.
@_spi(Harness) public struct Configuration: Sendable {
    /// Every setting at its default, as with no flags and no environment.
    @_spi(Harness) public init() {}

    enum LogFormat: String, Sendable, CaseIterable {
        case text
        case json
        case color
    }

    var port = 2112
    /// Empty means every interface (IPv6 and IPv4 where the host has both).
    var listenAddress = ""
    var gracefulTimeoutSeconds = 10.0
    var logFormat = LogFormat.text
    @_spi(Harness) public var accessLog = true
    var http = HTTPServerConfiguration()
    /// A push that would create one more series in a vector gets 400: free-text labels must not eat the memory.
    var maxSeriesPerMetric = 10_000
    /// The bounds on pushed groups, and their time-to-live.
    var pushLimits = PushLimits()
    /// `PUT /api/v1/admin/wipe`, off by default as on the Pushgateway (404 when off).
    var enableAdminAPI = false
    /// The token every `/api` write must carry in `X-Private-Token`.
    @_spi(Harness) public var authToken = ""
    /// Job-webhook secrets by environment variable name (`JOB_WEBHOOK_<PROJECT>_<INSTANCE>_TOKEN`); a source whose
    /// variable is unset or empty is disabled.
    var webhookTokens: [String: String] = [:]
    /// The API scraper: on when `DELIVERY_METRICS_OPS_TOKEN` is set.
    var pipelinesObserver = PipelinesObserver.Settings()
    /// Persistence: the snapshot's path (the journal's segments sit beside it); nil keeps everything in memory.
    var persistenceFile: String?
    /// The URL clients reach the service at, for the status page's `curl` lines; nil writes `$DELIVERY_METRICS_URL`.
    /// Never taken from a request's `Host` header: the page is cached and shared.
    var externalURL: String?
    /// Disk space the journal reserves ahead; a write is refused with 507 once the reservation cannot be renewed.
    var journalReserveBytes = JournalWriter.defaultReservation
    /// Time between snapshots, which let the journal be truncated; taken only when something was written since.
    var persistenceIntervalMilliseconds: UInt64 = 5 * 60_000
    /// What the boot log warns about (a token repaired, or short). Parsing runs before logging is set up, so the
    /// warnings wait here for `Application.logConfigurationWarnings`.
    var warnings: [Warning] = []

    /// One boot warning about one environment variable; it names the variable, never its value.
    struct Warning: Sendable, Equatable {
        let variable: String
        let message: String
    }

    /// A problem with the flags or environment; the process prints it on one line and exits 2.
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// What a run asks for: serve, or print the help and exit 0.
    enum Command {
        case serve(Configuration)
        case help
        /// Print the catalogue as the README's Markdown table.
        case catalogue
    }
}

extension Configuration {
    static func parse(arguments: [String], environment: [String: String]) throws -> Command {
        var configuration = Configuration()
        // Every flag can also come from DELIVERY_METRICS_<FLAG>, as containers prefer; a flag given on the command
        // line wins.
        for flag in Flag.all {
            guard let value = environment[flag.environmentName] else { continue }
            do {
                try flag.apply(
                    flag.isBoolean ? String(Bool(value.lowercased()) ?? (value == "1")) : value,
                    &configuration
                )
            } catch let problem as Problem {
                throw Problem(description: "\(flag.environmentName): \(problem.description)")
            }
        }
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument != "-", argument != "--" else {
                throw Problem(description: "unexpected argument \"\(argument)\" (flags only; see --help)")
            }
            // Go's flag package accepts -name and --name alike; the original's image passes -port and -log-format.
            let body = argument.drop { $0 == "-" }
            let name: String
            var value: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                value = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
            }
            if name == "help" || name == "h" { return .help }
            if name == "print-catalogue" { return .catalogue }
            guard let flag = Flag.all.first(where: { $0.name == name || $0.negatedName == name }) else {
                throw Problem(description: "unknown flag \(argument) (see --help)")
            }
            if flag.isBoolean {
                let raw = value ?? "true"
                guard let parsed = Bool(raw) else {
                    throw Problem(description: "invalid value \"\(raw)\" for flag -\(name): want true or false")
                }
                try flag.apply(name == flag.negatedName ? String(!parsed) : String(parsed), &configuration)
                continue
            }
            if value == nil {
                guard index < arguments.count else { throw Problem(description: "flag needs a value: -\(name)") }
                value = arguments[index]
                index += 1
            }
            try flag.apply(value!, &configuration)
        }
        var warnings: [Warning] = []
        guard let token = try SecretToken.read("AUTH_TOKEN", from: environment, warnings: &warnings) else {
            throw Problem(
                description: "AUTH_TOKEN is empty or unset: set it (or AUTH_TOKEN_FILE) to the token /api writers "
                    + "must send"
            )
        }
        configuration.authToken = token
        configuration.pipelinesObserver.token =
            try SecretToken.read("DELIVERY_METRICS_OPS_TOKEN", from: environment, warnings: &warnings) ?? ""
        for source in WebhookSources.all {
            if let token = try SecretToken.read(source.tokenVariable, from: environment, warnings: &warnings) {
                configuration.webhookTokens[source.tokenVariable] = token
            }
        }
        configuration.warnings = warnings
        return .serve(configuration)
    }
}
