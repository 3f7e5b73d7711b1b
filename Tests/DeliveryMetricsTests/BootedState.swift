import Glibc
import Logging
import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// A booted service's state: its registry on a loop, with persistence at `path`; with `webhooks`, also the job
/// webhooks' receiver (every source's token "t"), whose delivery keys persist with the rest.
final class BootedState {
    let loop: EventLoop
    let registry: Registry
    let webhooks: JobWebhookReceiver?
    /// The pushed groups, persisted with the rest.
    let pushes: PushStore
    let persistence: Persistence

    init(
        _ path: String,
        files: any FileLayer = POSIXFileLayer(),
        reservationBytes: Int = 1 << 20,
        webhooks: Bool = false
    ) throws {
        loop = try EventLoop()
        registry = Registry(
            Catalogue.definitions(experiments: Experiments.definitions),
            maxSeriesPerMetric: 100,
            now: StateFiles.now
        )
        let tokens = Dictionary(uniqueKeysWithValues: WebhookSources.all.map { ($0.tokenVariable, "t") })
        self.webhooks =
            webhooks ? JobWebhookReceiver(tokens: tokens, registry: registry, logger: StateFiles.logger) : nil
        pushes = PushStore(
            limits: PushLimits(),
            ownFamilies: registry.families.map { ($0.definition.fullName, $0.definition.kind) }
        )
        persistence = try Persistence(
            path: path,
            intervalMilliseconds: 3_600_000,
            registry: registry,
            deduplication: self.webhooks?.deduplication,
            pushes: pushes,
            loop: loop,
            logger: StateFiles.logger,
            files: files,
            reservationBytes: reservationBytes
        ) {}
        persistence.start()
    }

    func family(_ name: String) -> MetricFamily {
        guard let family = registry.family(named: name) else { fatalError("\(name) is not in the catalogue") }
        return family
    }

    func value(_ name: String, _ labels: [String]) -> Double? { family(name).series[SeriesKey(labels)]?.value }

    /// Waits (running the loop) until everything written so far is on disk.
    func sync() {
        var durable: Bool?
        persistence.whenDurable { durable = $0 }
        persistence.writer.flush()
        loop.run()
        #expect(durable == true)
    }

    func stop() {
        persistence.close()
        loop.run()
        _ = loop.close()
    }
}

/// State files in a fresh folder, for the persistence tests.
enum StateFiles {
    static let logger = Logger(label: "persistence-tests") { _ in SwiftLogNoOpLogHandler() }
    static let now = WallClock.now()

    static func folder() -> String {
        var template = Array("/tmp/delivery-metrics-persistence-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    static func write(_ path: String, _ bytes: [UInt8]) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }

    static func contents(_ path: String) -> [UInt8] {
        (try? POSIXFileLayer().read(path)).flatMap { $0 } ?? []
    }

    static func segments(_ path: String) -> [UInt64] {
        let paths = PersistencePaths(snapshot: path)
        return paths.segmentNumbers(in: (try? POSIXFileLayer().list(paths.folder)) ?? [])
    }
}
