/// `--help`: every flag with its default, the environment variables, and the rules for tokens.
extension Flag {
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
        let defaults = Configuration()
        for flag in all {
            let left = flag.isBoolean ? "  --\(flag.name), --no-\(flag.name)" : "  --\(flag.name) \(flag.valueName)"
            lines.append(left.padding(to: 34) + flag.helpWithDefault(defaults))
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
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
