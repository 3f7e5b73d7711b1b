/// The deliveries each webhook source had handled lately, so that GitLab's redeliveries (its retries and "Resend
/// request") count once.
///
/// Every source has a memory of its own, keyed by its id (instance and project): build 4242 on one instance never
/// hides build 4242 on another, and whoever holds one source's token can neither evict nor pre-fill another
/// source's entries. With persistence on, the keys a delivery adds go into the same journal record as the writes it
/// caused, so a crash keeps both or neither, and a snapshot carries the live keys.
///
/// Loop-confined like the rest of the application's state.
final class WebhookDeduplication {
    /// Keys per source; one delivery adds one or two.
    static let capacityPerSource = 20_000
    static let maxAge: Double = 6 * 3600
    /// Longer keys are neither remembered nor looked up, so that the memory is bounded in bytes as well as entries:
    /// GitLab's Idempotency-Key is a UUID and a build status one short word, far below this.
    static let maxKeyBytes = 128

    /// One remembered key, as a snapshot stores it.
    struct Entry: Equatable {
        let source: String
        let key: String
        let time: Double
    }

    /// Told the keys of every delivery, grouped with its writes; set by persistence, nil without it.
    var observer: WriteObserver?
    private let knownSources: Set<String>
    private var memories: [String: BoundedMemory<String, Bool>] = [:]

    init(sources: [WebhookSource] = WebhookSources.all) {
        knownSources = Set(sources.map(\.id))
    }

    /// What identifies a delivery within its source: (build id, status), since a build goes through each status once,
    /// and GitLab's Idempotency-Key (17.4+), which stays the same across redeliveries.
    static func keys(buildID: Int, status: String, idempotencyKey: String?) -> [String] {
        (["build \(buildID) \(status)"] + (idempotencyKey.map { ["key \($0)"] } ?? []))
            .filter { $0.utf8.count <= maxKeyBytes }
    }

    func isDuplicate(_ keys: [String], source: String, now: Double) -> Bool {
        keys.contains { memories[source]?.value(for: $0, now: now) != nil }
    }

    /// Remembers `keys` for `source`, then runs `handle` (the writes the delivery causes); journaled, the keys and
    /// those writes are one record.
    func remember<Result>(_ keys: [String], source: String, now: Double, _ handle: () -> Result) -> Result {
        guard !keys.isEmpty, knownSources.contains(source) else { return handle() }
        store(keys, source: source, time: now)
        guard let observer else { return handle() }
        observer.beginGroup()
        let result = handle()
        observer.endGroup { changes in .delivery(source: source, keys: keys, time: now, changes: changes) }
        return result
    }

    /// Replay: remembers keys recorded at `time`, unless they are past the memory's age at `now`. False for a
    /// source the service no longer has, whose keys are dropped.
    @discardableResult
    func restore(_ keys: [String], source: String, time: Double, now: Double) -> Bool {
        guard knownSources.contains(source) else { return false }
        guard now - time <= Self.maxAge else { return true }
        store(keys.filter { $0.utf8.count <= Self.maxKeyBytes }, source: source, time: time)
        return true
    }

    /// Every live key, each source's oldest first.
    func entries(now: Double) -> [Entry] {
        memories.keys.sorted().flatMap { source in
            memories[source]!.entries(now: now).map { Entry(source: source, key: $0.key, time: $0.at) }
        }
    }

    /// Keys held for `source`, and the slots holding them (never more than `capacityPerSource`).
    func stored(for source: String) -> (keys: Int, slots: Int) {
        memories[source].map { ($0.count, $0.storedSlots) } ?? (0, 0)
    }

    private func store(_ keys: [String], source: String, time: Double) {
        for key in keys {
            memories[source, default: BoundedMemory(capacity: Self.capacityPerSource, maxAge: Self.maxAge)]
                .remember(true, for: key, now: time)
        }
    }
}
