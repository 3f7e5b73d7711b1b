import Foundation
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// Every token variable, from the environment or a file: what is repaired with a warning, what stops the start, and
/// that no message holds the token.
@Suite("Token configuration")
struct TokenConfigurationTests {
    private static let authToken = "auth-token-0123456789"
    /// One of each family: the API token, the ops token, a webhook secret.
    private static let families = ["AUTH_TOKEN", "DELIVERY_METRICS_OPS_TOKEN", "JOB_WEBHOOK_DEPLOYER_OPS_TOKEN"]

    private enum Failure: Error { case notServe }

    private func serve(_ environment: [String: String]) throws -> Configuration {
        var withAuth = environment
        if withAuth["AUTH_TOKEN"] == nil && withAuth["AUTH_TOKEN_FILE"] == nil {
            withAuth["AUTH_TOKEN"] = Self.authToken
        }
        guard case .serve(let configuration) = try Configuration.parse(arguments: [], environment: withAuth) else {
            throw Failure.notServe
        }
        return configuration
    }

    /// The problem `environment` stops the start with, or nil when it boots.
    private func refusal(_ environment: [String: String]) -> String? {
        do {
            _ = try serve(environment)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The token the configuration took for `variable`.
    private func token(_ variable: String, in configuration: Configuration) -> String? {
        switch variable {
        case "AUTH_TOKEN": configuration.authToken
        case "DELIVERY_METRICS_OPS_TOKEN":
            configuration.pipelinesObserver.token.isEmpty ? nil : configuration.pipelinesObserver.token
        default: configuration.webhookTokens[variable]
        }
    }

    private func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func everyTokenVariableIsChecked() {
        let variables = SecretToken.variables
        #expect(variables.contains("AUTH_TOKEN"))
        #expect(variables.contains("DELIVERY_METRICS_OPS_TOKEN"))
        for source in WebhookSources.all {
            #expect(variables.contains(source.tokenVariable))
            #expect(refusal([source.tokenVariable: "secret token 0123456789"])?.contains(source.tokenVariable) == true)
        }
    }

    @Test(arguments: families, ["\n", "\r\n", "\n\n", "\r", "\r\n\r\n"])
    func stripsTrailingLineBreaksWithAWarning(variable: String, ending: String) throws {
        let configuration = try serve([variable: "secret-token-0123456789" + ending])
        #expect(token(variable, in: configuration) == "secret-token-0123456789")
        #expect(configuration.warnings == [.init(variable: variable, message: "token: trailing line break stripped")])
        #expect(!configuration.warnings.contains { $0.message.contains("secret-token") })
    }

    @Test(arguments: families)
    func aGoodTokenBootsWithoutAWarning(variable: String) throws {
        let configuration = try serve([variable: "0123456789abcdef"])
        #expect(token(variable, in: configuration) == "0123456789abcdef")
        #expect(configuration.warnings.isEmpty)
    }

    @Test(
        arguments: families,
        [
            ("secret token 0123456789", "a space"), ("secret-token-0123456789 ", "a space"),
            (" secret-token-0123456789", "a space"), (" ", "a space"), ("secret\ttoken-0123456789", "a tab"),
            ("secret\ntoken-0123456789", "a line break"), ("secret-tokén-0123456789", "a non-ASCII byte"),
            ("secret-token-0123456789\u{7F}", "a control character"),
            ("secret\u{1B}token-0123456789", "a control character"),
            ("secret-token-0123456789\n ", "a line break"),
        ]
    )
    func refusesBytesNoHeaderCarriesNamingTheVariableNotTheValue(variable: String, value: (String, String)) throws {
        let problem = try #require(refusal([variable: value.0]))
        #expect(problem.hasPrefix("\(variable): the token holds \(value.1) at byte "), "\(problem)")
        #expect(!problem.contains("secret"), "\(problem)")
        #expect(!problem.contains("\n"))
    }

    @Test func namesWhereTheRefusedByteIs() throws {
        #expect(try #require(refusal(["AUTH_TOKEN": "abcdefgh ijklmnop"])).contains("at byte 9;"))
    }

    @Test(arguments: families)
    func warnsAboutAShortToken(variable: String) throws {
        let configuration = try serve([variable: "short-token"])
        #expect(token(variable, in: configuration) == "short-token")
        #expect(configuration.warnings.map(\.variable) == [variable])
        #expect(configuration.warnings.first?.message.contains("shorter than 16 bytes") == true)
    }

    @Test func warnsBothAboutAStrippedLineBreakAndAShortToken() throws {
        let configuration = try serve(["JOB_WEBHOOK_CNG_DEV_TOKEN": "short\r\n"])
        #expect(configuration.webhookTokens["JOB_WEBHOOK_CNG_DEV_TOKEN"] == "short")
        #expect(configuration.warnings.count == 2)
        #expect(configuration.warnings.allSatisfy { $0.variable == "JOB_WEBHOOK_CNG_DEV_TOKEN" })
    }

    @Test(arguments: families)
    func refusesATokenOfLineBreaksOnly(variable: String) throws {
        let problem = try #require(refusal([variable: "\n"]))
        #expect(problem.contains(variable))
    }

    @Test func leavesAnEmptyOptionalTokenOffAndRefusesAnEmptyAuthToken() throws {
        let configuration = try serve(["DELIVERY_METRICS_OPS_TOKEN": "", "JOB_WEBHOOK_CNG_DEV_TOKEN": ""])
        #expect(configuration.pipelinesObserver.token.isEmpty)
        #expect(configuration.webhookTokens.isEmpty)
        #expect(configuration.warnings.isEmpty)
        #expect(try #require(refusal(["AUTH_TOKEN": ""])).contains("AUTH_TOKEN_FILE"))
    }

    @Test(arguments: families)
    func refusesTheManifestPlaceholderByName(variable: String) throws {
        for value in [SecretToken.manifestPlaceholder, SecretToken.manifestPlaceholder + "\n"] {
            let problem = try #require(refusal([variable: value]))
            #expect(problem.hasPrefix(variable), "\(problem)")
            #expect(problem.contains("placeholder") && problem.contains("deploy/kubernetes/secret.yaml"), "\(problem)")
        }
        // Exactly the placeholder: a token that merely contains it is a token.
        #expect(refusal([variable: SecretToken.manifestPlaceholder + "-2"]) == nil)
    }

    /// Every value in the shipped Secret, commented out or not, is the placeholder, so none of them boots.
    @Test func theShippedSecretHoldsOnlyThePlaceholder() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("deploy/kubernetes/secret.yaml")
        let manifest = try String(contentsOf: url, encoding: .utf8)
        var seen: Set<String> = []
        for line in manifest.split(separator: "\n") {
            let entry = line.trimmingCharacters(in: .whitespaces).drop { $0 == "#" }
                .trimmingCharacters(in: .whitespaces)
            guard let colon = entry.firstIndex(of: ":") else { continue }
            let name = String(entry[..<colon])
            guard SecretToken.variables.contains(name) else { continue }
            let value = entry[entry.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            #expect(value == SecretToken.manifestPlaceholder, "\(name)")
            #expect(refusal([name: value])?.contains("placeholder") == true, "\(name)")
            seen.insert(name)
        }
        #expect(seen == Set(SecretToken.variables))
    }

    @Test(arguments: families)
    func readsATokenFileWithItsTrailingNewline(variable: String) throws {
        let path = try temporaryFile(Array("file-token-0123456789\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = try serve([variable + "_FILE": path])
        #expect(token(variable, in: configuration) == "file-token-0123456789")
        #expect(configuration.warnings.map(\.variable) == [variable + "_FILE"])
    }

    @Test(arguments: families)
    func appliesTheSameRulesToAFile(variable: String) throws {
        let cases: [([UInt8], String)] = [
            (Array("file token 0123456789\n".utf8), "a space"), (Array("file-token\0-0123456789".utf8), "a NUL byte"),
            ([0x66, 0xC3, 0xA9, 0x66] + Array("-file-token-0123456789".utf8), "a non-ASCII byte"),
            (Array("file-token\t0123456789\n".utf8), "a tab"),
            ([0xFF, 0xFE] + Array("0123456789abcdef".utf8), "a non-ASCII byte"),
        ]
        for (bytes, kind) in cases {
            let path = try temporaryFile(bytes)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let problem = try #require(refusal([variable + "_FILE": path]))
            #expect(problem.hasPrefix("\(variable)_FILE \"\(path)\": the token holds \(kind)"), "\(problem)")
            #expect(!problem.contains("file-token") && !problem.contains("file token"), "\(problem)")
        }
        let placeholder = try temporaryFile(Array((SecretToken.manifestPlaceholder + "\n").utf8))
        defer { try? FileManager.default.removeItem(atPath: placeholder) }
        #expect(try #require(refusal([variable + "_FILE": placeholder])).contains("placeholder"))
        let short = try temporaryFile(Array("short".utf8))
        defer { try? FileManager.default.removeItem(atPath: short) }
        let configuration = try serve([variable + "_FILE": short])
        #expect(token(variable, in: configuration) == "short")
        #expect(configuration.warnings.first?.message.contains("shorter than 16 bytes") == true)
    }

    @Test(arguments: families)
    func refusesAnEmptyTokenFile(variable: String) throws {
        for content in ["", "\n", "\r\n"] {
            let path = try temporaryFile(Array(content.utf8))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let problem = try #require(refusal([variable + "_FILE": path]))
            #expect(problem.contains("\(variable)_FILE") && problem.contains(path) && problem.contains("no token"))
        }
    }

    @Test(arguments: families)
    func refusesAnUnreadableTokenFileNamingTheVariableAndThePath(variable: String) throws {
        let missing = "/nonexistent/token-\(UUID().uuidString)"
        let problem = try #require(refusal([variable + "_FILE": missing]))
        #expect(problem == "\(variable)_FILE \"\(missing)\": cannot open it: No such file or directory")
        let folder = FileManager.default.temporaryDirectory.path
        #expect(try #require(refusal([variable + "_FILE": folder])).contains("it is a folder"))
        #expect(try #require(refusal([variable + "_FILE": "/dev/null"])).contains("not a regular file"))
    }

    @Test func refusesATokenFileTooLargeForAToken() throws {
        let path = try temporaryFile([UInt8](repeating: 0x61, count: TokenFile.maxBytes + 1))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try #require(refusal(["AUTH_TOKEN_FILE": path])).contains("larger than 4096 bytes"))
    }

    @Test func keepsARefusedPathOnOneLine() throws {
        let problem = try #require(refusal(["AUTH_TOKEN_FILE": "/nonexistent/a\nb"]))
        #expect(!problem.contains("\n") && problem.contains(#""/nonexistent/a\nb""#), "\(problem)")
    }

    @Test(arguments: families)
    func refusesATokenAndItsFileBothSet(variable: String) throws {
        let path = try temporaryFile(Array("file-token-0123456789".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let problem = try #require(refusal([variable: "secret-token-0123456789", variable + "_FILE": path]))
        #expect(problem == "both \(variable) and \(variable)_FILE are set: set only one")
    }

    @Test func mentionsTheFileVariantsInTheHelp() {
        let help = Flag.helpText()
        #expect(help.contains("<NAME>_FILE"))
        #expect(help.contains("AUTH_TOKEN_FILE"))
        #expect(help.contains("never both"))
    }
}
