/// Floats exactly as Go's Prometheus client writes them: `strconv.FormatFloat(v, 'g', -1, 64)` with `+Inf`, `-Inf`
/// and `NaN`. Swift's `description` already yields the shortest round-trip digits; only the layout differs
/// (`1e+06` rather than `1000000.0`). The layout is done in a stack buffer: every push's answer and every rendered
/// sample goes through here, and the result (at most 24 bytes) mostly fits a small string that needs no heap.
@_spi(Harness) public enum GoFloat {
    @_spi(Harness) public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        // Whole numbers below a million print as integers in Go's %g: the common case, without the digit shuffle.
        if value.magnitude < 1e6, value == value.rounded(.towardZero) { return String(Int(value)) }
        let shortest = value.magnitude.description
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            // Digits go to buffer[32...], the laid-out text to buffer[..<32].
            let digitsStart = 32
            var digitsEnd = digitsStart
            var integerLength: Int?
            var exponent = 0
            var exponentSign = 1
            var inExponent = false
            for byte in shortest.utf8 {
                switch byte {
                case UInt8(ascii: "e"): inExponent = true
                case UInt8(ascii: "-") where inExponent: exponentSign = -1
                case UInt8(ascii: "+"): break
                case UInt8(ascii: "."): integerLength = digitsEnd - digitsStart
                case _ where inExponent: exponent = exponent * 10 + Int(byte &- UInt8(ascii: "0"))
                default:
                    buffer[digitsEnd] = byte
                    digitsEnd += 1
                }
            }
            // value = 0.DIGITS × 10^pointPosition, without leading or trailing zeros.
            var pointPosition = (integerLength ?? (digitsEnd - digitsStart)) + exponent * exponentSign
            var first = digitsStart
            while first < digitsEnd, buffer[first] == UInt8(ascii: "0") {
                first += 1
                pointPosition -= 1
            }
            while digitsEnd > first, buffer[digitsEnd - 1] == UInt8(ascii: "0") { digitsEnd -= 1 }
            let digitCount = digitsEnd - first

            var length = 0
            func put(_ byte: UInt8) {
                buffer[length] = byte
                length += 1
            }
            func putDigits(_ range: Range<Int>) {
                for index in range { put(buffer[first + index]) }
            }
            if value < 0 { put(UInt8(ascii: "-")) }
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
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<length]), as: UTF8.self)
        }
    }
}
