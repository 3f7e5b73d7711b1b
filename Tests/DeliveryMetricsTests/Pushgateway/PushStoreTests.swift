import Testing

@testable import DeliveryMetrics

/// The pushed groups' semantics, as the Pushgateway has them (README, `storage/`), and its consistency checks, made
/// on the would-be state so that a refused push changes nothing.
@Suite("Pushed groups")
struct PushStoreTests {
    private typealias F = PushFixtures

    private func push(
        _ store: PushStore,
        _ path: String,
        _ families: [PushedFamily],
        replace: Bool = true,
        now: Double = 100,
        ttl: Double? = nil
    ) throws {
        try store.push(families, to: try F.key(path), replace: replace, timeToLive: ttl, now: now)
    }

    private func refusal(
        _ store: PushStore,
        _ path: String,
        _ families: [PushedFamily],
        replace: Bool = true
    ) throws -> PushRefusal? {
        do {
            try push(store, path, families, replace: replace, now: 200)
            return nil
        } catch {
            return error as? PushRefusal
        }
    }

    @Test func putReplacesTheGroupAndPostOnlyTheFamiliesItNames() throws {
        let store = F.store()
        try push(store, "/metrics/job/ci", [F.family("a", .gauge), F.family("b", .gauge)])
        try push(store, "/metrics/job/ci", [F.family("b", .gauge, value: 2), F.family("c", .gauge)], replace: false)
        #expect(try store.stored("/metrics/job/ci", "a") != nil)
        #expect(try store.stored("/metrics/job/ci", "b")?.metrics.first?.gauge == 2)
        try push(store, "/metrics/job/ci", [F.family("c", .gauge)])
        #expect(try store.stored("/metrics/job/ci", "a") == nil)
        #expect(try store.stored("/metrics/job/ci", "b") == nil)
        #expect(try store.stored("/metrics/job/ci", "c") != nil)
    }

    @Test func aPostReplacesEverySeriesOfTheNamesItPushes() throws {
        let store = F.store()
        try push(store, "/metrics/job/ci", [F.family("a", .gauge, series: [[("x", "1")], [("x", "2")]])])
        try push(store, "/metrics/job/ci", [F.family("a", .gauge, series: [[("x", "3")]])], replace: false)
        #expect(try store.seriesLabels("/metrics/job/ci", "a") == ["instance=,job=ci,x=3"])
    }

    @Test func anEmptyPutKeepsTheGroupAndAnEmptyPostOnlyMovesItsPushTime() throws {
        let store = F.store()
        let key = try F.key("/metrics/job/ci")
        try push(store, "/metrics/job/ci", [F.family("a", .gauge)], now: 100)
        try push(store, "/metrics/job/ci", [], replace: false, now: 150)
        #expect(store.groups[key]?.families.count == 1)
        #expect(store.groups[key]?.pushTime == 150)
        try push(store, "/metrics/job/ci", [], now: 160)
        #expect(store.groups[key]?.families.isEmpty == true)
        #expect(store.groups[key]?.pushTime == 160)
    }

    @Test func deleteRemovesExactlyOneGroup() throws {
        let store = F.store()
        try push(store, "/metrics/job/ci", [F.family("a", .gauge)])
        try push(store, "/metrics/job/ci/instance/r1", [F.family("a", .gauge)])
        #expect(store.delete(try F.key("/metrics/job/ci/instance/r1"), now: 300))
        #expect(store.groups.count == 1)
        #expect(!store.delete(try F.key("/metrics/job/nothing"), now: 300))
        #expect(try store.seriesLabels("/metrics/job/ci", "a") == ["instance=,job=ci"])
    }

    @Test func theKeysLabelsOverrideTheBodysAndAnEmptyInstanceIsAddedWhenNoneIsLeft() throws {
        let store = F.store()
        let body = F.family("a", .gauge, series: [[("job", "body"), ("stage", "s")], [("instance", "own")]])
        try push(store, "/metrics/job/ci", [body])
        #expect(try store.seriesLabels("/metrics/job/ci", "a") == ["instance=,job=ci,stage=s", "instance=own,job=ci"])
        try push(store, "/metrics/job/ci/instance/r1", [F.family("b", .gauge, series: [[("instance", "own")]])])
        #expect(try store.seriesLabels("/metrics/job/ci/instance/r1", "b") == ["instance=r1,job=ci"])
    }

    @Test func aRefusedPushChangesNothingButTheFailureTime() throws {
        let store = F.store()
        let key = try F.key("/metrics/job/ci")
        try push(store, "/metrics/job/ci", [F.family("a", .gauge)], now: 100)
        try push(store, "/metrics/job/other", [F.family("b", .counter)], now: 100)
        let before = store.groups[key]
        var stamped = F.family("c", .gauge)
        stamped.metrics[0].timestampMilliseconds = 5
        let refused = try refusal(store, "/metrics/job/ci", [F.family("a", .gauge, value: 9), stamped])
        #expect(refused?.message.contains("must not have timestamps") == true)
        #expect(refused?.kind == .inconsistent)
        #expect(store.groups[key]?.families == before?.families)
        #expect(store.groups[key]?.pushTime == 100)
        #expect(store.groups[key]?.failureTime == 200)
    }

    @Test func aRefusedPushToANewGroupMakesItWithJustItsTimes() throws {
        let store = F.store()
        _ = try refusal(store, "/metrics/job/new", [F.family("bad-name", .gauge)])
        let group = store.groups[try F.key("/metrics/job/new")]
        #expect(group?.families.isEmpty == true)
        #expect(group?.pushTime == 0)
        #expect(group?.failureTime == 200)
    }

    /// Pushgateway 1.5.1 defect: after `{job=k}`, a refused push to `{job=k,instance=""}` made a group whose push
    /// times duplicate `{job=k}`'s, and every scrape then failed. Here neither push makes such a group.
    @Test func neverMakesAGroupThatShowsTheSameSeriesAsAnother() throws {
        let store = F.store()
        try push(store, "/metrics/job/k", [F.family("a", .gauge)])
        let refused = try refusal(store, "/metrics/job/k/instance@base64/=", [F.family("a", .gauge)])
        #expect(refused?.message.contains("would show the same series") == true)
        _ = try refusal(store, "/metrics/job/k/instance@base64/=", [F.family("bad-name", .gauge)])
        #expect(store.groups.count == 1)
        #expect(store.merged(PushTimes.success)?.metrics.count == 1)
    }

    @Test func refusesASeriesAnotherGroupShowsAlready() throws {
        let store = F.store()
        try push(store, "/metrics/job/ci", [F.family("a", .gauge, series: [[("stage", "s")]])])
        let refused = try refusal(store, "/metrics/job/ci/stage/s", [F.family("a", .gauge)])
        #expect(refused?.message.contains("is shown by the group {job=\"ci\"} already") == true)
        // The same group pushing it again replaces its own.
        try push(store, "/metrics/job/ci", [F.family("a", .gauge, series: [[("stage", "s")]], value: 2)])
    }

    @Test func refusesATypeThatDiffersFromAnotherGroupsOrTheServicesOwn() throws {
        let store = F.store()
        try push(store, "/metrics/job/a", [F.family("builds", .counter)])
        let clash = try refusal(store, "/metrics/job/b", [F.family("builds", .gauge)])
        #expect(clash?.message.contains("builds has type GAUGE but should have COUNTER") == true)
        // The only holder may change its type.
        try push(store, "/metrics/job/a", [F.family("builds", .gauge)])
        let own = try refusal(store, "/metrics/job/a", [F.family("process_cpu_seconds_total", .gauge)])
        #expect(own?.message.contains("the service exposes it as COUNTER") == true)
        try push(store, "/metrics/job/a", [F.family("process_cpu_seconds_total", .counter)])
    }

    @Test(arguments: [
        (PushFixtures.family("", .gauge), "without a name"),
        (PushFixtures.family("bad-name", .gauge), "not a valid metric name"),
        (PushFixtures.family("delivery_x", .gauge), "the delivery_ namespace"),
        (PushFixtures.family("push_time_seconds", .gauge), "kept by the service"),
        (PushFixtures.family("x", .gaugeHistogram), "gauge histograms"),
        (PushFixtures.family("x", .unknown(9)), "unknown metric type 9"),
        (PushFixtures.family("x", .gauge, series: [[("bad-label", "v")]]), "not a valid label name"),
        (PushFixtures.family("x", .gauge, series: [[("__x", "v")]]), "not a valid label name"),
        (PushFixtures.family("x", .gauge, series: [[("a", "1"), ("a", "2")]]), "given twice"),
        (PushFixtures.family("x", .gauge, series: [[("a", "1")], [("a", "1")]]), "pushed twice"),
        (PushFixtures.family("x", .histogram, series: [[("le", "1")]]), "cannot carry the label le"),
        (PushFixtures.family("x", .summary, series: [[("quantile", "1")]]), "cannot carry the label quantile"),
    ])
    func refusesAFamilyThatCannotBeExposed(family: PushedFamily, reason: String) throws {
        let refused = try refusal(PushFixtures.store(), "/metrics/job/ci", [family])
        #expect(refused?.message.contains(reason) == true, "\(refused?.message ?? "accepted")")
    }

    @Test func refusesValuesThatDoNotMatchTheType() throws {
        var mixed = F.family("x", .counter)
        mixed.metrics[0].gauge = 1
        #expect(try refusal(F.store(), "/metrics/job/ci", [mixed])?.message.contains("one value") == true)
        var empty = F.family("x", .counter)
        empty.metrics[0].counter = nil
        #expect(try refusal(F.store(), "/metrics/job/ci", [empty])?.message.contains("one value") == true)
        var native = F.family("x", .histogram)
        native.metrics[0].histogram?.hasNativeOrFloatFields = true
        #expect(try refusal(F.store(), "/metrics/job/ci", [native])?.message.contains("native") == true)
        var unordered = F.family("x", .histogram)
        unordered.metrics[0].histogram?.buckets.reverse()
        #expect(try refusal(F.store(), "/metrics/job/ci", [unordered])?.message.contains("must increase") == true)
        var invalid = F.family("x", .gauge, series: [[("a", "v")]])
        invalid.metrics[0].labels[0].value = [0xFF]
        #expect(try refusal(F.store(), "/metrics/job/ci", [invalid])?.message.contains("not UTF-8") == true)
    }

    @Test func refusesNamesWhoseSamplesWouldCollide() throws {
        let store = F.store()
        try push(store, "/metrics/job/a", [F.family("step_seconds", .histogram), F.family("runs_total", .counter)])
        for (name, kind) in [
            ("step_seconds_count", PushedFamily.Kind.gauge), ("step_seconds_bucket", .gauge),
            ("step_seconds_sum", .gauge),
            ("runs", .gauge),
        ] {
            let refused = try refusal(store, "/metrics/job/b", [F.family(name, kind)])
            #expect(refused?.message.contains("collides") == true, "\(name)")
        }
        try push(store, "/metrics/job/c", [F.family("wait_count", .gauge)])
        #expect(
            try refusal(store, "/metrics/job/d", [F.family("wait", .summary)])?.message.contains("collides") == true
        )
        // A summary has no buckets.
        try push(store, "/metrics/job/d", [F.family("lag", .summary), F.family("lag_bucket", .gauge)])
    }

    @Test func aRepeatedFamilyKeepsTheLast() throws {
        let store = F.store()
        try push(store, "/metrics/job/ci", [F.family("a", .gauge, value: 1), F.family("a", .gauge, value: 2)])
        #expect(try store.stored("/metrics/job/ci", "a")?.metrics.first?.gauge == 2)
    }

    @Test func mergesAFamilyAcrossGroupsWithTheHelpOfTheFirstKey() throws {
        let store = F.store()
        try push(store, "/metrics/job/b", [F.family("x", .gauge, help: "from b")])
        try push(store, "/metrics/job/a", [F.family("x", .gauge, help: "from a")])
        let merged = try #require(store.merged(Array("x".utf8)))
        #expect(merged.help == Array("from a".utf8))
        #expect(merged.metrics.map { $0.labels[1].value } == [Array("a".utf8), Array("b".utf8)])
        #expect(
            store.sortedNames.map { String(decoding: $0, as: UTF8.self) } == [
                "push_failure_time_seconds", "push_time_seconds", "x",
            ]
        )
    }

    @Test func enforcesItsLimits() throws {
        let store = F.store(PushLimits(seriesPerPush: 10, seriesPerGroup: 2, groups: 2, bytes: 1 << 16))
        try push(store, "/metrics/job/a", [F.family("x", .gauge, series: [[("i", "1")], [("i", "2")]])])
        let series = try refusal(store, "/metrics/job/a", [F.family("y", .gauge)], replace: false)
        #expect(series?.kind == .limit)
        #expect(series?.message.contains("--max-series-per-group") == true)
        try push(store, "/metrics/job/b", [])
        let groups = try refusal(store, "/metrics/job/c", [])
        #expect(groups?.message.contains("--max-push-groups") == true)
        // Neither refusal made a group.
        #expect(store.groups.count == 2)
        let big = F.family("x", .gauge, series: [[("v", String(repeating: "v", count: 70_000))]])
        #expect(try refusal(store, "/metrics/job/b", [big])?.message.contains("--max-pushed-bytes") == true)
    }

    @Test func dropsGroupsPastTheirTimeToLive() throws {
        let store = F.store()
        try push(store, "/metrics/job/short", [F.family("a", .gauge)], now: 100, ttl: 60)
        try push(store, "/metrics/job/forever", [F.family("b", .gauge)], now: 100)
        #expect(store.expire(now: 159) == 0)
        #expect(store.expire(now: 160) == 1)
        #expect(store.groups.keys.map(\.description) == ["{job=\"forever\"}"])
        #expect(!store.holds(Array("a".utf8)))
    }

    @Test func wipeRemovesEveryGroup() throws {
        let store = F.store()
        try push(store, "/metrics/job/a", [F.family("a", .gauge)])
        try push(store, "/metrics/job/b", [F.family("b", .gauge)])
        store.wipe(now: 300)
        #expect(store.groups.isEmpty)
        #expect(store.sortedNames.isEmpty)
        #expect(store.bytes == 0)
        try push(store, "/metrics/job/b", [F.family("a", .counter)])
    }

    @Test func tellsItsObserverEveryChange() throws {
        final class Recorder: PushObserver {
            var changes: [PushChange] = []
            func record(_ change: PushChange) { changes.append(change) }
        }
        let store = F.store()
        let recorder = Recorder()
        store.observer = recorder
        try push(store, "/metrics/job/a", [F.family("a", .gauge, series: [[("job", "x")]])], now: 1)
        _ = try refusal(store, "/metrics/job/a", [F.family("bad-name", .gauge)])
        store.delete(try F.key("/metrics/job/a"), now: 3)
        store.wipe(now: 4)
        #expect(recorder.changes.count == 4)
        guard case .pushed(_, let families, true, nil, 1) = recorder.changes[0] else {
            Issue.record("not a push: \(recorder.changes[0])")
            return
        }
        // Stored sanitised: what replays is what was accepted.
        #expect(families[0].metrics[0].labels == [F.label("instance", ""), F.label("job", "a")])
        #expect(recorder.changes[1] == .failed(key: try F.key("/metrics/job/a"), time: 200))
    }
}
