import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// Expected strings are what Go 1.19's `strconv.FormatFloat(v, 'g', -1, 64)` prints (with Prometheus's `+Inf`).
@Suite("Go float formatting")
struct GoFloatTests {
    @Test(arguments: [
        (1.0, "1"), (0.0, "0"), (-1.0, "-1"), (-0.0, "-0"),
        (123456.0, "123456"), (1234567.0, "1.234567e+06"), (1e6, "1e+06"), (999999.5, "999999.5"),
        (1795557111.6031327, "1.7955571116031327e+09"), (0.0001, "0.0001"), (0.00001, "1e-05"),
        (2.5e-5, "2.5e-05"), (1e-7, "1e-07"), (1e21, "1e+21"), (5e-324, "5e-324"),
        (0.005, "0.005"), (0.1, "0.1"), (2.5, "2.5"), (18000.0, "18000"), (1.5e3, "1500"),
        (12394496.0, "1.2394496e+07"), (100.25, "100.25"), (0.30000000000000004, "0.30000000000000004"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (123.456e-10, "1.23456e-08"),
        (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"),
    ])
    func formatsLikeGo(value: Double, expected: String) {
        #expect(GoFloat.format(value) == expected)
    }

    /// Whatever the layout, the text must read back as the same double: random bit patterns over the whole range.
    @Test func readsBackAsTheSameValue() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            let text = GoFloat.format(value)
            #expect(Double(text) == value, "\(value) became \(text)")
        }
    }

    /// The integers of access lines and answers, as `String(value)` writes them.
    @Test func writesIntegersAsStringDoes() {
        var generator = SystemRandomNumberGenerator()
        var values = [0, 1, -1, 9, 10, 99, 100, 101, 999, 1000, Int.max, Int.min, Int.max - 1, Int.min + 1]
        values += (0..<19).map { power in (0..<power).reduce(1) { value, _ in value * 10 } }
        values += (0..<5_000).map { _ in Int(truncatingIfNeeded: generator.next() >> UInt64.random(in: 0...63)) }
        var buffer = [UInt8](repeating: 0, count: 24)
        for value in values + values.map { 0 &- $0 } {
            let count = buffer.withUnsafeMutableBufferPointer { GoFloat.writeDecimal(value, to: $0.baseAddress!) }
            #expect(String(decoding: buffer[..<count], as: UTF8.self) == String(value))
        }
    }
}
