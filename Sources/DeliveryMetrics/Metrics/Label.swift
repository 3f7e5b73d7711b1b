/// A label of a metric vector: its name and what values it accepts.
///
/// Values are checked when a series is created, never on writes to a series that exists, so a regular expression
/// costs one match per new series rather than one per push.
@_spi(Harness) public struct Label: Sendable {
    enum Validator: Sendable {
        /// A closed set: only these values (which also makes the label usable for a cartesian-product reset).
        case oneOf([String])
        /// A regular expression the whole value must match; the family compiles it once (see `LabelChecker`).
        case pattern(String)
    }

    let name: String
    let validator: Validator
    /// A pattern label that lets its pattern alone decide, controls and bidirectional overrides included (see
    /// `refusesInFreeText`). The catalogue declares none; the exposition's escaping is tested with one.
    let acceptsAnyScalar: Bool
    /// A value the label accepts, for the ready-made push lines of the status page.
    let example: String

    /// Longest value any label accepts: free-text labels must not be able to eat memory one series at a time.
    static let maxValueLength = 256

    init(_ name: String, oneOf values: [String]) {
        self.name = name
        validator = .oneOf(values)
        example = values.first ?? ""
        acceptsAnyScalar = false
    }

    /// `pattern` must compile; the catalogue is code, so a broken pattern is a programming error found at boot.
    init(_ name: String, matching pattern: String, example: String = "example", acceptingAnyScalar: Bool = false) {
        self.name = name
        validator = .pattern(pattern)
        self.example = example
        acceptsAnyScalar = acceptingAnyScalar
    }

    /// Whether a free-text (pattern) label refuses `scalar` whatever its pattern: C0 and C1 controls (U+0085 too),
    /// the line and paragraph separators, and the bidirectional overrides and isolates, which would break a line or
    /// reorder what a dashboard, a terminal or a log viewer shows around the value.
    static func refusesInFreeText(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
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
            // By bytes: a canonically equivalent spelling of an allowed value is another value, not a look-alike.
            if values.contains(where: { $0.hasSameBytes(as: value) }) { return nil }
            return "one of " + values.map { $0.isEmpty ? "\"\"" : $0 }.joined(separator: ", ")
        case .pattern(let source):
            let wanted = "a value matching \(source) (at most \(Label.maxValueLength) bytes)"
            guard value.utf8.count <= Label.maxValueLength else { return wanted }
            // Before the pattern, which might let them through.
            if !label.acceptsAnyScalar, let refused = value.unicodeScalars.first(where: Label.refusesInFreeText) {
                return "a value without U+\(Self.hex(refused)) (free-text labels refuse control characters, line and "
                    + "paragraph separators, and bidirectional overrides)"
            }
            if let regex, (try? regex.wholeMatch(in: value)) != nil { return nil }
            return wanted
        }
    }

    /// `0085`, `202E`: four hexadecimal digits at least, as code points are written.
    private static func hex(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
