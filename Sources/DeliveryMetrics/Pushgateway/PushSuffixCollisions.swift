/// Names two families cannot both have, because their samples would share names in one of the exposition formats:
/// a histogram or summary `x` owns `x_count` and `x_sum` (a histogram `x_bucket` too), as client_golang's
/// `checkSuffixCollisions` says; and a counter `x_total` is the family `x` in OpenMetrics, so `x` is taken by it.
enum PushSuffixCollisions {
    /// The suffixes a family's samples add, and the types of the family that owns names with them.
    private static let owned: [(suffix: [UInt8], owners: [PushedFamily.Kind])] = [
        (Array("_count".utf8), [.summary, .histogram]), (Array("_sum".utf8), [.summary, .histogram]),
        (Array("_bucket".utf8), [.histogram]),
    ]
    private static let total = Array("_total".utf8)

    /// Refuses `name` of `kind` when a family that exists (or comes with it), as `kind(of:)` finds them, collides.
    /// Runs for every family of every push, so the names are built only for a refusal.
    static func check(
        _ name: [UInt8],
        _ kind: PushedFamily.Kind,
        _ kindOf: ([UInt8]) -> PushedFamily.Kind?
    ) throws(PushRefusal) {
        func shown(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        for (suffix, owners) in owned where name.count > suffix.count && name.suffix(suffix.count).elementsEqual(suffix)
        {
            let base = Array(name.dropLast(suffix.count))
            if let baseKind = kindOf(base), owners.contains(baseKind) {
                throw .inconsistent("\(shown(name)) collides with the \(PushTypeName.of(baseKind)) \(shown(base))")
            }
        }
        if kind == .summary || kind == .histogram {
            for (suffix, owners) in owned where owners.contains(kind) && kindOf(name + suffix) != nil {
                throw .inconsistent("the \(PushTypeName.of(kind)) \(shown(name)) collides with \(shown(name + suffix))")
            }
        }
        if kind == .counter, name.count > total.count, name.suffix(total.count).elementsEqual(total) {
            let base = Array(name.dropLast(total.count))
            if kindOf(base) != nil {
                throw .inconsistent(
                    "the counter \(shown(name)) collides with \(shown(base)) (one family in OpenMetrics)"
                )
            }
        }
        if kindOf(name + total) == .counter {
            throw .inconsistent(
                "\(shown(name)) collides with the counter \(shown(name))_total (one family in OpenMetrics)"
            )
        }
    }
}
