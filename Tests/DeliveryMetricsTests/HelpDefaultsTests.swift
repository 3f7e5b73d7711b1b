import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// `--help` prints each flag's default from the configuration itself, never from a copy in the help text.
@Suite("Help text defaults")
struct HelpDefaultsTests {
    private let defaults: Configuration

    init() throws {
        guard case .serve(let configuration) = try Configuration.parse(arguments: [], environment: ["AUTH_TOKEN": "t"])
        else { throw HelpDefaultsFailure.notServe }
        defaults = configuration
    }

    private enum HelpDefaultsFailure: Error { case notServe }

    /// What `--help` gives as the default of `--name`: the text after "(default " or "(default: " on its line.
    private func printedDefault(of name: String) throws -> String {
        let line = try #require(
            Flag.helpText().split(separator: "\n").first {
                $0.hasPrefix("  --\(name) ") || $0.hasPrefix("  --\(name),")
            }
        )
        let start = try #require(line.range(of: "(default")).upperBound
        return String(line[start...].drop { $0 == ":" || $0 == " " }.dropLast())
    }

    @Test func showsTheDefaultsAConfigurationWithNoFlagsHas() throws {
        #expect(try printedDefault(of: "port") == "\(defaults.port)")
        #expect(try printedDefault(of: "log-format") == defaults.logFormat.rawValue)
        #expect(try printedDefault(of: "access-log") == "\(defaults.accessLog)")
        #expect(try printedDefault(of: "max-connections") == "\(defaults.http.maxConnections)")
        #expect(try printedDefault(of: "max-header-bytes") == "\(defaults.http.limits.maxHeadBytes)")
        #expect(try printedDefault(of: "max-body-bytes") == "\(defaults.http.limits.maxBodyBytes)")
        #expect(try printedDefault(of: "max-series-per-metric") == "\(defaults.maxSeriesPerMetric)")
        #expect(try printedDefault(of: "journal-reserve-bytes") == "\(defaults.journalReserveBytes)")
        #expect(try printedDefault(of: "ops-url") == defaults.pipelinesObserver.baseURL)
        #expect(try printedDefault(of: "ops-max-pages") == "\(defaults.pipelinesObserver.maxPages)")
    }

    @Test func showsDurationsThatParseBackToTheDefaults() throws {
        func parsed(_ name: String) throws -> UInt64 {
            UInt64(try #require(GoDuration.seconds(try printedDefault(of: name))) * 1000)
        }
        #expect(try parsed("graceful-timeout") == UInt64(defaults.gracefulTimeoutSeconds * 1000))
        #expect(try parsed("read-header-timeout") == defaults.http.headTimeoutMilliseconds)
        #expect(try parsed("idle-timeout") == defaults.http.idleTimeoutMilliseconds)
        #expect(try parsed("read-timeout") == defaults.http.readTimeoutMilliseconds)
        #expect(try parsed("ops-scrape-interval") == defaults.pipelinesObserver.intervalMilliseconds)
        #expect(try parsed("ops-request-timeout") == UInt64(defaults.pipelinesObserver.requestTimeoutMilliseconds))
        #expect(try parsed("persistence-interval") == defaults.persistenceIntervalMilliseconds)
    }

    @Test func saysWhatAnUnsetFlagMeans() throws {
        #expect(defaults.listenAddress.isEmpty)
        #expect(try printedDefault(of: "listen-address") == "all interfaces")
        #expect(defaults.persistenceFile == nil)
        #expect(try printedDefault(of: "persistence-file") == "memory only")
        #expect(defaults.http.maxBufferedBodyBytes == nil)
        #expect(
            try printedDefault(of: "max-buffered-body-bytes")
                == "\(HTTPServerConfiguration.defaultBufferedBodyMultiple) x max-body-bytes"
        )
    }

    @Test(arguments: Flag.all.filter { $0.shows(Configuration()) != nil }.map(\.name))
    func printsADefaultTheFlagTakesBack(name: String) throws {
        let printed = try printedDefault(of: name)
        let arguments =
            Flag.all.first { $0.name == name }!.isBoolean ? ["--\(name)=\(printed)"] : ["--\(name)", printed]
        #expect(throws: Never.self) { try Configuration.parse(arguments: arguments, environment: ["AUTH_TOKEN": "t"]) }
    }

    @Test(arguments: [(10_000, "10s"), (60_000, "1m"), (300_000, "5m"), (1_500, "1500ms"), (7_200_000, "2h")])
    func writesDurationsInTheLargestWholeUnit(milliseconds: UInt64, text: String) {
        #expect(GoDuration.text(milliseconds: milliseconds) == text)
    }
}
