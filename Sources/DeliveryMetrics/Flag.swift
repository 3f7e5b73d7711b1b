/// One command-line flag: its name, what it sets, and its line in `--help`.
struct Flag: Sendable {
    let name: String
    let valueName: String
    let help: String
    /// The flag's value in a configuration, as `--help` prints its default; nil when unset, which `unset` describes.
    let shows: @Sendable (Configuration) -> String?
    let unset: String
    let apply: @Sendable (String, inout Configuration) throws -> Void
    var isBoolean: Bool { valueName.isEmpty }
    var negatedName: String? { isBoolean ? "no-" + name : nil }
    /// The environment variable that sets the same thing, e.g. `DELIVERY_METRICS_LISTEN_ADDRESS`.
    var environmentName: String {
        "DELIVERY_METRICS_" + String(name.uppercased().map { $0 == "-" ? "_" : $0 })
    }

    init(
        name: String,
        valueName: String,
        help: String,
        shows: @escaping @Sendable (Configuration) -> String?,
        unset: String = "",
        apply: @escaping @Sendable (String, inout Configuration) throws -> Void
    ) {
        self.name = name
        self.valueName = valueName
        self.help = help
        self.shows = shows
        self.unset = unset
        self.apply = apply
    }

    /// The help with the default read from `defaults` (a default `Configuration()` in `--help`), so the two cannot
    /// drift apart.
    func helpWithDefault(_ defaults: Configuration) -> String {
        guard let value = shows(defaults) else { return "\(help) (default: \(unset))" }
        return "\(help) (default \(value))"
    }
}
