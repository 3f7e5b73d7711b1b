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
            configuration.pipelinesObserver.baseURL = String(value.reversed().drop { $0 == "/" }.reversed())
        },
        Flag(
            name: "ops-ca-file",
            valueName: "path",
            help: "PEM bundle to verify the ops instance with, for a private CA (default: the system's CAs)"
        ) { value, configuration in
            configuration.pipelinesObserver.caFile = value.isEmpty ? nil : value
        },
        Flag(
            name: "ops-scrape-interval",
            valueName: "duration",
            help: "time between pipelines observer scrapes; the first runs at boot (default 5m)"
        ) { value, configuration in
            configuration.pipelinesObserver.intervalMilliseconds = try milliseconds(value, flag: "ops-scrape-interval")
        },
        Flag(
            name: "ops-max-pages",
            valueName: "int",
            help: "pages of pipelines one scrape reads at most (default 10)"
        ) { value, configuration in
            configuration.pipelinesObserver.maxPages = try integer(value, flag: "ops-max-pages", in: 1...1_000)
        },
        Flag(
            name: "ops-request-timeout",
            valueName: "duration",
            help: "limit on each request to the ops API, connect included (default 30s)"
        ) { value, configuration in
            configuration.pipelinesObserver.requestTimeoutMilliseconds = Int(
                try milliseconds(value, flag: "ops-request-timeout")
            )
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
