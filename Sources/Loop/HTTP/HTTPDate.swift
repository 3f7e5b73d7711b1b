import Glibc

/// The `Date` header value (RFC 9110 IMF-fixdate), formatted at most once a second, as the bytes the writer copies.
struct HTTPDate {
    private var second: time_t = -1
    private var cached: [UInt8] = []

    /// `body` called with the current value's bytes, borrowed (no copy of the array to retain and release).
    mutating func withCurrent<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        refresh()
        return cached.withUnsafeBytes(body)
    }

    private mutating func refresh() {
        let now = time(nil)
        if now != second {
            second = now
            cached = Array(Self.format(now).utf8)
        }
    }

    static func format(_ seconds: time_t) -> String {
        var parts = tm()
        var time = seconds
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
