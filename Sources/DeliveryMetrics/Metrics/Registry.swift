import Glibc

/// Every metric family the service exposes, sorted by name.
///
/// The single source of truth: the push API, the webhooks, the scraper and persistence replay all write through
/// `family(named:)` and `MetricFamily.apply`. What is derived from it (the exposition and its render cache, the
/// journal) lives outside `Metrics/` and follows each family's write generation.
@_spi(Harness) public final class Registry {
    @_spi(Harness) public let families: [MetricFamily]
    private let byAPIName: NameTable

    @_spi(Harness) public init(_ definitions: [MetricDefinition], maxSeriesPerMetric: Int, now: Double) {
        families = definitions.map { MetricFamily($0, maxSeries: maxSeriesPerMetric, now: now) }
            .sorted { $0.definition.fullName < $1.definition.fullName }
        byAPIName = NameTable(
            families.map { family in
                family.definition.isInCatalogue ? family.definition.apiName : family.definition.fullName
            },
            describedAs: families.map(\.definition.fullName)
        )
    }

    /// The family named as under `/api`: `deployment_duration_seconds` for `delivery_deployment_duration_seconds`.
    @_spi(Harness) public func family(named apiName: String) -> MetricFamily? {
        withBytes(of: apiName) { family(named: $0) }
    }

    /// `family(named:)` for the name's UTF-8 bytes: names are ASCII, so no other spelling is the same String.
    func family(named apiName: UnsafeBufferPointer<UInt8>) -> MetricFamily? {
        // Pushes come in runs to one metric: its name is compared before any hashing.
        if lastFound >= 0, byAPIName.name(at: lastFound, is: apiName) { return families[lastFound] }
        guard let position = byAPIName.index(of: apiName) else { return nil }
        lastFound = position
        return families[position]
    }

    /// The position of the family `family(named:)` found last, or -1.
    @exclusivity(unchecked) private var lastFound = -1

    /// The catalogue proper: the `delivery` namespace (not `process_*`).
    var deliveryFamilies: [MetricFamily] {
        families.filter { $0.definition.isInCatalogue }
    }

    /// A number that changes whenever a delivery family picked by `include` is written: the sum of their write
    /// generations, each of which only grows.
    func generation(of include: (MetricDefinition) -> Bool) -> UInt64 {
        families.reduce(0) { total, family in
            family.definition.isInCatalogue && include(family.definition)
                ? total &+ family.generation : total
        }
    }

    /// Expires stale series in every family; returns how many went.
    @discardableResult
    func expire(now: Double) -> Int {
        families.reduce(0) { $0 + $1.expire(now: now) }
    }
}

/// Names to their positions, in an open-addressing table over the names' bytes: a look-up hashes the bytes it is
/// given (FNV-1a) and compares a candidate or two, without a String. The names are the catalogue's, fixed at boot.
private struct NameTable {
    private let names: [[UInt8]]
    /// Positions in `names`, or -1 for an empty slot; a power of two long, at most a quarter full.
    private let slots: [Int]

    /// `descriptions` name each entry in the refusal of a name given twice.
    init(_ names: [String], describedAs descriptions: [String]) {
        self.names = names.map { Array($0.utf8) }
        var size = 8
        while size < 4 * names.count { size *= 2 }
        var slots = [Int](repeating: -1, count: size)
        for (position, name) in self.names.enumerated() {
            var slot = name.withUnsafeBufferPointer { Self.hash($0) } & (size - 1)
            while slots[slot] >= 0 {
                precondition(self.names[slots[slot]] != name, "metric \(descriptions[position]) is declared twice")
                slot = (slot + 1) & (size - 1)
            }
            slots[slot] = position
        }
        self.slots = slots
    }

    /// Whether the name at `position` is `name`.
    func name(at position: Int, is name: UnsafeBufferPointer<UInt8>) -> Bool {
        names[position].withUnsafeBufferPointer { candidate in
            candidate.count == name.count
                && (name.isEmpty || memcmp(candidate.baseAddress!, name.baseAddress!, name.count) == 0)
        }
    }

    func index(of name: UnsafeBufferPointer<UInt8>) -> Int? {
        let mask = slots.count - 1
        var slot = Self.hash(name) & mask
        while true {
            let position = slots[slot]
            guard position >= 0 else { return nil }
            if self.name(at: position, is: name) { return position }
            slot = (slot + 1) & mask
        }
    }

    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return Int(truncatingIfNeeded: hash ^ hash >> 32)
    }
}
