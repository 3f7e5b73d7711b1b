/// The label values of one series, in declaration order, equal and hashed by their bytes: two spellings of `café`
/// that `String` holds equal are two series, as Prometheus keeps them, and each is exposed as its bytes arrived.
///
/// Keys whose values are all ASCII (nearly all of them) use `String`'s own `==`, `<` and hashing, which are bytewise
/// for ASCII and take the standard library's fast paths; the rest go byte by byte (`compareBytes`).
struct SeriesKey: Hashable, Sendable {
    let values: [String]
    private let isASCII: Bool

    init(_ values: [String]) {
        self.values = values
        isASCII = values.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
    }

    static func == (left: SeriesKey, right: SeriesKey) -> Bool {
        // An ASCII key and another are never the same bytes.
        guard left.isASCII == right.isASCII else { return false }
        if left.isASCII { return left.values == right.values }
        return left.values.count == right.values.count
            && zip(left.values, right.values).allSatisfy { $0.hasSameBytes(as: $1) }
    }

    func hash(into hasher: inout Hasher) {
        // Equal keys are both ASCII or both not, so the two ways of hashing never meet on equal keys.
        if isASCII { return hasher.combine(values) }
        hasher.combine(values.count)
        for value in values {
            // The length first, so that ["ab", "c"] and ["a", "bc"] feed the hasher differently.
            hasher.combine(value.utf8.count)
            let hashed: Void? = value.utf8.withContiguousStorageIfAvailable {
                hasher.combine(bytes: UnsafeRawBufferPointer($0))
            }
            if hashed == nil {
                for byte in value.utf8 { hasher.combine(byte) }
            }
        }
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
