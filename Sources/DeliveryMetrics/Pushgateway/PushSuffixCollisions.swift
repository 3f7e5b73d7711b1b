/// Names two families cannot both have, because their samples would share names in one of the exposition formats:
/// a histogram or summary `x` owns `x_count` and `x_sum` (a histogram `x_bucket` too), as client_golang's
/// `checkSuffixCollisions` says; and a counter `x_total` is the family `x` in OpenMetrics, so `x` is taken by it.
enum PushSuffixCollisions {
    /// Refuses `name` of `kind` when a family that exists (or comes with it), as `kind(of:)` finds them, collides.
    static func check(
        _ name: [UInt8],
        _ kind: PushedFamily.Kind,
        _ kindOf: ([UInt8]) -> PushedFamily.Kind?
    ) throws(PushRefusal) {
        let shown = String(decoding: name, as: UTF8.self)
        for (suffix, owners) in [
            ("_count", [PushedFamily.Kind.summary, .histogram]), ("_sum", [.summary, .histogram]),
            ("_bucket", [.histogram]),
        ] where name.hasSuffix(suffix) {
            let base = Array(name.dropLast(suffix.utf8.count))
            if let baseKind = kindOf(base), owners.contains(baseKind) {
                throw .inconsistent(
                    "\(shown) collides with the \(PushTypeName.of(baseKind)) \(String(decoding: base, as: UTF8.self))"
                )
            }
        }
        if kind == .summary || kind == .histogram {
            for suffix in kind == .histogram ? ["_count", "_sum", "_bucket"] : ["_count", "_sum"] {
                if kindOf(name + Array(suffix.utf8)) != nil {
                    throw .inconsistent("the \(PushTypeName.of(kind)) \(shown) collides with \(shown)\(suffix)")
                }
            }
        }
        if kind == .counter, name.hasSuffix("_total") {
            let base = Array(name.dropLast("_total".utf8.count))
            if kindOf(base) != nil {
                throw .inconsistent(
                    "the counter \(shown) collides with \(String(decoding: base, as: UTF8.self)) (one family in OpenMetrics)"
                )
            }
        }
        if kindOf(name + Array("_total".utf8)) == .counter {
            throw .inconsistent("\(shown) collides with the counter \(shown)_total (one family in OpenMetrics)")
        }
    }
}
