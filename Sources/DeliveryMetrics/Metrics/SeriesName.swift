/// A series as people read it, in a push's answer or a refusal: `name{label="value",...}`, or just `name` without
/// labels, each value escaped as the text format escapes it. The exposition renders label pairs with it too.
enum SeriesName {
    static func text(_ definition: MetricDefinition, _ values: some Sequence<String>) -> String {
        let labels = definition.labels
        guard !labels.isEmpty else { return definition.fullName }
        return definition.fullName + "{" + labelPairs(zip(labels, values).map { ($0.name, $1) }) + "}"
    }

    /// `name="value",...` with values escaped, in the order given.
    static func labelPairs(_ pairs: [(name: String, value: String)]) -> String {
        pairs.map { "\($0.name)=\"\(escape($0.value, quote: true))\"" }.joined(separator: ",")
    }

    /// Backslash and newline escaped, and the double quote when `quote` is set. Works on Unicode scalars, as Go
    /// works on bytes: a Swift Character may join a quote or a line feed with what follows it (`"\r\n"`, `"` +
    /// U+0301), and must not hide it from the escaping.
    static func escape(_ text: String, quote: Bool) -> String {
        let scalars = text.unicodeScalars
        guard scalars.contains(where: { $0 == "\\" || $0 == "\n" || (quote && $0 == "\"") }) else { return text }
        var output = String.UnicodeScalarView()
        for scalar in scalars {
            switch scalar {
            case "\\": output.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": output.append(contentsOf: "\\n".unicodeScalars)
            case "\"" where quote: output.append(contentsOf: "\\\"".unicodeScalars)
            default: output.append(scalar)
            }
        }
        return String(output)
    }
}
