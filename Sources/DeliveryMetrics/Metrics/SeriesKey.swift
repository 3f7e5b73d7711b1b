/// The label values of one series, in declaration order, equal and hashed by their bytes: two spellings of `café`
/// that `String` holds equal are two series, as Prometheus keeps them, and each is exposed as its bytes arrived.
struct SeriesKey: Hashable, Sendable {
    let values: [String]

    init(_ values: [String]) {
        self.values = values
    }

    static func == (left: SeriesKey, right: SeriesKey) -> Bool {
        left.values.count == right.values.count
            && zip(left.values, right.values).allSatisfy { $0.hasSameBytes(as: $1) }
    }

    func hash(into hasher: inout Hasher) {
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
        for index in order where !values[index].hasSameBytes(as: other.values[index]) {
            return values[index].bytesPrecede(other.values[index])
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
        self.values = values
    }
}
