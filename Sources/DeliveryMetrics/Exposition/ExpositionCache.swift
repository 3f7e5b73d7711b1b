import Loop

/// The exposition of a registry, rendered per family and format and kept until the family's write generation moves:
/// an unchanged scrape only lists cached pieces. Lives beside the renderer, not in the registry, so that `Metrics/`
/// knows nothing of formats and compression.
@_spi(Harness) public final class ExpositionCache {
    let registry: Registry
    private var cache: [CacheKey: RenderedFamily] = [:]

    @_spi(Harness) public init(_ registry: Registry) {
        self.registry = registry
    }

    /// The whole exposition in `format`, plain or gzip, as pieces to send in order. Each family's rendering, and its
    /// deflate chunk, is kept until something writes to the family, so an unchanged scrape only lists cached pieces,
    /// and every connection sending them shares the same bytes: the chunks are compressed apart and end on a full
    /// flush, so they join into one gzip member (`Gzip.pieces`) that curl, browsers and Go all read. Families that
    /// change on every scrape (`process_*`) are simply rendered again, alone. Nil only if zlib fails.
    func pieces(_ format: ExpositionFormat, gzip: Bool) -> [SharedBytes]? {
        var pieces: [SharedBytes] = []
        var chunks: [Gzip.Chunk] = []
        if gzip {
            chunks.reserveCapacity(registry.families.count + 1)
        } else {
            pieces.reserveCapacity(registry.families.count + 1)
        }
        for family in registry.families {
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

extension Registry {
    /// The whole exposition in `format`, as text, rendered afresh (tests read it so; a scrape uses its cache).
    func render(_ format: ExpositionFormat) -> String {
        String(decoding: exposition(format, gzip: false) ?? [], as: UTF8.self)
    }

    /// The whole exposition in one array, rendered afresh.
    func exposition(_ format: ExpositionFormat, gzip: Bool) -> [UInt8]? {
        ExpositionCache(self).exposition(format, gzip: gzip)
    }
}

extension ExpositionCache {
    /// The whole exposition in one array (tests and benchmarks read it so; a scrape sends the pieces).
    @_spi(Harness) public func exposition(_ format: ExpositionFormat, gzip: Bool) -> [UInt8]? {
        pieces(format, gzip: gzip).map { $0.reduce(into: []) { $0 += $1.bytes } }
    }
}
