import Loop

extension Flag {
    /// Every flag, in `--help`'s order. `shows` reads the flag's value back out of a configuration, so `--help`
    /// prints each default from `Configuration()` itself.
    static let all: [Flag] = [
        Flag(
            name: "port",
            valueName: "int",
            help: "TCP port to listen on",
            shows: { "\($0.port)" },
            apply: { value, configuration in
                configuration.port = try integer(value, flag: "port", in: 0...65535)
            }
        ),
        Flag(
            name: "listen-address",
            valueName: "address",
            help: "numeric IPv4 or IPv6 address to listen on",
            shows: { $0.listenAddress.isEmpty ? nil : $0.listenAddress },
            unset: "all interfaces",
            apply: { value, configuration in
                configuration.listenAddress = value
            }
        ),
        Flag(
            name: "graceful-timeout",
            valueName: "duration",
            help: "how long a shutdown waits for requests in flight",
            shows: { GoDuration.text(milliseconds: UInt64($0.gracefulTimeoutSeconds * 1000)) },
            apply: { value, configuration in
                configuration.gracefulTimeoutSeconds = try duration(value, flag: "graceful-timeout")
            }
        ),
        Flag(
            name: "log-format",
            valueName: "text|json|color",
            help: "log format",
            shows: { $0.logFormat.rawValue },
            apply: { value, configuration in
                guard let format = Configuration.LogFormat(rawValue: value) else {
                    throw Configuration.Problem(
                        description: "invalid value \"\(value)\" for flag -log-format: want text, json or color"
                    )
                }
                configuration.logFormat = format
            }
        ),
        Flag(
            name: "access-log",
            valueName: "",
            help: "log one line per request",
            shows: { "\($0.accessLog)" },
            apply: { value, configuration in
                configuration.accessLog = value == "true"
            }
        ),
        Flag(
            name: "max-connections",
            valueName: "int",
            help: "connections open at once; more are closed on accept",
            shows: { "\($0.http.maxConnections)" },
            apply: { value, configuration in
                configuration.http.maxConnections = try integer(value, flag: "max-connections", in: 1...1_000_000)
            }
        ),
        Flag(
            name: "read-header-timeout",
            valueName: "duration",
            help: "time a client has to send a request head, else 408",
            shows: { GoDuration.text(milliseconds: $0.http.headTimeoutMilliseconds) },
            apply: { value, configuration in
                configuration.http.headTimeoutMilliseconds = try milliseconds(value, flag: "read-header-timeout")
            }
        ),
        Flag(
            name: "idle-timeout",
            valueName: "duration",
            help: "idle keep-alive connections, and stalled bodies, are closed after this",
            shows: { GoDuration.text(milliseconds: $0.http.idleTimeoutMilliseconds) },
            apply: { value, configuration in
                configuration.http.idleTimeoutMilliseconds = try milliseconds(value, flag: "idle-timeout")
            }
        ),
        Flag(
            name: "read-timeout",
            valueName: "duration",
            help: "time a whole request, head and body, may take from its first byte, else 408",
            shows: { GoDuration.text(milliseconds: $0.http.readTimeoutMilliseconds) },
            apply: { value, configuration in
                configuration.http.readTimeoutMilliseconds = try milliseconds(value, flag: "read-timeout")
            }
        ),
        Flag(
            name: "max-buffered-body-bytes",
            valueName: "int",
            help: "request bodies held in memory across all connections; more wait unread",
            shows: { $0.http.maxBufferedBodyBytes.map { "\($0)" } },
            unset: "\(HTTPServerConfiguration.defaultBufferedBodyMultiple) x max-body-bytes",
            apply: { value, configuration in
                configuration.http.maxBufferedBodyBytes = try integer(
                    value,
                    flag: "max-buffered-body-bytes",
                    in: 0...1 << 34
                )
            }
        ),
        Flag(
            name: "external-url",
            valueName: "url",
            help: "URL clients reach the service at, for the status page's curl lines",
            shows: { $0.externalURL },
            unset: "$DELIVERY_METRICS_URL",
            apply: { value, configuration in
                guard value.isEmpty || value.hasPrefix("https://") || value.hasPrefix("http://") else {
                    throw Configuration.Problem(
                        description: "invalid value \"\(value)\" for flag -external-url: want an http(s) URL"
                    )
                }
                configuration.externalURL = value.isEmpty ? nil : String(value.reversed().drop { $0 == "/" }.reversed())
            }
        ),
        Flag(
            name: "max-header-bytes",
            valueName: "int",
            help: "largest request head accepted, else 431",
            shows: { "\($0.http.limits.maxHeadBytes)" },
            apply: { value, configuration in
                configuration.http.limits.maxHeadBytes = try integer(value, flag: "max-header-bytes", in: 256...1 << 20)
            }
        ),
        Flag(
            name: "max-series-per-metric",
            valueName: "int",
            help: "series one metric may hold; a push that would create more gets 400",
            shows: { "\($0.maxSeriesPerMetric)" },
            apply: { value, configuration in
                configuration.maxSeriesPerMetric = try integer(value, flag: "max-series-per-metric", in: 1...10_000_000)
            }
        ),
        Flag(
            name: "ops-url",
            valueName: "url",
            help: "GitLab instance the pipelines observer scrapes",
            shows: { $0.pipelinesObserver.baseURL },
            apply: { value, configuration in
                guard value.hasPrefix("https://") || value.hasPrefix("http://") else {
                    throw Configuration.Problem(
                        description: "invalid value \"\(value)\" for flag -ops-url: want an http(s) URL"
                    )
                }
                configuration.pipelinesObserver.baseURL = String(value.reversed().drop { $0 == "/" }.reversed())
            }
        ),
        Flag(
            name: "ops-ca-file",
            valueName: "path",
            help: "PEM bundle to verify the ops instance with, for a private CA",
            shows: { $0.pipelinesObserver.caFile },
            unset: "the system's CAs",
            apply: { value, configuration in
                configuration.pipelinesObserver.caFile = value.isEmpty ? nil : value
            }
        ),
        Flag(
            name: "ops-scrape-interval",
            valueName: "duration",
            help: "time between pipelines observer scrapes; the first runs at boot",
            shows: { GoDuration.text(milliseconds: $0.pipelinesObserver.intervalMilliseconds) },
            apply: { value, configuration in
                configuration.pipelinesObserver.intervalMilliseconds = try milliseconds(
                    value,
                    flag: "ops-scrape-interval"
                )
            }
        ),
        Flag(
            name: "ops-max-pages",
            valueName: "int",
            help: "pages of pipelines one scrape reads at most",
            shows: { "\($0.pipelinesObserver.maxPages)" },
            apply: { value, configuration in
                configuration.pipelinesObserver.maxPages = try integer(value, flag: "ops-max-pages", in: 1...1_000)
            }
        ),
        Flag(
            name: "ops-request-timeout",
            valueName: "duration",
            help: "limit on each request to the ops API, connect included",
            shows: { GoDuration.text(milliseconds: UInt64($0.pipelinesObserver.requestTimeoutMilliseconds)) },
            apply: { value, configuration in
                configuration.pipelinesObserver.requestTimeoutMilliseconds = Int(
                    try milliseconds(value, flag: "ops-request-timeout")
                )
            }
        ),
        Flag(
            name: "max-body-bytes",
            valueName: "int",
            help: "largest request body accepted, else 413",
            shows: { "\($0.http.limits.maxBodyBytes)" },
            apply: { value, configuration in
                configuration.http.limits.maxBodyBytes = try integer(value, flag: "max-body-bytes", in: 0...64 << 20)
            }
        ),
        Flag(
            name: "persistence-file",
            valueName: "path",
            help: "keep every accepted write on disk: a snapshot at this path, a journal beside it",
            shows: { $0.persistenceFile },
            unset: "memory only",
            apply: { value, configuration in
                configuration.persistenceFile = value.isEmpty ? nil : value
            }
        ),
        Flag(
            name: "journal-reserve-bytes",
            valueName: "int",
            help: "disk space the journal reserves ahead; writes get 507 when it cannot be renewed",
            shows: { "\($0.journalReserveBytes)" },
            apply: { value, configuration in
                configuration.journalReserveBytes = try integer(
                    value,
                    flag: "journal-reserve-bytes",
                    in: 256 << 10...1 << 30
                )
            }
        ),
        Flag(
            name: "max-series-per-push",
            valueName: "int",
            help: "series one Pushgateway push may hold; more gets 400 as the body is read",
            shows: { "\($0.pushLimits.seriesPerPush)" },
            apply: { value, configuration in
                configuration.pushLimits.seriesPerPush = try integer(
                    value,
                    flag: "max-series-per-push",
                    in: 1...10_000_000
                )
            }
        ),
        Flag(
            name: "max-series-per-group",
            valueName: "int",
            help: "series one pushed group may hold; a push that would make more gets 400",
            shows: { "\($0.pushLimits.seriesPerGroup)" },
            apply: { value, configuration in
                configuration.pushLimits.seriesPerGroup = try integer(
                    value,
                    flag: "max-series-per-group",
                    in: 1...10_000_000
                )
            }
        ),
        Flag(
            name: "max-push-groups",
            valueName: "int",
            help: "pushed groups held at once; a push that would make one more gets 400",
            shows: { "\($0.pushLimits.groups)" },
            apply: { value, configuration in
                configuration.pushLimits.groups = try integer(value, flag: "max-push-groups", in: 1...10_000_000)
            }
        ),
        Flag(
            name: "max-pushed-bytes",
            valueName: "bytes",
            help: "memory pushed groups may take, as estimated; a push that would take more gets 400",
            shows: { "\($0.pushLimits.bytes)" },
            apply: { value, configuration in
                configuration.pushLimits.bytes = try integer(value, flag: "max-pushed-bytes", in: 1 << 16...1 << 40)
            }
        ),
        Flag(
            name: "push-group-ttl",
            valueName: "duration",
            help: "drop a pushed group not pushed to for this long (0: keep until deleted, as the Pushgateway)",
            shows: { $0.pushLimits.defaultTimeToLive.map { GoDuration.text(milliseconds: UInt64($0 * 1000)) } },
            unset: "0 (off)",
            apply: { value, configuration in
                let seconds = try duration(value, flag: "push-group-ttl")
                configuration.pushLimits.defaultTimeToLive = seconds > 0 ? seconds : nil
            }
        ),
        Flag(
            name: "max-push-group-ttl",
            valueName: "duration",
            help: "the longest time-to-live a push may ask for with X-Group-TTL",
            shows: { GoDuration.text(milliseconds: UInt64($0.pushLimits.maxTimeToLive * 1000)) },
            apply: { value, configuration in
                configuration.pushLimits.maxTimeToLive =
                    Double(try milliseconds(value, flag: "max-push-group-ttl")) / 1000
            }
        ),
        Flag(
            name: "enable-admin-api",
            valueName: "",
            help: "serve PUT /api/v1/admin/wipe, which deletes every pushed group (with the token)",
            shows: { "\($0.enableAdminAPI)" },
            apply: { value, configuration in
                configuration.enableAdminAPI = value == "true"
            }
        ),
        Flag(
            name: "persistence-interval",
            valueName: "duration",
            help: "time between snapshots that let the journal be truncated",
            shows: { GoDuration.text(milliseconds: $0.persistenceIntervalMilliseconds) },
            apply: { value, configuration in
                configuration.persistenceIntervalMilliseconds = try milliseconds(value, flag: "persistence-interval")
            }
        ),
    ]
}
