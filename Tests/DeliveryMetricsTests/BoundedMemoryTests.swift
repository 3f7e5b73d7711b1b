import Testing

@_spi(Harness) @testable import DeliveryMetrics

@Suite("Bounded memory")
struct BoundedMemoryTests {
    @Test func forgetsTheOldestPastItsCapacity() {
        var memory = BoundedMemory<Int, String>(capacity: 3, maxAge: 100)
        for key in 1...5 { memory.remember("v\(key)", for: key, now: 0) }
        #expect(memory.count == 3)
        #expect(memory.value(for: 1, now: 0) == nil)
        #expect(memory.value(for: 5, now: 0) == "v5")
    }

    @Test func forgetsWhatIsTooOld() {
        var memory = BoundedMemory<Int, String>(capacity: 10, maxAge: 60)
        memory.remember("old", for: 1, now: 0)
        memory.remember("new", for: 2, now: 50)
        #expect(memory.value(for: 1, now: 61) == nil)
        #expect(memory.value(for: 2, now: 61) == "new")
        #expect(memory.forget(2) == "new")
        #expect(memory.count == 0)
    }

    @Test func staysBoundedUnderAFlood() {
        var memory = BoundedMemory<Int, Int>(capacity: 100, maxAge: 1_000)
        for key in 0..<100_000 { memory.remember(key, for: key, now: Double(key) / 1_000) }
        #expect(memory.count == 100)
    }
}
