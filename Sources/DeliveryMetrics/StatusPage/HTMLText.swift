/// Text as the status page writes it: escaped for HTML, times as `<time>` elements, values for a shell.
enum HTMLText {
    /// Escaped for both text and double-quoted attribute values, scalar by scalar: a `"` followed by a combining
    /// mark is one `Character` that is not equal to `"`, and would close an attribute if compared as characters.
    static func escape(_ text: String) -> String {
        var output = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output.append(contentsOf: "&amp;".unicodeScalars)
            case "<": output.append(contentsOf: "&lt;".unicodeScalars)
            case ">": output.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": output.append(contentsOf: "&quot;".unicodeScalars)
            case "'": output.append(contentsOf: "&#39;".unicodeScalars)
            default: output.append(scalar)
            }
        }
        return String(output)
    }

    /// The most of one name or value the page shows.
    static let longest = 200

    /// `text` cut to `longest` Unicode scalars with an ellipsis: a label value may be a megabyte, and the page
    /// lists hundreds of series, twice each (the cell and the filter's text). Cut by scalars, not characters, so
    /// that one character of a million combining marks is cut too.
    static func shortened(_ text: String) -> String {
        guard text.utf8.count > longest else { return text }
        let scalars = text.unicodeScalars
        guard scalars.count > longest else { return text }
        return String(String.UnicodeScalarView(scalars.prefix(longest))) + "…"
    }

    /// A UTC time, absolute in the markup (a cached page must not say "3 min ago"); the page's script shows the
    /// relative form instead and keeps the absolute one as the element's title.
    static func time(_ seconds: Double) -> String {
        let stamp = LogFormatter.rfc3339(seconds).prefix(19)
        return "<time datetime=\"\(stamp)Z\">\(stamp.replacing("T", with: " ")) UTC</time>"
    }

    /// A number as Prometheus writes it.
    static func number(_ value: Double) -> String {
        GoFloat.format(value)
    }

    /// A derived figure (a histogram's mean) to three decimals: the exact values are in the row beside it.
    static func rounded(_ value: Double) -> String {
        let rounded = (value * 1_000).rounded() / 1_000
        return GoFloat.format(rounded.isFinite ? rounded : value)
    }

    /// Single quotes when the value holds anything a shell would interpret.
    static func shellQuote(_ value: String) -> String {
        value.allSatisfy { $0.isLetter || $0.isNumber || "-_.,:".contains($0) } ? value : "'\(value)'"
    }
}
