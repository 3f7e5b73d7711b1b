import Testing

@_spi(Harness) @testable import DeliveryMetrics

@Suite("Configuration")
struct ConfigurationTests {
    private let token = ["AUTH_TOKEN": "secret"]

    private func serve(_ arguments: [String], environment: [String: String]? = nil) throws -> Configuration {
        guard
            case .serve(let configuration) = try Configuration.parse(
                arguments: arguments,
                environment: environment ?? token
            )
        else {
            throw ConfigurationTestFailure.notServe
        }
        return configuration
    }

    private enum ConfigurationTestFailure: Error { case notServe }

    @Test func hasTheDocumentedDefaults() throws {
        let configuration = try serve([])
        #expect(configuration.port == 2112)
        #expect(configuration.listenAddress == "")
        #expect(configuration.gracefulTimeoutSeconds == 10)
        #expect(configuration.logFormat == .text)
        #expect(configuration.accessLog)
        #expect(configuration.http.maxConnections == 4096)
        #expect(configuration.http.headTimeoutMilliseconds == 10_000)
        #expect(configuration.http.limits.maxHeadBytes == 8192)
        #expect(configuration.http.limits.maxBodyBytes == 1 << 20)
        #expect(configuration.authToken == "secret")
    }

    @Test func takesTheOriginalsSingleDashSpellings() throws {
        let configuration = try serve(["-port", "9000", "-graceful-timeout", "1m30s", "-log-format", "json"])
        #expect(configuration.port == 9000)
        #expect(configuration.gracefulTimeoutSeconds == 90)
        #expect(configuration.logFormat == .json)
    }

    @Test func takesDoubleDashesAndEqualsSigns() throws {
        let configuration = try serve(["--port=9001", "--listen-address", "::1", "--read-header-timeout=500ms"])
        #expect(configuration.port == 9001)
        #expect(configuration.listenAddress == "::1")
        #expect(configuration.http.headTimeoutMilliseconds == 500)
    }

    @Test(arguments: [
        (["--access-log=false"], false), (["--no-access-log"], false), (["-access-log"], true),
        (["--access-log=true"], true),
    ])
    func readsBooleanFlags(arguments: [String], expected: Bool) throws {
        #expect(try serve(arguments).accessLog == expected)
    }

    @Test func readsFlagsFromTheEnvironmentAndLetsTheCommandLineWin() throws {
        let environment = token.merging([
            "DELIVERY_METRICS_PORT": "7000", "DELIVERY_METRICS_LOG_FORMAT": "json",
            "DELIVERY_METRICS_ACCESS_LOG": "false",
        ]) { $1 }
        let fromEnvironment = try serve([], environment: environment)
        #expect(fromEnvironment.port == 7000)
        #expect(fromEnvironment.logFormat == .json)
        #expect(!fromEnvironment.accessLog)
        #expect(try serve(["-port", "7001"], environment: environment).port == 7001)
    }

    @Test(arguments: [
        ["-port", "abc"], ["-port", "70000"], ["--nope"], ["-log-format", "xml"], ["stray"], ["-port"],
        ["-graceful-timeout", "10"], ["-graceful-timeout", "-1s"], ["-access-log=maybe"], ["-idle-timeout", "0s"],
    ])
    func refusesInvalidFlags(arguments: [String]) {
        #expect(throws: Configuration.Problem.self) { try serve(arguments) }
    }

    @Test func refusesAnEmptyOrMissingToken() {
        #expect(throws: Configuration.Problem.self) { try serve([], environment: [:]) }
        #expect(throws: Configuration.Problem.self) { try serve([], environment: ["AUTH_TOKEN": ""]) }
    }

    @Test func answersHelpWithoutAToken() throws {
        guard case .help = try Configuration.parse(arguments: ["--help"], environment: [:]) else {
            Issue.record("expected help")
            return
        }
        let help = Flag.helpText()
        for flag in Flag.all {
            #expect(help.contains("--\(flag.name)"))
        }
        #expect(help.contains("AUTH_TOKEN"))
    }

    @Test(arguments: [
        ("10s", 10.0), ("1m30s", 90.0), ("300ms", 0.3), ("1.5h", 5400.0), ("2h45m", 9900.0), ("0", 0.0),
        ("1us", 0.000001),
    ])
    func parsesGoDurations(text: String, seconds: Double) throws {
        let parsed = try #require(GoDuration.seconds(text))
        #expect(abs(parsed - seconds) < 1e-9)
    }

    @Test(arguments: ["", "10", "s", "1x", "1.2.3s", "abc"])
    func refusesBrokenDurations(text: String) {
        #expect(GoDuration.seconds(text) == nil)
    }
}
