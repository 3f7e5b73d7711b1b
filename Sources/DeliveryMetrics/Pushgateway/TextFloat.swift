/// The floats of a text-format push (sample values, and the `quantile` and `le` labels): what expfmt's `parseFloat`
/// accepts, which is Go's `strconv.ParseFloat(s, 64)` with every `p`, `P` and `_` refused first. So a value is a
/// decimal with an optional sign, point and exponent (`1`, `-.5`, `5.`, `1.5E+3`), `Inf` or `Infinity` with an
/// optional sign, or `NaN` without one, the words in any case. No hexadecimal (`0x10` lacks the `p` Go requires,
/// `0x1p3` has the `p` expfmt refuses), no digit separators, no blanks, no C spellings such as `nan(1)`, which is why
/// the grammar is checked here rather than left to `strtod`. A value beyond the largest double is refused, as Go's
/// `ErrRange` is; one below the smallest becomes zero, as in Go.
enum TextFloat {
    /// The value `text` spells, or nil when expfmt would refuse it.
    static func parse(_ text: ArraySlice<UInt8>) -> Double? {
        var index = text.startIndex
        var negative = false
        var signed = false
        if index < text.endIndex, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
            negative = text[index] == UInt8(ascii: "-")
            signed = true
            index += 1
        }
        guard index < text.endIndex else { return nil }
        if !isDigit(text[index]), text[index] != UInt8(ascii: ".") {
            return word(text[index...], signed: signed, negative: negative)
        }
        guard let decimal = DecimalDigits(text[index...]) else { return nil }
        return decimal.value(negative: negative)
    }

    /// `Inf`, `Infinity` (either with a sign) and `NaN` (without), in any case.
    private static func word(_ text: ArraySlice<UInt8>, signed: Bool, negative: Bool) -> Double? {
        if TextFormatReader.equalsIgnoringCase(text, "inf") || TextFormatReader.equalsIgnoringCase(text, "infinity") {
            return negative ? -.infinity : .infinity
        }
        if !signed, TextFormatReader.equalsIgnoringCase(text, "nan") { return .nan }
        return nil
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}

/// A decimal's digits and exponent, checked against Go's grammar (`digits [. [digits]] | . digits`, then an optional
/// `e` or `E`, sign and digits) and reduced to what decides its double: the significant digits (leading zeros
/// dropped) and a power of ten. A megabyte of digits costs one pass: past `keptDigits` only whether a non-zero digit
/// followed is kept, which rounds the same (a double's halfway points have at most 767 significant digits).
private struct DecimalDigits {
    static let keptDigits = 800
    /// An exponent beyond this either way is infinity or zero whatever the digits: sums stay far from
    /// overflow, and `strtod` is never handed a long exponent.
    static let exponentBound = 100_000

    /// The mantissa as written, digits and point.
    private(set) var digits: ArraySlice<UInt8> = []
    /// The first significant digits as an integer, while there are at most 19 of them: the fast path's input.
    private(set) var leading: UInt64 = 0
    private(set) var significantDigits = 0
    /// Whether a non-zero digit was dropped past `keptDigits`.
    private(set) var inexact = false
    /// The value is (the significant digits kept, as an integer) × 10^`exponent`.
    private(set) var exponent = 0

    init?(_ text: ArraySlice<UInt8>) {
        var index = text.startIndex
        var mantissaDigits = 0
        var inFraction = false
        while index < text.endIndex {
            let byte = text[index]
            if TextFloat.isDigit(byte) {
                mantissaDigits += 1
                note(digit: byte, inFraction: inFraction)
            } else if byte == UInt8(ascii: "."), !inFraction {
                inFraction = true
            } else {
                break
            }
            index += 1
        }
        guard mantissaDigits > 0 else { return nil }
        digits = text[text.startIndex..<index]
        guard index < text.endIndex else { return }
        guard text[index] | 0x20 == UInt8(ascii: "e") else { return nil }
        index += 1
        var negativeExponent = false
        if index < text.endIndex, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
            negativeExponent = text[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < text.endIndex else { return nil }
        var written = 0
        while index < text.endIndex {
            guard TextFloat.isDigit(text[index]) else { return nil }
            // Saturates: 10^100001 and 10^(10^20) are both out of range.
            written = min(written * 10 + Int(text[index] - UInt8(ascii: "0")), Self.exponentBound)
            index += 1
        }
        exponent += negativeExponent ? -written : written
    }

    private mutating func note(digit: UInt8, inFraction: Bool) {
        if significantDigits == 0, digit == UInt8(ascii: "0") {
            if inFraction { exponent -= 1 }
            return
        }
        if significantDigits < Self.keptDigits {
            if significantDigits < 19 { leading = leading * 10 + UInt64(digit - UInt8(ascii: "0")) }
            significantDigits += 1
            if inFraction { exponent -= 1 }
        } else {
            if digit != UInt8(ascii: "0") { inexact = true }
            if !inFraction { exponent += 1 }
        }
    }

    /// The correctly rounded double, or nil when it is out of range (Go's `ErrRange`).
    func value(negative: Bool) -> Double? {
        guard significantDigits > 0 else { return negative ? -0.0 : 0 }
        // The value lies in [10^(magnitude - 1), 10^magnitude).
        let magnitude = exponent + significantDigits
        if magnitude > 310 { return nil }
        if magnitude < -330 { return negative ? -0.0 : 0 }
        if let exact = exactValue() { return negative ? -exact : exact }
        guard let parsed = canonicalValue(), parsed.isFinite else { return nil }
        return negative ? -parsed : parsed
    }

    /// Clinger's fast path: an integer below 2^53 and a power of ten a double holds exactly (10^22 at most) make one
    /// correctly rounded multiplication or division.
    private func exactValue() -> Double? {
        guard significantDigits <= 19, !inexact, leading <= 1 << 53, exponent >= -22, exponent <= 22 else {
            return nil
        }
        let power = Self.powersOfTen[abs(exponent)]
        return exponent < 0 ? Double(leading) / power : Double(leading) * power
    }

    /// The rest through `Double(String)` (`strtod` in the C locale, correctly rounded), given a short text of
    /// checked digits and exponent: `1234e-300`, with a trailing `1` standing for the dropped digits.
    private func canonicalValue() -> Double? {
        var text = ""
        text.reserveCapacity(significantDigits + 12)
        var kept = 0
        for digit in digits where TextFloat.isDigit(digit) {
            if kept == 0, digit == UInt8(ascii: "0") { continue }
            guard kept < significantDigits else { break }
            text.unicodeScalars.append(Unicode.Scalar(digit))
            kept += 1
        }
        var exponent = self.exponent
        if inexact {
            text += "1"
            exponent -= 1
        }
        text += "e\(exponent)"
        return Double(text)
    }

    private static let powersOfTen: [Double] = [
        1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]
}
