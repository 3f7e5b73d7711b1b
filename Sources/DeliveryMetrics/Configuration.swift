import Loop

/// Everything the service is told at boot, from flags and environment variables, read once into one immutable
/// value. Nothing reads the environment after this.
struct Configuration: Sendable {
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
    var accessLog = true
    var http = HTTPServerConfiguration()
    /// A push that would create one more series in a vector gets 400: free-text labels must not eat the memory.
    var maxSeriesPerMetric = 10_000
    /// The token every `/api` write must carry in `X-Private-Token`.
    var authToken = ""
    /// Job-webhook secrets by environment variable name (`JOB_WEBHOOK_<PROJECT>_<INSTANCE>_TOKEN`); a source whose
    /// variable is unset or empty is disabled.
    var webhookTokens: [String: String] = [:]
    /// The API scraper: on when `DELIVERY_METRICS_OPS_TOKEN` is set (a read-only token, sent as `PRIVATE-TOKEN`).
    var opsToken = ""
    var opsURL = "https://ops.gitlab.net"
    var opsCAFile: String?
    var opsScrapeIntervalMilliseconds: UInt64 = 5 * 60_000
    var opsMaxPages = 10
    var opsRequestTimeoutMilliseconds = 30_000
    /// Persistence: the snapshot's path (the journal's segments sit beside it); nil keeps everything in memory.
    var persistenceFile: String?
    /// The URL clients reach the service at, for the status page's `curl` lines; nil writes `$DELIVERY_METRICS_URL`.
    /// Never taken from a request's `Host` header: the page is cached and shared.
    var externalURL: String?
    /// Disk space the journal reserves ahead; a write is refused with 507 once the reservation cannot be renewed.
    var journalReserveBytes = 4 << 20
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
        configuration.opsToken =
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

/// One command-line flag: its name, what it sets, and its line in `--help`.
struct Flag: Sendable {
    let name: String
    let valueName: String
    let help: String
    let apply: @Sendable (String, inout Configuration) throws -> Void
    var isBoolean: Bool { valueName.isEmpty }
    var negatedName: String? { isBoolean ? "no-" + name : nil }
    /// The environment variable that sets the same thing, e.g. `DELIVERY_METRICS_LISTEN_ADDRESS`.
    var environmentName: String {
        "DELIVERY_METRICS_" + String(name.uppercased().map { $0 == "-" ? "_" : $0 })
    }

    static let all: [Flag] = [
        Flag(name: "port", valueName: "int", help: "TCP port to listen on (default 2112)") { value, configuration in
            configuration.port = try integer(value, flag: "port", in: 0...65535)
        },
        Flag(
            name: "listen-address",
            valueName: "address",
            help: "numeric IPv4 or IPv6 address to listen on (default: all interfaces)"
        ) { value, configuration in
            configuration.listenAddress = value
        },
        Flag(
            name: "graceful-timeout",
            valueName: "duration",
            help: "how long a shutdown waits for requests in flight (default 10s)"
        ) { value, configuration in
            configuration.gracefulTimeoutSeconds = try duration(value, flag: "graceful-timeout")
        },
        Flag(name: "log-format", valueName: "text|json|color", help: "log format (default text)") {
            value,
            configuration in
            guard let format = Configuration.LogFormat(rawValue: value) else {
                throw Configuration.Problem(
                    description: "invalid value \"\(value)\" for flag -log-format: want text, json or color"
                )
            }
            configuration.logFormat = format
        },
        Flag(name: "access-log", valueName: "", help: "log one line per request (default true)") {
            value,
            configuration in
            configuration.accessLog = value == "true"
        },
        Flag(
            name: "max-connections",
            valueName: "int",
            help: "connections open at once; more are closed on accept (default 4096)"
        ) { value, configuration in
            configuration.http.maxConnections = try integer(value, flag: "max-connections", in: 1...1_000_000)
        },
        Flag(
            name: "read-header-timeout",
            valueName: "duration",
            help: "time a client has to send a request head, else 408 (default 10s)"
        ) { value, configuration in
            configuration.http.headTimeoutMilliseconds = try milliseconds(value, flag: "read-header-timeout")
        },
        Flag(
            name: "idle-timeout",
            valueName: "duration",
            help: "idle keep-alive connections, and stalled bodies, are closed after this (default 60s)"
        ) { value, configuration in
            configuration.http.idleTimeoutMilliseconds = try milliseconds(value, flag: "idle-timeout")
        },
        Flag(
            name: "read-timeout",
            valueName: "duration",
            help: "time a whole request, head and body, may take from its first byte, else 408 (default 30s)"
        ) { value, configuration in
            configuration.http.readTimeoutMilliseconds = try milliseconds(value, flag: "read-timeout")
        },
        Flag(
            name: "max-buffered-body-bytes",
            valueName: "int",
            help: "request bodies held in memory across all connections; more wait unread (default 4 x max-body-bytes)"
        ) { value, configuration in
            configuration.http.maxBufferedBodyBytes = try integer(
                value,
                flag: "max-buffered-body-bytes",
                in: 0...1 << 34
            )
        },
        Flag(
            name: "external-url",
            valueName: "url",
            help: "URL clients reach the service at, for the status page's curl lines (default: $DELIVERY_METRICS_URL)"
        ) { value, configuration in
            guard value.isEmpty || value.hasPrefix("https://") || value.hasPrefix("http://") else {
                throw Configuration.Problem(
                    description: "invalid value \"\(value)\" for flag -external-url: want an http(s) URL"
                )
            }
            configuration.externalURL = value.isEmpty ? nil : String(value.reversed().drop { $0 == "/" }.reversed())
        },
        Flag(
            name: "max-header-bytes",
            valueName: "int",
            help: "largest request head accepted, else 431 (default 8192)"
        ) { value, configuration in
            configuration.http.limits.maxHeadBytes = try integer(value, flag: "max-header-bytes", in: 256...1 << 20)
        },
        Flag(
            name: "max-series-per-metric",
            valueName: "int",
            help: "series one metric may hold; a push that would create more gets 400 (default 10000)"
        ) { value, configuration in
            configuration.maxSeriesPerMetric = try integer(value, flag: "max-series-per-metric", in: 1...10_000_000)
        },
        Flag(
            name: "ops-url",
            valueName: "url",
            help: "GitLab instance the pipelines observer scrapes (default https://ops.gitlab.net)"
        ) { value, configuration in
            guard value.hasPrefix("https://") || value.hasPrefix("http://") else {
                throw Configuration.Problem(
                    description: "invalid value \"\(value)\" for flag -ops-url: want an http(s) URL"
                )
            }
            configuration.opsURL = String(value.reversed().drop { $0 == "/" }.reversed())
        },
        Flag(
            name: "ops-ca-file",
            valueName: "path",
            help: "PEM bundle to verify the ops instance with, for a private CA (default: the system's CAs)"
        ) { value, configuration in
            configuration.opsCAFile = value.isEmpty ? nil : value
        },
        Flag(
            name: "ops-scrape-interval",
            valueName: "duration",
            help: "time between pipelines observer scrapes; the first runs at boot (default 5m)"
        ) { value, configuration in
            configuration.opsScrapeIntervalMilliseconds = try milliseconds(value, flag: "ops-scrape-interval")
        },
        Flag(
            name: "ops-max-pages",
            valueName: "int",
            help: "pages of pipelines one scrape reads at most (default 10)"
        ) { value, configuration in
            configuration.opsMaxPages = try integer(value, flag: "ops-max-pages", in: 1...1_000)
        },
        Flag(
            name: "ops-request-timeout",
            valueName: "duration",
            help: "limit on each request to the ops API, connect included (default 30s)"
        ) { value, configuration in
            configuration.opsRequestTimeoutMilliseconds = Int(try milliseconds(value, flag: "ops-request-timeout"))
        },
        Flag(
            name: "max-body-bytes",
            valueName: "int",
            help: "largest request body accepted, else 413 (default 1048576)"
        ) { value, configuration in
            configuration.http.limits.maxBodyBytes = try integer(value, flag: "max-body-bytes", in: 0...64 << 20)
        },
        Flag(
            name: "persistence-file",
            valueName: "path",
            help:
                "keep every accepted write on disk: a snapshot at this path, a journal beside it (default: memory only)"
        ) { value, configuration in
            configuration.persistenceFile = value.isEmpty ? nil : value
        },
        Flag(
            name: "journal-reserve-bytes",
            valueName: "int",
            help: "disk space the journal reserves ahead; writes get 507 when it cannot be renewed (default 4194304)"
        ) { value, configuration in
            configuration.journalReserveBytes = try integer(
                value,
                flag: "journal-reserve-bytes",
                in: 256 << 10...1 << 30
            )
        },
        Flag(
            name: "persistence-interval",
            valueName: "duration",
            help: "time between snapshots that let the journal be truncated (default 5m)"
        ) { value, configuration in
            configuration.persistenceIntervalMilliseconds = try milliseconds(value, flag: "persistence-interval")
        },
    ]

    static var environment: [(name: String, help: String)] {
        [
            ("AUTH_TOKEN", "required: the token /api writers send in X-Private-Token"),
            ("DELIVERY_METRICS_OPS_TOKEN", "read-only GitLab token; set, it turns the pipelines observer on"),
        ]
            + WebhookSources.all.map { source in
                (source.tokenVariable, "secret of the job webhook \(source.route); unset disables it")
            }
            + [("<NAME>_FILE", "for each token above (e.g. AUTH_TOKEN_FILE): a file that holds it, read at boot")]
    }

    /// The rules every token variable follows, printed after the environment list.
    static let tokenRules = [
        "Tokens must be visible ASCII (no spaces). A trailing line break is stripped, and a token under",
        "\(SecretToken.minimumBytes) bytes boots, each with a warning. Set a token or its _FILE, never both;",
        "the shipped manifests' placeholder is refused.",
    ]

    static func helpText() -> String {
        var lines = [
            "Usage: delivery-metrics [flags]",
            "",
            "Push metrics for delivery teams, scraped by Prometheus at /metrics.",
            "",
            "Flags (one or two dashes; -name value or -name=value). Each can also be set by the environment",
            "variable DELIVERY_METRICS_<NAME> (e.g. DELIVERY_METRICS_PORT); a flag on the command line wins.",
            "",
        ]
        for flag in all {
            let left = flag.isBoolean ? "  --\(flag.name), --no-\(flag.name)" : "  --\(flag.name) \(flag.valueName)"
            lines.append(left.padding(to: 34) + flag.help)
        }
        lines.append("  --help".padding(to: 34) + "print this help")
        lines.append("  --print-catalogue".padding(to: 34) + "print the metric catalogue as a Markdown table")
        lines.append("")
        lines.append("Environment:")
        for variable in environment {
            lines.append("  \(variable.name)".padding(to: 34) + variable.help)
        }
        lines.append("")
        lines += tokenRules
        return lines.joined(separator: "\n") + "\n"
    }

    private static func integer(
        _ value: String,
        flag: String,
        in range: ClosedRange<Int>
    ) throws(Configuration.Problem) -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw Configuration.Problem(
                description: "invalid value \"\(value)\" for flag -\(flag): want an integer in \(range)"
            )
        }
        return number
    }

    private static func duration(_ value: String, flag: String) throws(Configuration.Problem) -> Double {
        guard let seconds = GoDuration.seconds(value), seconds >= 0 else {
            throw Configuration.Problem(
                description: "invalid value \"\(value)\" for flag -\(flag): want a duration such as 10s or 1m30s"
            )
        }
        return seconds
    }

    private static func milliseconds(_ value: String, flag: String) throws(Configuration.Problem) -> UInt64 {
        let seconds = try duration(value, flag: flag)
        guard seconds > 0 else {
            throw Configuration.Problem(description: "invalid value \"\(value)\" for flag -\(flag): must be above 0")
        }
        return UInt64(max(1, (seconds * 1000).rounded()))
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

/// Go's `time.ParseDuration`: a sequence of decimal numbers with units, such as `300ms`, `1.5h` or `2h45m`.
enum GoDuration {
    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [
            ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
        ]
        var rest = Substring(text)
        var sign = 1.0
        if rest.first == "-" || rest.first == "+" {
            sign = rest.first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let (unit, scale) = units.filter({ rest.hasPrefix($0.0) }).max(by: { $0.0.count < $1.0.count })
            else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        return sign * total
    }
}
