/// A label of a metric vector: its name and what values it accepts.
///
/// Values are checked when a series is created, never on writes to a series that exists, so a regular expression
/// costs one match per new series rather than one per push.
struct Label: Sendable {
    enum Validator: Sendable {
        /// A closed set: only these values (which also makes the label usable for a cartesian-product reset).
        case oneOf([String])
        /// A regular expression the whole value must match; the family compiles it once (see `LabelChecker`).
        case pattern(String)
    }

    let name: String
    let validator: Validator
    /// A value the label accepts, for the ready-made push lines of the status page.
    let example: String

    /// Longest value any label accepts: free-text labels must not be able to eat memory one series at a time.
    static let maxValueLength = 256

    init(_ name: String, oneOf values: [String]) {
        self.name = name
        validator = .oneOf(values)
        example = values.first ?? ""
    }

    /// `pattern` must compile; the catalogue is code, so a broken pattern is a programming error found at boot.
    init(_ name: String, matching pattern: String, example: String = "example") {
        self.name = name
        validator = .pattern(pattern)
        self.example = example
    }

    /// The closed set of values, or nil for a pattern label.
    var allowedValues: [String]? {
        if case .oneOf(let values) = validator { return values }
        return nil
    }
}

/// A label's validator made ready to run: the regular expression compiled once, when its family is created.
struct LabelChecker {
    let label: Label
    private let regex: Regex<AnyRegexOutput>?

    init(_ label: Label) {
        self.label = label
        if case .pattern(let source) = label.validator {
            do {
                // Scalar by scalar and ASCII digits only: a Character-level match would let a combining mark or CRLF
                // slip a quote or a control character past a character class.
                regex = try Regex(source).matchingSemantics(.unicodeScalar).asciiOnlyDigits()
            } catch {
                fatalError("label \(label.name): invalid pattern \(source): \(error)")
            }
        } else {
            regex = nil
        }
    }

    /// Nil when `value` is accepted, else what the label accepts, for the error message.
    func problem(with value: String) -> String? {
        switch label.validator {
        case .oneOf(let values):
            if values.contains(value) { return nil }
            return "one of " + values.map { $0.isEmpty ? "\"\"" : $0 }.joined(separator: ", ")
        case .pattern(let source):
            if value.utf8.count <= Label.maxValueLength, let regex, (try? regex.wholeMatch(in: value)) != nil {
                return nil
            }
            return "a value matching \(source) (at most \(Label.maxValueLength) bytes)"
        }
    }
}
