/// Remembers values by key for a while, bounded in count and age, forgetting the oldest first: what the webhook
/// receiver keeps (events seen, failures awaiting their retry) can never grow without limit.
///
/// One slot per live entry, in an array, the slots linked from the oldest to the youngest; remembering a key again
/// moves its slot to the young end, and a forgotten entry's slot is filled with the array's last one. So the slots
/// never outnumber the entries, nor the entries `capacity`, whatever the pattern of keys (a key remembered over and
/// over leaves nothing behind).
struct BoundedMemory<Key: Hashable, Value> {
    private struct Slot {
        var key: Key
        var value: Value
        var at: Double
        var older: Int
        var younger: Int
    }

    /// An entry as `entries` lists it.
    struct Entry {
        let key: Key
        let value: Value
        let at: Double
    }

    /// No slot: the end of the chain.
    private static var none: Int { -1 }

    let capacity: Int
    let maxAge: Double
    private var slotOfKey: [Key: Int] = [:]
    private var slots: [Slot] = []
    private var oldest = Self.none
    private var youngest = Self.none

    init(capacity: Int, maxAge: Double) {
        precondition(capacity > 0, "a memory must hold at least one entry")
        self.capacity = capacity
        self.maxAge = maxAge
    }

    var count: Int { slotOfKey.count }

    /// Slots held, live or not: equal to `count`, so at most `capacity`.
    var storedSlots: Int { slots.count }

    mutating func value(for key: Key, now: Double) -> Value? {
        evict(now: now)
        return slotOfKey[key].map { slots[$0].value }
    }

    mutating func remember(_ value: Value, for key: Key, now: Double) {
        evict(now: now)
        if let index = slotOfKey[key] {
            slots[index].value = value
            slots[index].at = now
            unlink(index)
            linkAsYoungest(index)
            return
        }
        if slots.count >= capacity { remove(oldest) }
        slots.append(Slot(key: key, value: value, at: now, older: Self.none, younger: Self.none))
        slotOfKey[key] = slots.count - 1
        linkAsYoungest(slots.count - 1)
    }

    @discardableResult
    mutating func forget(_ key: Key) -> Value? {
        guard let index = slotOfKey[key] else { return nil }
        let value = slots[index].value
        remove(index)
        return value
    }

    /// The live entries, oldest first (a snapshot writes them in that order, so replay rebuilds the same order).
    mutating func entries(now: Double) -> [Entry] {
        evict(now: now)
        var listed: [Entry] = []
        listed.reserveCapacity(slots.count)
        var index = oldest
        while index != Self.none {
            let slot = slots[index]
            listed.append(Entry(key: slot.key, value: slot.value, at: slot.at))
            index = slot.younger
        }
        return listed
    }

    private mutating func evict(now: Double) {
        while oldest != Self.none, now - slots[oldest].at > maxAge {
            remove(oldest)
        }
    }

    /// Drops the slot at `index`, moving the last slot into its place so that the array stays dense.
    private mutating func remove(_ index: Int) {
        guard index != Self.none else { return }
        unlink(index)
        slotOfKey[slots[index].key] = nil
        let last = slots.count - 1
        if index != last {
            slots.swapAt(index, last)
            slotOfKey[slots[index].key] = index
            // Whoever pointed at the moved slot now points at its new place.
            let moved = slots[index]
            if moved.older != Self.none { slots[moved.older].younger = index } else { oldest = index }
            if moved.younger != Self.none { slots[moved.younger].older = index } else { youngest = index }
        }
        slots.removeLast()
    }

    private mutating func unlink(_ index: Int) {
        let slot = slots[index]
        if slot.older != Self.none { slots[slot.older].younger = slot.younger } else { oldest = slot.younger }
        if slot.younger != Self.none { slots[slot.younger].older = slot.older } else { youngest = slot.older }
        slots[index].older = Self.none
        slots[index].younger = Self.none
    }

    private mutating func linkAsYoungest(_ index: Int) {
        slots[index].older = youngest
        slots[index].younger = Self.none
        if youngest != Self.none { slots[youngest].younger = index } else { oldest = index }
        youngest = index
    }
}
