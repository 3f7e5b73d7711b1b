/// Bytes as a dictionary key, hashed in one call. `[UInt8]`'s own `hash(into:)` feeds the hasher one byte at a
/// time, which was a seventh of the time of a 21-sample push (`Hasher.combine(UInt8)` in a profile of
/// `bench/pushgateway-job.lua`). Equality stays byte for byte.
struct ByteKey: Hashable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func hash(into hasher: inout Hasher) {
        hasher.combineBytes(bytes)
    }
}

/// `ByteKey` for a slice of a body, so that looking a name up copies nothing.
struct ByteSliceKey: Hashable {
    let bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    func hash(into hasher: inout Hasher) {
        hasher.combineBytes(bytes)
    }
}

extension Hasher {
    /// The count, then the bytes in one call: the count keeps `["ab", "c"]` and `["a", "bc"]` apart where several
    /// are combined in a row.
    mutating func combineBytes(_ bytes: [UInt8]) {
        combine(bytes.count)
        bytes.withUnsafeBytes { combine(bytes: $0) }
    }

    mutating func combineBytes(_ bytes: ArraySlice<UInt8>) {
        combine(bytes.count)
        bytes.withUnsafeBytes { combine(bytes: $0) }
    }
}
