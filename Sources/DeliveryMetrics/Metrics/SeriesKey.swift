import Glibc

/// The label values of one series, in declaration order, equal and hashed by their bytes: two spellings of `café`
/// that `String` holds equal are two series, as Prometheus keeps them, and each is exposed as its bytes arrived.
///
/// The hash is of the count of values and their bytes joined by commas, made once with the process's seeded `Hasher`
/// when the key is made, so a dictionary rehashes a stored key for the price of one integer (`_rawHashValue`). (Values
/// that hold commas may join alike; they only share a hash, `==` tells them apart.) A
/// `probe` is a key over a push's comma-separated label bytes, hashed and compared alike without a String: it finds
/// a series without allocating, and is never stored.
struct SeriesKey: Hashable, @unchecked Sendable {
    /// The values; empty for a probe (see `probeBytes`).
    let values: [String]
    private let isASCII: Bool
    private let bytesHash: Int
    /// A probe's comma-separated values (no value of it holds a comma) and how many they are; nil for a stored key.
    /// Unchecked `Sendable` for this pointer, which a probe holds only while the bytes it looks up live.
    private let probeBytes: UnsafeBufferPointer<UInt8>?
    private let probeCount: Int

    init(_ values: [String]) {
        self.values = values
        isASCII = values.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
        var hasher = Hasher()
        hasher.combine(values.count)
        for (index, value) in values.enumerated() {
            if index > 0 { hasher.combine(UInt8(ascii: ",")) }
            withBytes(of: value) { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
        bytesHash = hasher.finalize()
        probeBytes = nil
        probeCount = values.count
    }

    private init(probing labels: UnsafeBufferPointer<UInt8>, count: Int) {
        values = []
        isASCII = false
        // The same bytes as the stored key's: the count, then the values with commas between them.
        var hasher = Hasher()
        hasher.combine(count)
        hasher.combine(bytes: UnsafeRawBufferPointer(labels))
        bytesHash = hasher.finalize()
        probeBytes = labels
        probeCount = count
    }

    /// A key for looking up the series whose `count` values are `labels` split at its commas: valid only while
    /// `labels` is, so only for a look-up, never to be stored.
    static func probe(_ labels: UnsafeBufferPointer<UInt8>, count: Int) -> SeriesKey {
        SeriesKey(probing: labels, count: count)
    }

    /// How many values the key holds.
    var valueCount: Int { probeCount }

    /// The key of a probe made to be kept: its values as Strings.
    func stored() -> SeriesKey {
        guard let probeBytes else { return self }
        var values: [String] = []
        values.reserveCapacity(probeCount)
        Self.forEachValue(probeBytes, count: probeCount) { values.append(String(decoding: $0, as: UTF8.self)) }
        return SeriesKey(values)
    }

    /// Calls `body` with each of the `count` values of `labels` (none when `count` is 0).
    private static func forEachValue(
        _ labels: UnsafeBufferPointer<UInt8>,
        count: Int,
        _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        guard count > 0 else { return }
        var start = 0
        for index in 0..<labels.count where labels[index] == UInt8(ascii: ",") {
            body(UnsafeBufferPointer(rebasing: labels[start..<index]))
            start = index + 1
        }
        body(UnsafeBufferPointer(rebasing: labels[start...]))
    }

    static func == (left: SeriesKey, right: SeriesKey) -> Bool {
        guard left.bytesHash == right.bytesHash, left.probeCount == right.probeCount else { return false }
        switch (left.probeBytes, right.probeBytes) {
        case (nil, nil):
            // An ASCII key and another are never the same bytes.
            guard left.isASCII == right.isASCII else { return false }
            if left.isASCII { return left.values == right.values }
            return zip(left.values, right.values).allSatisfy { $0.hasSameBytes(as: $1) }
        case (let probe?, nil): return right.holds(probe)
        case (nil, let probe?): return left.holds(probe)
        case (let one?, let other?): return one.elementsEqual(other)
        }
    }

    /// Whether this stored key names the series whose `count` values are the comma-separated `labels`: `==` with
    /// their probe, without hashing them.
    func names(_ labels: UnsafeBufferPointer<UInt8>, count: Int) -> Bool {
        probeBytes == nil && probeCount == count && holds(labels)
    }

    /// Whether this stored key's values are a probe's bytes.
    private func holds(_ probe: UnsafeBufferPointer<UInt8>) -> Bool {
        var position = 0
        for (index, value) in values.enumerated() {
            let same = withBytes(of: value) { bytes -> Bool in
                let end = position + bytes.count
                guard end <= probe.count, end == probe.count || probe[end] == UInt8(ascii: ",") else { return false }
                guard index == values.count - 1 ? end == probe.count : end < probe.count else { return false }
                guard bytes.isEmpty || memcmp(bytes.baseAddress!, probe.baseAddress! + position, bytes.count) == 0
                else { return false }
                position = end + 1
                return true
            }
            guard same else { return false }
        }
        return true
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(bytesHash)
    }

    /// What a `Dictionary` or `Set` places the key by: the kept hash, already a seeded SipHash of the bytes, mixed
    /// with the table's seed, instead of a second SipHash over it.
    func _rawHashValue(seed: Int) -> Int {
        var mixed = UInt64(truncatingIfNeeded: bytesHash ^ seed)
        mixed ^= mixed >> 33
        mixed &*= 0xFF51_AFD7_ED55_8CCD
        mixed ^= mixed >> 33
        return Int(truncatingIfNeeded: mixed)
    }

    /// Byte order, value by value in `order` (label positions): how the exposition sorts series, as Go does.
    func precedes(_ other: SeriesKey, in order: [Int]) -> Bool {
        if isASCII, other.isASCII {
            // `!=` first: values of different lengths differ at once.
            for index in order where values[index] != other.values[index] { return values[index] < other.values[index] }
            return false
        }
        return bytesPrecede(other, in: order)
    }

    /// `precedes` for keys with other bytes than ASCII; apart, so that the ASCII path stays small enough to inline.
    @inline(never)
    private func bytesPrecede(_ other: SeriesKey, in order: [Int]) -> Bool {
        for index in order {
            let comparison = values[index].compareBytes(other.values[index])
            if comparison != 0 { return comparison < 0 }
        }
        return false
    }
}

extension SeriesKey: RandomAccessCollection {
    var startIndex: Int { values.startIndex }
    var endIndex: Int { values.endIndex }
    subscript(position: Int) -> String { values[position] }
}

extension SeriesKey: ExpressibleByArrayLiteral {
    init(arrayLiteral values: String...) {
        self.init(values)
    }
}
