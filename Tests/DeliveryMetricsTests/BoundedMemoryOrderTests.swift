import Testing

@_spi(Harness) @testable import DeliveryMetrics

@Suite("Bounded memory order")
struct BoundedMemoryOrderTests {
    @Test func agesAnEntryRememberedAgainFromItsNewTime() {
        var memory = BoundedMemory<String, Int>(capacity: 10, maxAge: 60)
        memory.remember(1, for: "a", now: 0)
        memory.remember(2, for: "b", now: 10)
        memory.forget("a")
        memory.remember(3, for: "a", now: 50)
        // b (10) is older than the re-remembered a (50): it goes first, and a stays.
        #expect(memory.value(for: "b", now: 75) == nil)
        #expect(memory.value(for: "a", now: 75) == 3)
    }

    @Test func forgetsTheTrulyOldestWhenFull() {
        var memory = BoundedMemory<String, Int>(capacity: 2, maxAge: 1_000)
        memory.remember(1, for: "a", now: 0)
        memory.remember(2, for: "b", now: 1)
        memory.remember(3, for: "a", now: 2)  // a is now the youngest
        memory.remember(4, for: "c", now: 3)
        #expect(memory.value(for: "b", now: 3) == nil)
        #expect(memory.value(for: "a", now: 3) == 3)
        #expect(memory.value(for: "c", now: 3) == 4)
    }
}
