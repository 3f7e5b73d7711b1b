/// The pushed groups, beside the catalogue: what `PUT`, `POST` and `DELETE /metrics/job/...` change, and what
/// `/metrics` merges into its exposition.
///
/// A push is atomic: it is judged on the would-be state, against only the names it pushes (through an index of
/// name to type and holders, and one of series to the group that shows them), and either applies whole or changes
/// nothing but the group's failure time. The Pushgateway instead gathers the whole store once per push (its issue
/// #313), which would cost this single loop thread time in proportion to everything stored.
///
/// Loop-confined, like the registry.
final class PushStore {
    private(set) var groups: [GroupingKey: PushGroup] = [:]
    let limits: PushLimits
    /// Told every change once applied; attached after boot's replay.
    var observer: PushObserver?
    /// The largest push the journal can keep in one record; a larger one is refused, never cut (nil: no journal).
    var maxRecordBytes: Int?
    /// Bumped on every change, for caches of the whole store (the status page), and the source of every name's
    /// generation.
    private(set) var generation: UInt64 = 0
    /// What the stored families take, summed over the groups.
    private(set) var bytes = 0

    /// Per pushed name: its type, the groups holding it, and a generation for the exposition's cache.
    private var names: [ByteKey: NameEntry] = [:]
    /// Which group shows a series: no two may show the same one.
    private var series: [SeriesIdentity: GroupingKey] = [:]
    /// Which group shows a label set on its push-time gauges (`GroupingKey.exposedLabels`).
    private var exposed: [[PushedLabel]: GroupingKey] = [:]
    /// The types of the families the service exposes itself, by full name (`process_*`, `delivery_*`).
    private let ownKinds: [ByteKey: PushedFamily.Kind]
    /// The store generation at which a group's push times last changed: that of the two push-time families.
    private(set) var timesGeneration: UInt64 = 0
    private var sortedNamesCache: [[UInt8]]?

    struct NameEntry {
        var kind: PushedFamily.Kind
        var holders: Set<GroupingKey>
        var generation: UInt64
    }

    private struct SeriesIdentity: Hashable {
        let name: [UInt8]
        let labels: [PushedLabel]

        func hash(into hasher: inout Hasher) {
            hasher.combineBytes(name)
            hasher.combine(labels)
        }
    }

    init(limits: PushLimits, ownFamilies: [(name: String, kind: MetricKind)]) {
        self.limits = limits
        var kinds: [ByteKey: PushedFamily.Kind] = [:]
        for (name, kind) in ownFamilies {
            kinds[ByteKey(Array(name.utf8))] =
                switch kind {
                case .counter: .counter
                case .gauge: .gauge
                case .histogram: .histogram
                }
        }
        ownKinds = kinds
    }

    // MARK: - Changes

    /// Stores `families` in the group `key` (PUT when `replace`, else POST), or refuses them: then nothing changes
    /// but the group's failure time (`recordFailure`).
    func push(
        _ families: [PushedFamily],
        to key: GroupingKey,
        replace: Bool,
        timeToLive: Double?,
        now: Double
    ) throws(PushRefusal) {
        do throws(PushRefusal) {
            let sanitized = try PushedBody.sanitize(families, for: key)
            try apply(sanitized, to: key, replace: replace, timeToLive: timeToLive, now: now)
        } catch {
            recordFailure(key, now: now)
            throw error
        }
    }

    /// A refused push moves the group's failure time; a group that does not exist is made with just its two
    /// push-time gauges, as the Pushgateway does, unless it would show the same labels as another group (the
    /// Pushgateway's defect: every scrape then fails) or pass the group limit.
    func recordFailure(_ key: GroupingKey, now: Double) {
        if groups[key] == nil {
            guard groups.count < limits.groups, exposed[key.exposedLabels] == nil else { return }
            groups[key] = PushGroup(key: key)
            exposed[key.exposedLabels] = key
            sortedNamesCache = nil
        }
        groups[key]!.failureTime = now
        changed(times: true)
        observer?.record(.failed(key: key, time: now))
    }

    /// Removes exactly the group `key`; false when there was none (a DELETE of it is still accepted).
    @discardableResult
    func delete(_ key: GroupingKey, now: Double) -> Bool {
        guard let group = groups.removeValue(forKey: key) else { return false }
        unindex(group, names: Array(group.families.keys))
        exposed[key.exposedLabels] = nil
        bytes -= group.bytes
        sortedNamesCache = nil
        changed(times: true)
        observer?.record(.deleted(key: key, time: now))
        return true
    }

    /// Removes every group (`PUT /api/v1/admin/wipe`).
    func wipe(now: Double) {
        groups = [:]
        names = [:]
        series = [:]
        exposed = [:]
        bytes = 0
        sortedNamesCache = nil
        changed(times: true)
        observer?.record(.wiped(time: now))
    }

    /// Drops the groups whose time-to-live has passed; returns how many went.
    @discardableResult
    func expire(now: Double) -> Int {
        let expired = groups.values.filter { group in group.expiry.map { $0 <= now } ?? false }.map(\.key)
        for key in expired { delete(key, now: now) }
        return expired.count
    }

    /// Puts back a group as a snapshot holds it, at boot. False when it no longer fits (a type now clashes, a limit
    /// was lowered): the caller skips and counts it.
    func restore(_ group: PushGroup) -> Bool {
        let families = group.families.values.sorted { $0.family.name.lexicographicallyPrecedes($1.family.name) }
        do throws(PushRefusal) {
            try apply(
                families.map { ($0.family.name, $0.family) },
                to: group.key,
                replace: true,
                timeToLive: group.timeToLive,
                now: group.pushTime
            )
        } catch {
            return false
        }
        groups[group.key]!.failureTime = group.failureTime
        for stored in families { groups[group.key]!.families[stored.family.name]!.time = stored.time }
        return true
    }

    // MARK: - The check and the change

    private func apply(
        _ pushed: [(name: [UInt8], family: PushedFamily)],
        to key: GroupingKey,
        replace: Bool,
        timeToLive: Double?,
        now: Double
    ) throws(PushRefusal) {
        let existing = groups[key]
        let exposedLabels = key.exposedLabels
        if let other = exposed[exposedLabels], other != key {
            throw .inconsistent(
                "the group \(key.description) would show the same series as the group \(other.description)"
            )
        }
        if existing == nil, groups.count >= limits.groups {
            throw PushRefusal(.limit, "the service holds \(limits.groups) groups already (--max-push-groups)")
        }
        var families = replace ? [:] : existing?.families ?? [:]
        for (name, family) in pushed { families[name] = StoredFamily(family: family, time: now) }
        let seriesCount = families.values.reduce(0) { $0 + $1.family.metrics.count }
        guard seriesCount <= limits.seriesPerGroup else {
            throw PushRefusal(
                .limit,
                "the group would hold \(seriesCount) series, more than \(limits.seriesPerGroup) (--max-series-per-group)"
            )
        }
        let groupBytes = families.values.reduce(0) { $0 + $1.bytes }
        let totalBytes = bytes - (existing?.bytes ?? 0) + groupBytes
        guard totalBytes <= limits.bytes else {
            throw PushRefusal(.limit, "pushed metrics would take more than \(limits.bytes) bytes (--max-pushed-bytes)")
        }
        if let maxRecordBytes {
            let size = ProtobufWriter.delimited(pushed.map(\.family)).count
            guard size <= maxRecordBytes else {
                throw PushRefusal(.limit, "the push takes \(size) bytes stored, more than one journal record holds")
            }
        }
        let kept = replace ? [:] : existing?.families ?? [:]
        let pushedKinds = Dictionary(pushed.map { ($0.name, $0.family.kind) }, uniquingKeysWith: { $1 })
        func kind(of name: [UInt8]) -> PushedFamily.Kind? {
            if let kind = pushedKinds[name] { return kind }
            if let stored = kept[name] { return stored.family.kind }
            if let entry = names[ByteKey(name)], entry.holders.contains(where: { $0 != key }) { return entry.kind }
            return ownKinds[ByteKey(name)]
        }
        for (name, family) in pushed {
            try checkType(name, family.kind, against: key)
            try PushSuffixCollisions.check(name, family.kind, kind(of:))
            for metric in family.metrics {
                if let owner = series[SeriesIdentity(name: name, labels: metric.labels)], owner != key {
                    throw .inconsistent(
                        "\(PushedBody.describe(name, metric.labels)) is shown by the group \(owner.description) already"
                    )
                }
            }
        }
        // Judged: now the change, which cannot fail.
        if let existing {
            unindex(existing, names: replace ? Array(existing.families.keys) : pushed.map(\.name))
        }
        var group = existing ?? PushGroup(key: key)
        group.families = families
        group.pushTime = now
        group.timeToLive = timeToLive
        group.bytes = groupBytes
        for (name, family) in pushed {
            var entry = names[ByteKey(name)] ?? NameEntry(kind: family.kind, holders: [], generation: 0)
            if entry.holders.isEmpty { sortedNamesCache = nil }
            entry.kind = family.kind
            entry.holders.insert(key)
            entry.generation = generation &+ 1
            names[ByteKey(name)] = entry
            for metric in family.metrics { series[SeriesIdentity(name: name, labels: metric.labels)] = key }
        }
        if existing == nil { sortedNamesCache = nil }
        groups[key] = group
        exposed[exposedLabels] = key
        bytes = totalBytes
        changed(times: true)
        observer?.record(
            .pushed(key: key, families: pushed.map(\.family), replace: replace, timeToLive: timeToLive, time: now)
        )
    }

    private func checkType(_ name: [UInt8], _ kind: PushedFamily.Kind, against key: GroupingKey) throws(PushRefusal) {
        var shown: String { String(decoding: name, as: UTF8.self) }
        if let own = ownKinds[ByteKey(name)], own != kind {
            throw .inconsistent(
                "\(shown) has type \(PushTypeName.of(kind)) but the service exposes it as \(PushTypeName.of(own))"
            )
        }
        if let entry = names[ByteKey(name)], entry.kind != kind, let other = entry.holders.first(where: { $0 != key }) {
            throw .inconsistent(
                "\(shown) has type \(PushTypeName.of(kind)) but should have \(PushTypeName.of(entry.kind)), "
                    + "as the group \(other.description) has it"
            )
        }
    }

    /// Takes `names` of `group` out of the indexes (before they are replaced, or with the group).
    private func unindex(_ group: PushGroup, names removed: [[UInt8]]) {
        for name in removed {
            guard let stored = group.families[name] else { continue }
            for metric in stored.family.metrics { series[SeriesIdentity(name: name, labels: metric.labels)] = nil }
            guard var entry = names[ByteKey(name)] else { continue }
            entry.holders.remove(group.key)
            entry.generation = generation &+ 1
            if entry.holders.isEmpty {
                names[ByteKey(name)] = nil
                sortedNamesCache = nil
            } else {
                names[ByteKey(name)] = entry
            }
        }
    }

    /// Every change takes the next store generation; a family changed by it takes the same number (set just
    /// before), so a name pushed again after it went never shows an old generation a cache still holds.
    private func changed(times: Bool) {
        generation &+= 1
        if times { timesGeneration = generation }
    }

    // MARK: - Reading

    /// Every pushed family name, sorted by bytes, the two push-time gauges among them while any group exists.
    var sortedNames: [[UInt8]] {
        if let sortedNamesCache { return sortedNamesCache }
        var all = names.keys.map(\.bytes)
        if !groups.isEmpty { all += [PushTimes.success, PushTimes.failure] }
        all.sort { $0.lexicographicallyPrecedes($1) }
        sortedNamesCache = all
        return all
    }

    /// Changes whenever the family `name` does, in any group.
    func generation(of name: [UInt8]) -> UInt64 {
        if name == PushTimes.success || name == PushTimes.failure { return timesGeneration }
        return names[ByteKey(name)]?.generation ?? 0
    }

    func holds(_ name: [UInt8]) -> Bool { names[ByteKey(name)] != nil }

    /// The family `name` as every group holding it pushed it, merged: the series of all of them, and the help of
    /// the group whose key sorts first (so the help shown never changes from scrape to scrape, as it does on the
    /// Pushgateway). The push-time gauges are made from the groups' times.
    func merged(_ name: [UInt8]) -> PushedFamily? {
        if name == PushTimes.success || name == PushTimes.failure {
            return pushTimes(failure: name == PushTimes.failure)
        }
        guard let entry = names[ByteKey(name)] else { return nil }
        let holders = entry.holders.sorted { $0.labels.lexicographicallyPrecedes($1.labels, by: Self.labelPrecedes) }
        var merged = PushedFamily(name: name, help: nil, kind: entry.kind, metrics: [])
        for key in holders {
            guard let stored = groups[key]?.families[name] else { continue }
            if merged.help == nil, let help = stored.family.help, !help.isEmpty { merged.help = help }
            merged.metrics += stored.family.metrics
        }
        merged.metrics.sort { Self.precedes($0.labels, $1.labels) }
        return merged
    }

    /// How a pushed family and a `_created` gauge pair up in OpenMetrics (`PushedFamilyRenderer.createdName`).
    enum CreatedPartner {
        /// The family's `_created` samples are the gauge `name`'s.
        case created(name: [UInt8])
        /// The family is such a gauge, written into the family `name`.
        case owner(name: [UInt8])

        var name: [UInt8] {
            switch self {
            case .created(let name), .owner(let name): name
            }
        }
    }

    /// The partner of the pushed family `name`, when both are pushed: a counter, histogram or summary and the
    /// gauge (or untyped family) of its `_created` samples.
    func createdPartner(of name: [UInt8]) -> CreatedPartner? {
        guard let entry = names[ByteKey(name)] else { return nil }
        if let created = PushedFamilyRenderer.createdName(of: name, entry.kind),
            let gauge = names[ByteKey(created)], gauge.kind == .gauge || gauge.kind == .untyped
        {
            return .created(name: created)
        }
        guard entry.kind == .gauge || entry.kind == .untyped, name.hasSuffix("_created") else { return nil }
        let base = Array(name.dropLast("_created".utf8.count))
        for owner in [base + Array("_total".utf8), base] {
            if let ownerEntry = names[ByteKey(owner)],
                PushedFamilyRenderer.createdName(of: owner, ownerEntry.kind) == name
            {
                return .owner(name: owner)
            }
        }
        return nil
    }

    /// The values of the gauge `name` by label set: `_created` times for `PushedFamilyRenderer`.
    func createdTimes(_ name: [UInt8]) -> [[PushedLabel]: Double] {
        var times: [[PushedLabel]: Double] = [:]
        for metric in merged(name)?.metrics ?? [] { times[metric.labels] = metric.gauge ?? metric.untyped ?? 0 }
        return times
    }

    private func pushTimes(failure: Bool) -> PushedFamily {
        var family = PushedFamily(
            name: failure ? PushTimes.failure : PushTimes.success,
            help: Array((failure ? PushTimes.failureHelp : PushTimes.successHelp).utf8),
            kind: .gauge,
            metrics: []
        )
        family.metrics = groups.values.map { group in
            PushedMetric(labels: group.key.exposedLabels, gauge: failure ? group.failureTime : group.pushTime)
        }
        family.metrics.sort { Self.precedes($0.labels, $1.labels) }
        return family
    }

    /// Series in the order Go's exposition sorts them: fewer labels first, then by label values (names alike).
    static func precedes(_ left: [PushedLabel], _ right: [PushedLabel]) -> Bool {
        if left.count != right.count { return left.count < right.count }
        return left.lexicographicallyPrecedes(right, by: labelPrecedes)
    }

    private static func labelPrecedes(_ left: PushedLabel, _ right: PushedLabel) -> Bool {
        if left.name != right.name { return left.name.lexicographicallyPrecedes(right.name) }
        return left.value.lexicographicallyPrecedes(right.value)
    }
}
