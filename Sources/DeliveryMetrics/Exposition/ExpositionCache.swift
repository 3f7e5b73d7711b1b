import Loop

/// The exposition of a registry, rendered per family and format and kept until the family's write generation moves:
/// an unchanged scrape only lists cached pieces. Lives beside the renderer, not in the registry, so that `Metrics/`
/// knows nothing of formats and compression.
@_spi(Harness) public final class ExpositionCache {
    let registry: Registry
    /// The pushed groups, merged in by name; nil for an exposition of the registry alone.
    let pushes: PushStore?
    private var cache: [CacheKey: RenderedFamily] = [:]
    /// Per format, the renderings of pushed families, kept for the names the last scrape in that format wrote.
    private var pushedRenderings: [String: [PushedKey: RenderedFamily]] = [:]
    /// The registry's family names as bytes, in its order (fixed at boot).
    private let ownNames: [[UInt8]]

    @_spi(Harness) public convenience init(_ registry: Registry) {
        self.init(registry, pushes: nil)
    }

    init(_ registry: Registry, pushes: PushStore?) {
        self.registry = registry
        self.pushes = pushes
        ownNames = registry.families.map { Array($0.definition.fullName.utf8) }
    }

    /// The whole exposition in `format`, plain or gzip, as pieces to send in order. Each family's rendering, and its
    /// deflate chunk, is kept until something writes to the family, so an unchanged scrape only lists cached pieces,
    /// and every connection sending them shares the same bytes: the chunks are compressed apart and end on a full
    /// flush, so they join into one gzip member (`Gzip.pieces`) that curl, browsers and Go all read. Families that
    /// change on every scrape (`process_*`) are simply rendered again, alone. Nil only if zlib fails.
    func pieces(_ format: ExpositionFormat, gzip: Bool) -> [SharedBytes]? {
        var pieces: [SharedBytes] = []
        var chunks: [Gzip.Chunk] = []
        let pushedNames = pushes?.sortedNames ?? []
        if gzip {
            chunks.reserveCapacity(registry.families.count + pushedNames.count + 1)
        } else {
            pieces.reserveCapacity(registry.families.count + pushedNames.count + 1)
        }
        func emit(_ entry: RenderedFamily) {
            if gzip {
                if let chunk = entry.chunk { chunks.append(chunk) }
            } else if entry.text.count > 0 {
                pieces.append(entry.text)
            }
        }
        // Both lists are sorted by name bytes: merged as they go, a pushed family that shares a name with one of the
        // service's own (`process_*`) written into it.
        var nextPushed = 0
        var pushedCache: [PushedKey: RenderedFamily] = [:]
        for (position, family) in registry.families.enumerated() {
            let name = ownNames[position]
            while nextPushed < pushedNames.count, pushedNames[nextPushed].lexicographicallyPrecedes(name) {
                guard let entry = pushedEntry(pushedNames[nextPushed], format, gzip, &pushedCache) else { return nil }
                emit(entry)
                nextPushed += 1
            }
            var merged = false
            if nextPushed < pushedNames.count, pushedNames[nextPushed] == name {
                merged = true
                nextPushed += 1
            }
            guard let entry = ownEntry(family, name: name, merged: merged, format, gzip) else { return nil }
            emit(entry)
        }
        while nextPushed < pushedNames.count {
            guard let entry = pushedEntry(pushedNames[nextPushed], format, gzip, &pushedCache) else { return nil }
            emit(entry)
            nextPushed += 1
        }
        // Only the names still pushed keep their renderings: a deleted group's go with this scrape.
        if pushes != nil { pushedRenderings[format.name] = pushedCache }
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

    /// One of the service's own families, with the pushed series of the same name after its own when `merged`.
    private func ownEntry(
        _ family: MetricFamily,
        name: [UInt8],
        merged: Bool,
        _ format: ExpositionFormat,
        _ gzip: Bool
    ) -> RenderedFamily? {
        let key = CacheKey(family: ObjectIdentifier(family), format: format.name)
        let pushedGeneration = merged ? pushes?.generation(of: name) ?? 0 : 0
        var entry: RenderedFamily
        var changed = false
        if let cached = cache[key], cached.generation == family.generation,
            cached.pushedGeneration == pushedGeneration
        {
            entry = cached
        } else {
            var text = ""
            FamilyRenderer.render(family, as: format, into: &text)
            if merged, var pushed = pushes?.merged(name) {
                pushed.help = Array(family.definition.help.utf8)
                PushedFamilyRenderer.render(pushed, as: format, header: text.isEmpty, into: &text)
            }
            entry = RenderedFamily(
                generation: family.generation,
                pushedGeneration: pushedGeneration,
                text: SharedBytes(text.utf8),
                chunk: nil
            )
            changed = true
        }
        if gzip, entry.chunk == nil {
            guard let chunk = Gzip.Chunk(entry.text.array) else { return nil }
            entry.chunk = chunk
            changed = true
        }
        // An unchanged scrape only reads the cache.
        if changed { cache[key] = entry }
        return entry
    }

    /// A pushed family no own one shares a name with, from this format's renderings while its generation (and, in
    /// OpenMetrics, that of its `_created` partner) holds.
    private func pushedEntry(
        _ name: [UInt8],
        _ format: ExpositionFormat,
        _ gzip: Bool,
        _ kept: inout [PushedKey: RenderedFamily]
    ) -> RenderedFamily? {
        guard let pushes else { return nil }
        let key = PushedKey(name: name)
        let generation = pushes.generation(of: name)
        let partner = format == .text ? nil : pushes.createdPartner(of: name)
        let partnerGeneration = partner.map { pushes.generation(of: $0.name) } ?? 0
        var entry: RenderedFamily
        if let cached = pushedRenderings[format.name]?[key], cached.pushedGeneration == generation,
            cached.generation == partnerGeneration
        {
            entry = cached
        } else {
            var text = ""
            if let family = pushes.merged(name) {
                switch partner {
                case .created(let createdName):
                    PushedFamilyRenderer.render(
                        family,
                        as: format,
                        created: pushes.createdTimes(createdName),
                        into: &text
                    )
                case .owner:
                    break  // Written as the owner's `_created` samples.
                case nil:
                    PushedFamilyRenderer.render(family, as: format, into: &text)
                }
            }
            entry = RenderedFamily(
                generation: partnerGeneration,
                pushedGeneration: generation,
                text: SharedBytes(text.utf8),
                chunk: nil
            )
        }
        if gzip, entry.chunk == nil {
            guard let chunk = Gzip.Chunk(entry.text.array) else { return nil }
            entry.chunk = chunk
        }
        kept[key] = entry
        return entry
    }

    private struct PushedKey: Hashable {
        let name: [UInt8]
    }

    private struct CacheKey: Hashable {
        let family: ObjectIdentifier
        let format: String
    }

    private struct RenderedFamily {
        let generation: UInt64
        /// The generation of the pushed family of the same name (0 when there is none).
        let pushedGeneration: UInt64
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
