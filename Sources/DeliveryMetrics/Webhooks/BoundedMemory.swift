/// Remembers values by key for a while, bounded in count and age, forgetting the oldest first: what the webhook
/// receiver keeps (events seen, failures awaiting their retry) can never grow without limit.
struct BoundedMemory<Key: Hashable, Value> {
    let capacity: Int
    let maxAge: Double
    private var entries: [Key: (value: Value, at: Double, sequence: Int)] = [:]
    /// Keys in insertion order with the sequence number they were stored under; a slot whose number no longer
    /// matches its entry (forgotten, or remembered again later) is skipped. `head` is the first live slot.
    private var order: [(key: Key, sequence: Int)] = []
    private var head = 0
    private var nextSequence = 0

    init(capacity: Int, maxAge: Double) {
        self.capacity = capacity
        self.maxAge = maxAge
    }

    var count: Int { entries.count }

    mutating func value(for key: Key, now: Double) -> Value? {
        evict(now: now)
        return entries[key]?.value
    }

    mutating func remember(_ value: Value, for key: Key, now: Double) {
        evict(now: now)
        nextSequence += 1
        entries[key] = (value, now, nextSequence)
        order.append((key, nextSequence))
        while entries.count > capacity {
            forgetOldest()
        }
    }

    @discardableResult
    mutating func forget(_ key: Key) -> Value? {
        entries.removeValue(forKey: key)?.value
    }

    /// Skips slots that no longer stand for their entry.
    private mutating func skipStale() {
        while head < order.count {
            let slot = order[head]
            if let entry = entries[slot.key], entry.sequence == slot.sequence { return }
            head += 1
        }
    }

    private mutating func evict(now: Double) {
        skipStale()
        while head < order.count, let entry = entries[order[head].key], now - entry.at > maxAge {
            forgetOldest()
        }
        compact()
    }

    private mutating func forgetOldest() {
        skipStale()
        guard head < order.count else { return }
        entries.removeValue(forKey: order[head].key)
        head += 1
        skipStale()
        compact()
    }

    private mutating func compact() {
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
