/// The three kinds of vector the service keeps, and the operations each accepts.
@_spi(Harness) public enum MetricKind: String, Sendable {
    case counter
    case gauge
    case histogram

    var operations: [Operation] {
        switch self {
        case .counter: [.inc, .add]
        case .gauge: [.inc, .add, .set, .dec, .sub]
        case .histogram: [.observe]
        }
    }

    /// `operations.contains(operation)`, without making the array.
    func accepts(_ operation: Operation) -> Bool {
        switch self {
        case .counter: operation == .inc || operation == .add
        case .gauge: operation != .observe
        case .histogram: operation == .observe
        }
    }
}

/// A write to one series, as the push API, the webhooks, the scraper and (later) persistence replay express it.
@_spi(Harness) public enum Operation: String, Sendable, CaseIterable {
    case observe
    case inc
    case add
    case set
    case dec
    case sub

    /// `Operation(rawValue:)` of the text `name` holds, read from its bytes.
    init?(name: UnsafeBufferPointer<UInt8>) {
        func named(_ text: StaticString) -> Bool {
            guard text.utf8CodeUnitCount == name.count else { return false }
            for index in 0..<name.count where name[index] != text.utf8Start[index] { return false }
            return true
        }
        switch name.count {
        case 3:
            if named("inc") {
                self = .inc
            } else if named("add") {
                self = .add
            } else if named("set") {
                self = .set
            } else if named("dec") {
                self = .dec
            } else if named("sub") {
                self = .sub
            } else {
                return nil
            }
        case 7:
            guard named("observe") else { return nil }
            self = .observe
        default: return nil
        }
    }

    /// `inc` and `dec` need no value.
    var needsValue: Bool { self != .inc && self != .dec }
}

/// One metric of the catalogue, declared with the vocabulary of the original's `metrics.go`.
@_spi(Harness) public struct MetricDefinition: Sendable {
    static let deliveryNamespace = "delivery"

    let kind: MetricKind
    /// The name without namespace and subsystem, as it appears under `/api`.
    let name: String
    let subsystem: String?
    let help: String
    /// Positional: a push's `labels` values come in this order.
    let labels: [Label]
    /// Histogram upper bounds, ascending, without `+Inf`.
    let buckets: [Double]
    /// At boot and on every reset, hold every combination of the labels' values at 0 (closed sets only).
    let cartesianProductReset: Bool
    /// A series not written for this long is dropped (or returned to 0 under a cartesian reset).
    let timeToLiveSeconds: Double?
    /// Who writes it, and so whether `/api` may, whether it persists and whether it is the process's own.
    let writer: MetricWriter

    @_spi(Harness) public init(
        _ kind: MetricKind,
        name: String,
        subsystem: String? = nil,
        help: String,
        labels: [Label] = [],
        buckets: [Double] = [],
        cartesianProductReset: Bool = false,
        timeToLive: Double? = nil,
        writer: MetricWriter = .clients
    ) {
        self.kind = kind
        self.name = name
        self.subsystem = subsystem
        self.help = help
        self.labels = labels
        self.buckets = kind == .histogram ? (buckets.isEmpty ? Buckets.prometheusDefault : buckets) : []
        self.cartesianProductReset = cartesianProductReset
        self.timeToLiveSeconds = timeToLive
        self.writer = writer
        precondition(
            !cartesianProductReset || labels.allSatisfy { $0.allowedValues != nil },
            "\(name): a cartesian-product reset needs closed label sets"
        )
        precondition(
            self.buckets == self.buckets.sorted() && Set(self.buckets).count == self.buckets.count,
            "\(name): buckets must ascend"
        )
    }

    /// Whether persistence keeps it: the delivery metrics, not what describes this process.
    var isPersisted: Bool { writer.isPersisted }

    /// Describes this process (its requests, scrapes, the observer's own health): starts afresh at every boot.
    var describesProcess: Bool { !writer.isPersisted }

    /// In the `delivery` catalogue, reached under `/api` by `apiName` (the `process_*` metrics are not).
    var isInCatalogue: Bool { writer != .process }

    /// `delivery` for the catalogue; `process` for the standard process metrics.
    var namespace: String { writer.namespace }

    /// The name under `/api`: the full name without `delivery_`, e.g. `deployment_duration_seconds`.
    var apiName: String {
        subsystem.map { "\($0)_\(name)" } ?? name
    }

    /// The exposed name, e.g. `delivery_deployment_duration_seconds`.
    @_spi(Harness) public var fullName: String { "\(namespace)_\(apiName)" }
}

/// Histogram bucket layouts, as client_golang builds them.
enum Buckets {
    /// client_golang's `DefBuckets`.
    static let prometheusDefault: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// `count` bounds from `start`, `width` apart (client_golang's `LinearBuckets`).
    static func linear(start: Double, width: Double, count: Int) -> [Double] {
        (0..<count).map { start + Double($0) * width }
    }

    /// `count` bounds from `start`, each `factor` times the last (client_golang's `ExponentialBuckets`).
    static func exponential(start: Double, factor: Double, count: Int) -> [Double] {
        (0..<count).map { start * pow(factor, Double($0)) }
    }

    private static func pow(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(exponent) { result *= base }
        return result
    }
}
