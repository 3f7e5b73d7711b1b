/// The families of a text-format body as they are assembled, the way expfmt's `TextParser` assembles them: by name,
/// whether a name's lines are together or not, a summary's or histogram's lines gathered into one metric per label
/// set (its `quantile` or `le` aside), every other line a metric of its own. Families come out in the order of their
/// first sample, and only those that have one: a HELP or TYPE line alone makes none.
struct TextFamilies {
    /// What a sample's name is to the family it belongs to: `x_count` and `x_sum` are a count and a sum of the
    /// summary or histogram `x`; everything else (`x`, `x_bucket`, any name of a family of its own) is a value.
    enum Role {
        case value
        case count
        case sum
    }

    struct Resolution {
        let family: Int
        let role: Role
        /// The family carries this very name (rather than `x_count` standing for `x`).
        fileprivate let exact: Bool
    }

    private struct Entry {
        var family: PushedFamily
        /// From the TYPE line, or untyped from the first sample without one: expfmt's `Type`, nil until then.
        var kind: PushedFamily.Kind?
        /// A summary's or histogram's metrics by their label set (`TextFamilies.key`).
        var metricsByLabels: [ByteKey: Int] = [:]
    }

    private var entries: [Entry] = []
    /// Every name met, as a slice of the body, and what it resolved to. Once resolved, a name resolves the same way
    /// for the rest of the body (a family is never removed, and a summary or histogram keeps its type), so each name
    /// is worked out once.
    private var names: [ByteSliceKey: Resolution] = [:]
    /// The entries with a metric, in the order they had their first.
    private var order: [Int] = []
    private var budget: SeriesBudget

    init(budget: SeriesBudget) {
        self.budget = budget
    }

    /// The families with their metrics, in the order of their first sample.
    var families: [PushedFamily] {
        order.map { entries[$0].family }
    }

    /// expfmt's `setOrCreateCurrentMF`: the family of that name; else, for `x_count` or `x_sum`, the summary `x`; else,
    /// for `x_count`, `x_sum` or `x_bucket`, the histogram `x`; else a new family of that name. HELP and TYPE lines
    /// resolve their name the same way, so `# HELP x_sum` gives the summary `x` its help.
    mutating func resolve(_ name: ArraySlice<UInt8>) -> Resolution {
        if let known = names[ByteSliceKey(name)] { return known }
        let resolution = parent(of: name) ?? create(name)
        names[ByteSliceKey(name)] = resolution
        return resolution
    }

    private func parent(of name: ArraySlice<UInt8>) -> Resolution? {
        let suffix: (role: Role, length: Int)? =
            if Self.hasSuffix(name, "_count") {
                (.count, 6)
            } else if Self.hasSuffix(name, "_sum") {
                (.sum, 4)
            } else if Self.hasSuffix(name, "_bucket") {
                (.value, 7)
            } else {
                nil
            }
        guard let suffix else { return nil }
        // Only a family of that very name is a parent: `x_count_count` is not the summary `x`'s.
        guard let parent = names[ByteSliceKey(name.dropLast(suffix.length))], parent.exact else { return nil }
        let kind = entries[parent.family].kind
        guard kind == .histogram || (kind == .summary && suffix.length != 7) else { return nil }
        return Resolution(family: parent.family, role: suffix.role, exact: false)
    }

    private mutating func create(_ name: ArraySlice<UInt8>) -> Resolution {
        entries.append(Entry(family: PushedFamily(name: Array(name))))
        return Resolution(family: entries.count - 1, role: .value, exact: true)
    }

    /// expfmt's suffix tests: a name that is only the suffix has none.
    private static func hasSuffix(_ name: ArraySlice<UInt8>, _ suffix: StaticString) -> Bool {
        let length = suffix.utf8CodeUnitCount
        guard name.count > length else { return false }
        return name.suffix(length).elementsEqual(UnsafeBufferPointer(start: suffix.utf8Start, count: length))
    }

    func help(of family: Int) -> [UInt8]? {
        entries[family].family.help
    }

    mutating func setHelp(_ help: [UInt8], of family: Int) {
        entries[family].family.help = help
    }

    func kind(of family: Int) -> PushedFamily.Kind? {
        entries[family].kind
    }

    mutating func setKind(_ kind: PushedFamily.Kind, of family: Int) {
        entries[family].kind = kind
        entries[family].family.kind = kind
    }

    /// A counter's, gauge's or untyped sample: a metric of its own, spent from the budget as it comes.
    mutating func append(_ metric: PushedMetric, to family: Int) throws(PushBodyError) {
        try budget.spend()
        if entries[family].family.metrics.isEmpty { order.append(family) }
        entries[family].family.metrics.append(metric)
    }

    /// The metric of a summary or histogram with these labels (its `quantile` or `le` aside), in whatever order they
    /// came: the one made by an earlier sample, or a new one with `empty` (spent from the budget). Changed by `body`.
    mutating func updateMetric(
        of family: Int,
        labels: [PushedLabel],
        empty: PushedMetric,
        _ body: (inout PushedMetric) -> Void
    ) throws(PushBodyError) {
        let key = ByteKey(Self.key(labels))
        let index: Int
        if let known = entries[family].metricsByLabels[key] {
            index = known
        } else {
            try budget.spend()
            if entries[family].family.metrics.isEmpty { order.append(family) }
            var metric = empty
            metric.labels = labels
            entries[family].family.metrics.append(metric)
            index = entries[family].family.metrics.count - 1
            entries[family].metricsByLabels[key] = index
        }
        body(&entries[family].family.metrics[index])
    }

    /// A label set as bytes that tell it apart from any other, whatever the order its labels came in: sorted by name
    /// (unique, checked before), each name then a 0 (which a name cannot hold) and its value's length before it.
    private static func key(_ labels: [PushedLabel]) -> [UInt8] {
        var key: [UInt8] = []
        for label in labels.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) }) {
            key += label.name
            key.append(0)
            withUnsafeBytes(of: UInt64(label.value.count).littleEndian) { key += $0 }
            key += label.value
        }
        return key
    }
}
