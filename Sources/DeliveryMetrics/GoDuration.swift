/// Go's `time.ParseDuration`: a sequence of decimal numbers with units, such as `300ms`, `1.5h` or `2h45m`.
enum GoDuration {
    /// A duration as a flag takes it, in the largest unit that holds it whole: `10s`, `5m`, `1500ms`.
    static func text(milliseconds: UInt64) -> String {
        let units: [(String, UInt64)] = [("h", 3_600_000), ("m", 60_000), ("s", 1_000)]
        guard let (unit, size) = units.first(where: { milliseconds >= $0.1 && milliseconds % $0.1 == 0 }) else {
            return "\(milliseconds)ms"
        }
        return "\(milliseconds / size)\(unit)"
    }

    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [
            ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
        ]
        var rest = Substring(text)
        var sign = 1.0
        if rest.first == "-" || rest.first == "+" {
            sign = rest.first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let (unit, scale) = units.filter({ rest.hasPrefix($0.0) }).max(by: { $0.0.count < $1.0.count })
            else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        return sign * total
    }
}
