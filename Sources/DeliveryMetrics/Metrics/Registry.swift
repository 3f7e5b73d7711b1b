import Loop

/// Every metric family the service exposes, sorted by name, with a render cache per family and format.
///
/// The single source of truth: the push API, the webhooks, the scraper and (later) persistence replay all write
/// through `family(named:)` and `MetricFamily.apply`. The exposition is derived: a family is rendered again only when
/// its generation changed since the last scrape.
final class Registry {
    let families: [MetricFamily]
    private let byAPIName: [String: MetricFamily]
    private var cache: [CacheKey: RenderedFamily] = [:]

    init(_ definitions: [MetricDefinition], maxSeriesPerMetric: Int, now: Double) {
        families = definitions.map { MetricFamily($0, maxSeries: maxSeriesPerMetric, now: now) }
            .sorted { $0.definition.fullName < $1.definition.fullName }
        var byAPIName: [String: MetricFamily] = [:]
        for family in families {
            let name =
                family.definition.isInCatalogue
                ? family.definition.apiName : family.definition.fullName
            precondition(byAPIName[name] == nil, "metric \(family.definition.fullName) is declared twice")
            byAPIName[name] = family
        }
        self.byAPIName = byAPIName
    }

    /// The family named as under `/api`: `deployment_duration_seconds` for `delivery_deployment_duration_seconds`.
    func family(named apiName: String) -> MetricFamily? {
        byAPIName[apiName]
    }

    /// The catalogue proper: the `delivery` namespace (not `process_*`).
    var deliveryFamilies: [MetricFamily] {
        families.filter { $0.definition.isInCatalogue }
    }

    /// A number that changes whenever a delivery family picked by `include` is written: the sum of their write
    /// generations, each of which only grows.
    func generation(of include: (MetricDefinition) -> Bool) -> UInt64 {
        families.reduce(0) { total, family in
            family.definition.isInCatalogue && include(family.definition)
                ? total &+ family.generation : total
        }
    }

    /// Expires stale series in every family; returns how many went.
    @discardableResult
    func expire(now: Double) -> Int {
        families.reduce(0) { $0 + $1.expire(now: now) }
    }

    /// The whole exposition in `format`, as text.
    func render(_ format: ExpositionFormat) -> String {
        String(decoding: exposition(format, gzip: false) ?? [], as: UTF8.self)
    }

    /// The whole exposition in one array (tests and benchmarks read it so; a scrape sends the pieces).
    func exposition(_ format: ExpositionFormat, gzip: Bool) -> [UInt8]? {
        expositionPieces(format, gzip: gzip).map { $0.reduce(into: []) { $0 += $1.bytes } }
    }

    /// The whole exposition in `format`, plain or gzip, as pieces to send in order. Each family's rendering, and its
    /// deflate chunk, is kept until something writes to the family, so an unchanged scrape only lists cached pieces,
    /// and every connection sending them shares the same bytes: the chunks are compressed apart and end on a full
    /// flush, so they join into one gzip member (`Gzip.pieces`) that curl, browsers and Go all read. Families that
    /// change on every scrape (`process_*`) are simply rendered again, alone. Nil only if zlib fails.
    func expositionPieces(_ format: ExpositionFormat, gzip: Bool) -> [SharedBytes]? {
        var pieces: [SharedBytes] = []
        var chunks: [Gzip.Chunk] = []
        if gzip { chunks.reserveCapacity(families.count + 1) } else { pieces.reserveCapacity(families.count + 1) }
        for family in families {
            let key = CacheKey(family: ObjectIdentifier(family), format: format.name)
            var entry: RenderedFamily
            var changed = false
            if let cached = cache[key], cached.generation == family.generation {
                entry = cached
            } else {
                var text = ""
                FamilyRenderer.render(family, as: format, into: &text)
                entry = RenderedFamily(generation: family.generation, text: SharedBytes(text.utf8), chunk: nil)
                changed = true
            }
            if gzip, entry.chunk == nil {
                entry.chunk = Gzip.Chunk(entry.text.array)
                changed = true
            }
            // An unchanged scrape only reads the cache.
            if changed { cache[key] = entry }
            if gzip {
                guard let chunk = entry.chunk else { return nil }
                chunks.append(chunk)
            } else if entry.text.count > 0 {
                pieces.append(entry.text)
            }
        }
        if format != .text {
            if gzip {
                guard let end = Self.eofChunk else { return nil }
                chunks.append(end)
            } else {
                pieces.append(Self.eof)
            }
        }
        return gzip ? Gzip.pieces(chunks) : pieces
    }

    private struct CacheKey: Hashable {
        let family: ObjectIdentifier
        let format: String
    }

    private struct RenderedFamily {
        let generation: UInt64
        let text: SharedBytes
        /// Made on the first gzip scrape after a change, not before: most scrapes of a family may be plain.
        var chunk: Gzip.Chunk?
    }

    private static let eof = SharedBytes("# EOF\n".utf8)
    private static let eofChunk = Gzip.Chunk(eof.array)
}
