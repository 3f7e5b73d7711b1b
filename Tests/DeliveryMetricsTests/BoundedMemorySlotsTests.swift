import TestSupport
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// The memory holds one slot per live entry whatever the pattern of keys: a key remembered again while an older
/// entry heads the eviction order used to leave a stale slot behind each time (250,000 such events grew the resident
/// memory linearly).
@Suite("Bounded memory slots")
struct BoundedMemorySlotsTests {
    @Test func keepsOneSlotForOneKeyRememberedOverAndOver() {
        var memory = BoundedMemory<String, Double>(capacity: 10_000, maxAge: 3 * 86_400)
        for round in 0..<100_000 { memory.remember(Double(round), for: "project 900 deploy-gprd", now: 0) }
        #expect(memory.count == 1)
        #expect(memory.storedSlots == 1)
        #expect(memory.value(for: "project 900 deploy-gprd", now: 0) == 99_999)
    }

    @Test func keepsOneSlotPerKeyBehindAnOlderLiveEntry() {
        var memory = BoundedMemory<String, Double>(capacity: 10_000, maxAge: 3 * 86_400)
        memory.remember(0, for: "older", now: 0)
        for round in 1...100_000 { memory.remember(Double(round), for: "again", now: Double(round) / 1_000) }
        #expect(memory.storedSlots == 2)
        #expect(memory.value(for: "older", now: 100) == 0)
    }

    @Test func keepsItsBoundUnderAnAlternatingPattern() {
        var memory = BoundedMemory<String, Int>(capacity: 3, maxAge: 1_000)
        memory.remember(0, for: "head", now: 0)
        for round in 0..<100_000 {
            memory.remember(round, for: round % 2 == 0 ? "a" : "b", now: 1)
            if round % 3 == 0 { memory.forget(round % 2 == 0 ? "b" : "a") }
            if memory.storedSlots > 3 { Issue.record("\(memory.storedSlots) slots at round \(round)") }
        }
        #expect(memory.storedSlots == memory.count)
        // Many keys cycling through a small memory: never more slots than its capacity.
        for round in 0..<100_000 {
            memory.remember(round, for: "k\(round % 7)", now: 2)
            if memory.storedSlots > 3 { Issue.record("\(memory.storedSlots) slots at round \(round)") }
        }
        #expect(memory.count == 3)
        #expect(memory.entries(now: 2).map(\.key) == (99_997...99_999).map { "k\($0 % 7)" })
    }

    @Test func listsTheLiveEntriesOldestFirst() {
        var memory = BoundedMemory<String, Int>(capacity: 10, maxAge: 60)
        memory.remember(1, for: "a", now: 0)
        memory.remember(2, for: "b", now: 10)
        memory.remember(3, for: "c", now: 20)
        memory.remember(4, for: "a", now: 30)
        #expect(memory.entries(now: 30).map(\.key) == ["b", "c", "a"])
        #expect(memory.entries(now: 30).map(\.at) == [10, 20, 30])
        // Past its age, b goes from the listing and from the memory.
        #expect(memory.entries(now: 75).map(\.key) == ["c", "a"])
        #expect(memory.storedSlots == 2)
    }

    /// Random remembers, forgets and reads against a plain list kept in the same order: the same entries, in the
    /// same order, after every step.
    @Test func behavesAsAnOrderedListUnderRandomOperations() {
        var memory = BoundedMemory<Int, Int>(capacity: 8, maxAge: 50)
        var model: [(key: Int, value: Int, at: Double)] = []
        var random = SplitMix64(seed: 0x5EED)
        var now = 0.0
        for step in 0..<20_000 {
            now += Double(random.next() % 3)
            let key = Int(random.next() % 12)
            // Age counts on remembering and reading; forgetting takes the key whatever its age.
            let ageOut = { model.removeAll { now - $0.at > 50 } }
            switch random.next() % 3 {
            case 0:
                ageOut()
                memory.remember(step, for: key, now: now)
                model.removeAll { $0.key == key }
                if model.count == 8 { model.removeFirst() }
                model.append((key, step, now))
            case 1:
                let expected = model.firstIndex { $0.key == key }.map { model.remove(at: $0).value }
                #expect(memory.forget(key) == expected)
            default:
                ageOut()
                #expect(memory.value(for: key, now: now) == model.first { $0.key == key }?.value)
            }
            ageOut()
            let entries = memory.entries(now: now)
            guard entries.map(\.key) == model.map(\.key), entries.map(\.value) == model.map(\.value) else {
                Issue.record("step \(step): \(entries.map(\.key)) instead of \(model.map(\.key))")
                return
            }
            #expect(memory.storedSlots == model.count)
        }
    }
}
