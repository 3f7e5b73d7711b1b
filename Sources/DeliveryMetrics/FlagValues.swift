/// The value types flags take, each refused with a message that names the flag.
extension Flag {
    static func integer(
        _ value: String,
        flag: String,
        in range: ClosedRange<Int>
    ) throws(Configuration.Problem) -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw Configuration.Problem(
                description: "invalid value \"\(value)\" for flag -\(flag): want an integer in \(range)"
            )
        }
        return number
    }

    static func duration(_ value: String, flag: String) throws(Configuration.Problem) -> Double {
        guard let seconds = GoDuration.seconds(value), seconds >= 0 else {
            throw Configuration.Problem(
                description: "invalid value \"\(value)\" for flag -\(flag): want a duration such as 10s or 1m30s"
            )
        }
        return seconds
    }

    static func milliseconds(_ value: String, flag: String) throws(Configuration.Problem) -> UInt64 {
        let seconds = try duration(value, flag: flag)
        guard seconds > 0 else {
            throw Configuration.Problem(description: "invalid value \"\(value)\" for flag -\(flag): must be above 0")
        }
        return UInt64(max(1, (seconds * 1000).rounded()))
    }
}
