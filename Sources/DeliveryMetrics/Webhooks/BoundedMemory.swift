/// Remembers values by key for a while, bounded in count and age, forgetting the oldest first: what the webhook
/// receiver keeps (events seen, failures awaiting their retry) can never grow without limit.
struct BoundedMemory<Key: Hashable, Value> {
    let capacity: Int
    let maxAge: Double
    private var entries: [Key: (value: Value, at: Double)] = [:]
    /// Keys in insertion order; `head` skips the ones already forgotten, and the array is compacted now and then.
    private var order: [Key] = []
    private var head = 0

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
        if entries[key] == nil {
            order.append(key)
        }
        entries[key] = (value, now)
        while entries.count > capacity {
            forgetOldest()
        }
    }

    @discardableResult
    mutating func forget(_ key: Key) -> Value? {
        entries.removeValue(forKey: key)?.value
    }

    private mutating func evict(now: Double) {
        while head < order.count {
            let key = order[head]
            guard let entry = entries[key] else {
                head += 1  // Forgotten already.
                continue
            }
            guard now - entry.at > maxAge else { break }
            forgetOldest()
        }
        compact()
    }

    private mutating func forgetOldest() {
        while head < order.count {
            let key = order[head]
            head += 1
            if entries.removeValue(forKey: key) != nil { break }
        }
        compact()
    }

    private mutating func compact() {
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
