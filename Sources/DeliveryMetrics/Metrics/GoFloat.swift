/// Floats exactly as Go's Prometheus client writes them: `strconv.FormatFloat(v, 'g', -1, 64)` with `+Inf`, `-Inf`
/// and `NaN`. Swift's `description` already yields the shortest round-trip digits; only the layout differs
/// (`1e+06` rather than `1000000.0`). The layout is done into bytes (`write`): every push's answer, every access line
/// and every rendered sample goes through here, and `format`'s result (at most 24 bytes) mostly fits a small string
/// that needs no heap.
@_spi(Harness) public enum GoFloat {
    /// The most bytes `write` writes: `-1.7976931348623157e+308` is 24.
    static let maxBytes = 32

    @_spi(Harness) public static func format(_ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxBytes) { buffer in
            let length = write(value, to: buffer.baseAddress!)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<length]), as: UTF8.self)
        }
    }

    /// Writes what `format` returns, as UTF-8 (ASCII), at `output`, which must have room for `maxBytes`; returns how
    /// many bytes it wrote.
    @_spi(Harness) public static func write(_ value: Double, to output: UnsafeMutablePointer<UInt8>) -> Int {
        var length = 0
        func put(_ byte: UInt8) {
            output[length] = byte
            length += 1
        }
        if value.isNaN {
            put(UInt8(ascii: "N"))
            put(UInt8(ascii: "a"))
            put(UInt8(ascii: "N"))
            return length
        }
        if value.isInfinite {
            put(value < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            put(UInt8(ascii: "I"))
            put(UInt8(ascii: "n"))
            put(UInt8(ascii: "f"))
            return length
        }
        if value == 0 {
            if value.sign == .minus { put(UInt8(ascii: "-")) }
            put(UInt8(ascii: "0"))
            return length
        }
        // Whole numbers below a million print as integers in Go's %g: the common case, without the digit shuffle.
        if value.magnitude < 1e6, value == value.rounded(.towardZero) {
            return writeDecimal(Int(value), to: output)
        }
        let shortest = value.magnitude.description
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            var digitsEnd = 0
            var integerLength: Int?
            var exponent = 0
            var exponentSign = 1
            var inExponent = false
            for byte in shortest.utf8 {
                switch byte {
                case UInt8(ascii: "e"): inExponent = true
                case UInt8(ascii: "-") where inExponent: exponentSign = -1
                case UInt8(ascii: "+"): break
                case UInt8(ascii: "."): integerLength = digitsEnd
                case _ where inExponent: exponent = exponent * 10 + Int(byte &- UInt8(ascii: "0"))
                default:
                    buffer[digitsEnd] = byte
                    digitsEnd += 1
                }
            }
            let pointPosition = (integerLength ?? digitsEnd) + exponent * exponentSign
            return layOut(
                UnsafeBufferPointer(rebasing: buffer[..<digitsEnd]),
                pointPosition: pointPosition,
                negative: value < 0,
                to: output
            )
        }
    }

    /// What `format(Double(integer) / 1e6)` returns (the access log's microsecond durations), written without
    /// asking for the shortest digits: for `integer` below 10^15 they are its own digits, since no two decimals of
    /// at most 15 significant digits round to one double. Nil, and nothing written, for other integers.
    static func write(micros integer: Int, to output: UnsafeMutablePointer<UInt8>) -> Int? {
        guard integer > 0, integer < 1_000_000_000_000_000 else {
            guard integer == 0 else { return nil }
            output[0] = UInt8(ascii: "0")
            return 1
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            let count = writeDecimal(integer, to: buffer.baseAddress!)
            return layOut(
                UnsafeBufferPointer(rebasing: buffer[..<count]),
                pointPosition: count - 6,
                negative: false,
                to: output
            )
        }
    }

    /// Go's `%g` layout of `0.DIGITS × 10^pointPosition` (digits as ASCII, leading and trailing zeros allowed).
    private static func layOut(
        _ digits: UnsafeBufferPointer<UInt8>,
        pointPosition: Int,
        negative: Bool,
        to output: UnsafeMutablePointer<UInt8>
    ) -> Int {
        var length = 0
        func put(_ byte: UInt8) {
            output[length] = byte
            length += 1
        }
        // Without leading or trailing zeros.
        var pointPosition = pointPosition
        var first = 0
        var digitsEnd = digits.count
        while first < digitsEnd, digits[first] == UInt8(ascii: "0") {
            first += 1
            pointPosition -= 1
        }
        while digitsEnd > first, digits[digitsEnd - 1] == UInt8(ascii: "0") { digitsEnd -= 1 }
        let digitCount = digitsEnd - first

        func putDigits(_ range: Range<Int>) {
            for index in range { put(digits[first + index]) }
        }
        if negative { put(UInt8(ascii: "-")) }
        let scientific = pointPosition - 1
        if scientific < -4 || scientific >= 6 {
            putDigits(0..<1)
            if digitCount > 1 {
                put(UInt8(ascii: "."))
                putDigits(1..<digitCount)
            }
            put(UInt8(ascii: "e"))
            put(scientific < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let magnitude = abs(scientific)
            if magnitude >= 100 { put(UInt8(ascii: "0") + UInt8(magnitude / 100)) }
            put(UInt8(ascii: "0") + UInt8(magnitude / 10 % 10))
            put(UInt8(ascii: "0") + UInt8(magnitude % 10))
        } else if pointPosition <= 0 {
            put(UInt8(ascii: "0"))
            put(UInt8(ascii: "."))
            for _ in 0..<(-pointPosition) { put(UInt8(ascii: "0")) }
            putDigits(0..<digitCount)
        } else if pointPosition >= digitCount {
            putDigits(0..<digitCount)
            for _ in 0..<(pointPosition - digitCount) { put(UInt8(ascii: "0")) }
        } else {
            putDigits(0..<pointPosition)
            put(UInt8(ascii: "."))
            putDigits(pointPosition..<digitCount)
        }
        return length
    }

    /// `String(value)` as bytes at `output` (room for 20 bytes); returns how many.
    static func writeDecimal(_ value: Int, to output: UnsafeMutablePointer<UInt8>) -> Int {
        var length = 0
        if value < 0 {
            output[0] = UInt8(ascii: "-")
            length = 1
        }
        // The magnitude as UInt, so that Int.min does not overflow.
        var magnitude = value.magnitude
        var digits = 1
        var bound: UInt = 10
        while digits < 19, magnitude >= bound {
            digits += 1
            bound &*= 10
        }
        if digits == 19, magnitude >= bound { digits = 20 }
        // Two digits at a time, from the right.
        let pairs = Self.digitPairs.utf8Start
        var index = length + digits
        while magnitude >= 100 {
            let pair = Int(magnitude % 100) * 2
            magnitude /= 100
            index -= 2
            output[index] = pairs[pair]
            output[index + 1] = pairs[pair + 1]
        }
        if magnitude >= 10 {
            let pair = Int(magnitude) * 2
            output[index - 2] = pairs[pair]
            output[index - 1] = pairs[pair + 1]
        } else {
            output[index - 1] = UInt8(ascii: "0") + UInt8(magnitude)
        }
        return length + digits
    }

    /// `00` to `99`, two bytes each.
    private static let digitPairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
}
