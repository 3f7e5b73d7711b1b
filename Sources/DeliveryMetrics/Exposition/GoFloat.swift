/// Floats exactly as Go's Prometheus client writes them: `strconv.FormatFloat(v, 'g', -1, 64)` with `+Inf`, `-Inf`
/// and `NaN`. Swift's `description` already yields the shortest round-trip digits; only the layout differs
/// (`1e+06` rather than `1000000.0`).
enum GoFloat {
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        // Whole numbers below a million print as integers in Go's %g: the common case, without the digit shuffle.
        if value.magnitude < 1e6, value == value.rounded(.towardZero) { return String(Int(value)) }
        let (digits, pointPosition) = shortestDigits(value.magnitude)
        var output = value < 0 ? "-" : ""
        let exponent = pointPosition - 1
        if exponent < -4 || exponent >= 6 {
            output.append(digits[0])
            if digits.count > 1 {
                output.append(".")
                output.append(contentsOf: digits.dropFirst())
            }
            output.append(exponent < 0 ? "e-" : "e+")
            let magnitude = abs(exponent)
            if magnitude < 10 { output.append("0") }
            output.append(String(magnitude))
            return output
        }
        if pointPosition <= 0 {
            output.append("0.")
            output.append(String(repeating: "0", count: -pointPosition))
            output.append(contentsOf: digits)
        } else if pointPosition >= digits.count {
            output.append(contentsOf: digits)
            output.append(String(repeating: "0", count: pointPosition - digits.count))
        } else {
            output.append(contentsOf: digits.prefix(pointPosition))
            output.append(".")
            output.append(contentsOf: digits.dropFirst(pointPosition))
        }
        return output
    }

    /// The shortest round-trip significant digits of a positive finite value, without leading or trailing zeros,
    /// and where the decimal point goes: value = 0.DIGITS × 10^pointPosition.
    static func shortestDigits(_ value: Double) -> (digits: [Character], pointPosition: Int) {
        let text = value.description
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        let exponent = parts.count > 1 ? Int(parts[1])! : 0
        let integerLength =
            mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) }
            ?? mantissa.count
        var digits = Array(mantissa.filter { $0 != "." })
        var pointPosition = integerLength + exponent
        while digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0" {
            digits.removeLast()
        }
        return (digits, pointPosition)
    }
}
