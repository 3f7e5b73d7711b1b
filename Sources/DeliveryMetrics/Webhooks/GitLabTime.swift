import Glibc

/// GitLab's timestamps, in the three shapes job events carry: `2023-01-10 13:50:05 UTC`, `2023-01-10T13:50:05.886Z`,
/// and the `*_iso` fields' `2023-01-10T13:50:05+00:00` (any offset). Returns seconds since the epoch.
enum GitLabTime {
    static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard bytes[range].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return bytes[range].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        guard let year = number(0..<4), bytes[4] == UInt8(ascii: "-"), let month = number(5..<7),
            bytes[7] == UInt8(ascii: "-"), let day = number(8..<10),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "), let hour = number(11..<13),
            bytes[13] == UInt8(ascii: ":"), let minute = number(14..<16), bytes[16] == UInt8(ascii: ":"),
            let second = number(17..<19), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
            second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        let zone = String(decoding: bytes[index...], as: UTF8.self)
        let offset: Int
        switch zone {
        case "Z", " UTC", "UTC", "": offset = 0
        default:
            let zoneBytes = Array(zone.utf8)
            guard zoneBytes.count == 6 || zoneBytes.count == 5,
                zoneBytes[0] == UInt8(ascii: "+") || zoneBytes[0] == UInt8(ascii: "-")
            else { return nil }
            let digits = zoneBytes.dropFirst().filter { $0 != UInt8(ascii: ":") }
            guard digits.count == 4, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            let values = digits.map { Int($0 - 0x30) }
            let minutes = (values[0] * 10 + values[1]) * 60 + values[2] * 10 + values[3]
            offset = (zoneBytes[0] == UInt8(ascii: "-") ? -1 : 1) * minutes * 60
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Double(timegm(&parts) - offset) + fraction
    }
}
