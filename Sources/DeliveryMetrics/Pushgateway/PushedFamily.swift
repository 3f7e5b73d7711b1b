/// A metric family as a Pushgateway client states it, before any check: what client_model's `MetricFamily` holds.
/// The protobuf decoder (`MetricFamilyProtobuf`) produces it, so that one set of consistency checks can judge every
/// body format. Names, label names and values and help are kept as the bytes that arrived: label values are
/// identified by their bytes, and whether they are valid UTF-8 is for the checks to say.
struct PushedFamily: Equatable {
    /// client_model's `MetricType`; a number it does not know is kept, for the checks to refuse.
    enum Kind: Equatable {
        case counter
        case gauge
        case summary
        case untyped
        case histogram
        case gaugeHistogram
        case unknown(UInt64)

        init(protobufValue value: UInt64) {
            switch value {
            case 0: self = .counter
            case 1: self = .gauge
            case 2: self = .summary
            case 3: self = .untyped
            case 4: self = .histogram
            case 5: self = .gaugeHistogram
            default: self = .unknown(value)
            }
        }
    }

    var name: [UInt8] = []
    var help: [UInt8]?
    /// Counter when the body names none: proto2's default for the enum, which Go's encoder writes out to avoid.
    var kind = Kind.counter
    var metrics: [PushedMetric] = []
}

/// One series of a pushed family, with every value field the body set (more than one, or the wrong one for the
/// family's kind, is for the checks to refuse).
struct PushedMetric: Equatable {
    var labels: [PushedLabel] = []
    var gauge: Double?
    var counter: Double?
    var untyped: Double?
    var summary: PushedSummary?
    var histogram: PushedHistogram?
    /// Sent by the body; the Pushgateway refuses pushed timestamps, and so will the checks.
    var timestampMilliseconds: Int64?
}

struct PushedLabel: Hashable {
    var name: [UInt8]
    var value: [UInt8]

    /// The bytes in two calls, not one a byte (`ByteKey`).
    func hash(into hasher: inout Hasher) {
        hasher.combineBytes(name)
        hasher.combineBytes(value)
    }
}

struct PushedSummary: Equatable {
    struct Quantile: Equatable {
        var quantile: Double = 0
        var value: Double = 0
    }

    var count: UInt64 = 0
    var sum: Double = 0
    var quantiles: [Quantile] = []
}

struct PushedHistogram: Equatable {
    struct Bucket: Equatable {
        var cumulativeCount: UInt64 = 0
        var upperBound: Double = 0
    }

    var count: UInt64 = 0
    var sum: Double = 0
    var buckets: [Bucket] = []
    /// The body set a field of a native or float histogram (schema, spans, deltas, float counts...), which the
    /// service does not expose: the checks refuse such a push rather than drop part of it.
    var hasNativeOrFloatFields = false
}

/// A pushed body that cannot be read, or that holds more series than a push may: answered `400` with `message`,
/// one line.
struct PushBodyError: Error, Equatable {
    enum Kind: Equatable {
        case malformed
        /// The body states more series than `--max-series-per-push`; found while decoding, so that a megabyte of
        /// empty messages never becomes a million families in memory.
        case tooManySeries
    }

    let message: String
    let kind: Kind

    init(_ message: String, kind: Kind = .malformed) {
        self.message = message
        self.kind = kind
    }

    static func tooManySeries(_ limit: Int) -> PushBodyError {
        PushBodyError("the push holds more than \(limit) series (--max-series-per-push)", kind: .tooManySeries)
    }
}

/// Counts what a body states as it is decoded: every metric is a series, and so is a family without any (it
/// costs memory all the same).
struct SeriesBudget {
    let limit: Int
    private(set) var used = 0

    init(limit: Int) {
        self.limit = limit
    }

    mutating func spend(_ count: Int = 1) throws(PushBodyError) {
        used += count
        guard used <= limit else { throw .tooManySeries(limit) }
    }
}
