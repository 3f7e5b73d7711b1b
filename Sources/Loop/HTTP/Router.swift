import Glibc

/// Routes by method and path pattern. Patterns are literal segments and named `<parameters>`, e.g.
/// `/api/<metric>/<operation>`; the pattern text doubles as the route's label in metrics and logs, so raw paths never
/// reach a label.
///
/// Matching a head (`match(_:)`) walks its raw path bytes, compares literal segments percent-decoded on the fly, and
/// binds parameters as ranges of the head's bytes: nothing is allocated. The routing itself is `RouteTable`, compiled
/// concretely in this module; only the handler look-up is generic, and inlinable, so a caller in another module gets
/// it specialised rather than through generic metadata.
public struct Router<Handler> {
    /// What matching decimal strings gives (`match(method:segments:)`).
    public enum Match {
        case found(Handler, parameters: [String: String], template: String)
        case notFound
        case methodNotAllowed(allowed: [String])
    }

    /// What matching a head gives (`match(_:)`).
    public enum HeadMatch {
        case found(Handler, parameters: RouteParameters, template: String)
        case notFound
        case methodNotAllowed(allowed: [String])
    }

    @usableFromInline var table = RouteTable()
    @usableFromInline var handlers: [Handler] = []

    public init() {}

    /// Adds a route. A `GET` route also answers `HEAD` unless a `HEAD` route for the same pattern exists. A pattern
    /// has at most `RouteParameters.capacity` parameters.
    @inlinable
    public mutating func add(_ method: String, _ template: String, _ handler: Handler) {
        table.add(method, template)
        handlers.append(handler)
    }

    /// The route for `head`'s method and path. A path with a broken escape (`hasValidPathEncoding` false) matches no
    /// literal segment that the escape is in.
    @inlinable
    public func match(_ head: RequestHead) -> HeadMatch {
        switch table.match(head) {
        case .found(let index, let parameters):
            .found(handlers[index], parameters: parameters, template: table.template(index))
        case .notFound:
            .notFound
        case .methodNotAllowed(let allowed):
            .methodNotAllowed(allowed: allowed)
        }
    }

    /// The route for `method` and path segments already split and decoded (tests, tools).
    @inlinable
    public func match(method: String, segments: [String]) -> Match {
        switch table.match(method: method, segments: segments) {
        case .found(let index, let parameters):
            .found(handlers[index], parameters: parameters, template: table.template(index))
        case .notFound:
            .notFound
        case .methodNotAllowed(let allowed):
            .methodNotAllowed(allowed: allowed)
        }
    }
}

/// A route's `<parameters>` as the path gave them: ranges of the head's bytes, percent-decoded when read. Read them
/// by position in the pattern (`parameters[0]`) or by name.
public struct RouteParameters: Sendable, ExpressibleByDictionaryLiteral {
    /// The most parameters a route pattern may have.
    public static let capacity = 4

    /// The names, in the pattern's order (the route's own array, shared).
    public let names: [String]
    @usableFromInline let bytes: [UInt8]
    @usableFromInline var ranges = InlineArray<4, ByteRange>(repeating: .empty)
    /// Which values hold a `%` and must be decoded, one bit each.
    @usableFromInline var escaped: UInt8 = 0

    init(names: [String], bytes: [UInt8], ranges: InlineArray<4, ByteRange>, escaped: UInt8) {
        self.names = names
        self.bytes = bytes
        self.ranges = ranges
        self.escaped = escaped
    }

    /// Parameters given as strings (tests, tools).
    public init(dictionaryLiteral elements: (String, String)...) {
        precondition(elements.count <= Self.capacity, "at most \(Self.capacity) route parameters")
        names = elements.map(\.0)
        var bytes: [UInt8] = []
        var ranges = InlineArray<4, ByteRange>(repeating: .empty)
        for (index, element) in elements.enumerated() {
            let start = bytes.count
            bytes.append(contentsOf: element.1.utf8)
            ranges[index] = ByteRange(start, bytes.count)
        }
        self.bytes = bytes
        self.ranges = ranges
    }

    public var count: Int { names.count }

    /// The value of the `index`th parameter of the pattern, percent-decoded (a value without escapes is a view of the
    /// head's bytes; one with escapes is decoded into an array of its own).
    @inlinable
    public subscript(index: Int) -> ByteSpan {
        precondition(index >= 0 && index < names.count, "no route parameter \(index)")
        let raw = ByteSpan(base: bytes, ranges[index].range)
        guard escaped & (1 << UInt8(index)) != 0 else { return raw }
        return Self.decoded(raw)
    }

    /// `body` called with the `index`th parameter's value, percent-decoded: borrowed from the head's bytes when it
    /// holds no escape (no span made, nothing retained), else decoded into an array of its own.
    @inlinable
    public func withValue<Result>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        precondition(index >= 0 && index < names.count, "no route parameter \(index)")
        let range = ranges[index].range
        guard escaped & (1 << UInt8(index)) != 0 else {
            return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
        }
        return Self.decoded(ByteSpan(base: bytes, range)).withUnsafeBufferPointer(body)
    }

    /// The value of the parameter `name` (the last one, should the pattern name two alike); nil for none.
    @inlinable
    public func value(named name: String) -> ByteSpan? {
        guard let index = names.lastIndex(of: name) else { return nil }
        return self[index]
    }

    /// The value of the parameter `name` as text, invalid UTF-8 repaired; nil for none.
    public subscript(name: String) -> String? {
        value(named: name)?.string
    }

    @usableFromInline
    static func decoded(_ raw: ByteSpan) -> ByteSpan {
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            if raw[index] == UInt8(ascii: "%"), index + 2 < raw.count,
                let high = PercentDecoding.hexValue(raw[index + 1]), let low = PercentDecoding.hexValue(raw[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(raw[index])
                index += 1
            }
        }
        return ByteSpan(output)
    }
}

/// The routes without their handlers: not generic, so matching is compiled concretely here whoever the handler is.
@usableFromInline
struct RouteTable: Sendable {
    @usableFromInline
    enum Match {
        case found(index: Int, parameters: RouteParameters)
        case notFound
        case methodNotAllowed([String])
    }

    @usableFromInline
    enum StringMatch {
        case found(index: Int, parameters: [String: String])
        case notFound
        case methodNotAllowed([String])
    }

    /// One segment of a pattern: a literal, as `literals[start..<start + count]`, or a parameter.
    private enum Segment: Sendable {
        case literal(start: Int32, count: Int32)
        case parameter(index: Int)
    }

    /// What matching reads of a route, without a reference to count: where its segments are in `segments`.
    private struct Entry: Sendable {
        let segmentCount: Int
        let firstSegment: Int
        let httpMethod: HTTPMethod
    }

    /// The rest of a route, read once it matched.
    private struct Route: Sendable {
        let method: String
        let methodBytes: [UInt8]
        let template: String
        let parameterNames: [String]
    }

    private var entries: [Entry] = []
    private var routes: [Route] = []
    /// Every route's segments, one after another.
    private var segments: [Segment] = []
    /// Every literal segment's bytes, one after another.
    private var literals: [UInt8] = []

    @usableFromInline init() {}

    @usableFromInline
    mutating func add(_ method: String, _ template: String) {
        var names: [String] = []
        let firstSegment = segments.count
        for part in template.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            if part.hasPrefix("<") && part.hasSuffix(">") {
                segments.append(.parameter(index: names.count))
                names.append(String(part.dropFirst().dropLast()))
            } else {
                let start = literals.count
                literals.append(contentsOf: part.utf8)
                segments.append(.literal(start: Int32(start), count: Int32(literals.count - start)))
            }
        }
        precondition(names.count <= RouteParameters.capacity, "a route has at most 4 parameters: \(template)")
        precondition(segments.count - firstSegment <= Path.capacity, "a route has at most 16 segments: \(template)")
        let methodBytes = Array(method.utf8)
        let httpMethod = methodBytes.withUnsafeBufferPointer { HTTPMethod.identify($0, 0, $0.count) }
        entries.append(
            Entry(segmentCount: segments.count - firstSegment, firstSegment: firstSegment, httpMethod: httpMethod)
        )
        routes.append(Route(method: method, methodBytes: methodBytes, template: template, parameterNames: names))
    }

    @usableFromInline
    func template(_ index: Int) -> String { routes[index].template }

    // MARK: - Heads

    /// The segments of a head's path: `/a/b` has the segments `a` and `b`, one per slash, each after its slash.
    private struct Path {
        /// The most segments a route has; a path with more matches none.
        static let capacity = 16

        /// Where the first segment starts (after the first slash).
        let firstSegment: Int
        /// How many segments there are (up to `capacity` counted, one more meaning more).
        let count: Int
        /// Where each segment ends: at the next slash or the path's end.
        var ends = InlineArray<16, Int32>(repeating: 0)

        init(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
            let firstSlash = HTTPSyntax.firstByte(UInt8(ascii: "/"), bytes, from: start, to: end)
            firstSegment = firstSlash + 1
            var count = 0
            var slash = firstSlash
            while slash < end, count <= Self.capacity {
                let next = HTTPSyntax.firstByte(UInt8(ascii: "/"), bytes, from: slash + 1, to: end)
                if count < Self.capacity { ends[count] = Int32(next) }
                count += 1
                slash = next
            }
            self.count = count
        }

        /// Where segment `index` starts.
        func start(_ index: Int) -> Int { index == 0 ? firstSegment : Int(ends[index - 1]) + 1 }
    }

    @usableFromInline
    func match(_ head: RequestHead) -> Match {
        // The path's range read off the head: a span of it would retain the bytes.
        let pathStart = Int(head.targetStart)
        let pathEnd = Int(head.pathEnd)
        let found = head.bytes.withUnsafeBufferPointer { bytes -> (index: Int, Path)? in
            let path = Path(bytes, pathStart, pathEnd)
            let segmentCount = path.count
            guard segmentCount <= Path.capacity else { return nil }
            return entries.withUnsafeBufferPointer { entries in
                segments.withUnsafeBufferPointer { segments in
                    literals.withUnsafeBufferPointer { literals in
                        var headFallback: Int?
                        for routeIndex in 0..<entries.count where entries[routeIndex].segmentCount == segmentCount {
                            let entry = entries[routeIndex]
                            guard Self.pathMatches(entry, segments, literals, path, bytes, escaped: head.pathHasEscapes)
                            else {
                                continue
                            }
                            if isMethod(routeIndex, entry, of: head, bytes) { return (routeIndex, path) }
                            if head.httpMethod == .head, entry.httpMethod == .get, headFallback == nil {
                                headFallback = routeIndex
                            }
                        }
                        return headFallback.map { ($0, path) }
                    }
                }
            }
        }
        guard let (routeIndex, path) = found else { return refusal(head) }
        return .found(index: routeIndex, parameters: bind(routeIndex, head, path))
    }

    /// No route for `head`'s method: the methods its path allows, gathered only now.
    private func refusal(_ head: RequestHead) -> Match {
        let path = head.pathBytes
        let pathStart = path.offset
        let pathEnd = path.offset + path.count
        var allowed: [String] = []
        head.bytes.withUnsafeBufferPointer { bytes in
            let path = Path(bytes, pathStart, pathEnd)
            guard path.count <= Path.capacity else { return }
            segments.withUnsafeBufferPointer { segments in
                literals.withUnsafeBufferPointer { literals in
                    for (routeIndex, entry) in entries.enumerated() where entry.segmentCount == path.count {
                        if Self.pathMatches(entry, segments, literals, path, bytes, escaped: head.pathHasEscapes) {
                            allowed.append(routes[routeIndex].method)
                        }
                    }
                }
            }
        }
        return Self.refusal(allowed)
    }

    private func isMethod(
        _ index: Int,
        _ entry: Entry,
        of head: RequestHead,
        _ bytes: UnsafeBufferPointer<UInt8>
    )
        -> Bool
    {
        guard entry.httpMethod == head.httpMethod else { return false }
        guard entry.httpMethod == .other else { return true }
        return routes[index].methodBytes.elementsEqual(UnsafeBufferPointer(rebasing: bytes[0..<Int(head.methodEnd)]))
    }

    /// Whether each segment of the path fits the route's.
    private static func pathMatches(
        _ entry: Entry,
        _ segments: UnsafeBufferPointer<Segment>,
        _ literals: UnsafeBufferPointer<UInt8>,
        _ path: Path,
        _ bytes: UnsafeBufferPointer<UInt8>,
        escaped: Bool
    ) -> Bool {
        for index in 0..<entry.segmentCount {
            let segmentStart = path.start(index)
            let segmentEnd = Int(path.ends[index])
            switch segments[entry.firstSegment + index] {
            case .literal(let start, let count):
                let literal = UnsafeBufferPointer(rebasing: literals[Int(start)..<Int(start + count)])
                if escaped {
                    guard decodedEquals(bytes, segmentStart, segmentEnd, literal) else { return false }
                } else {
                    // No escape in the path: the segment's bytes are its decoded bytes.
                    guard segmentEnd - segmentStart == literal.count,
                        literal.isEmpty
                            || memcmp(bytes.baseAddress! + segmentStart, literal.baseAddress!, literal.count) == 0
                    else { return false }
                }
            case .parameter:
                guard segmentEnd > segmentStart else { return false }  // An empty segment binds no parameter.
            }
        }
        return true
    }

    private func bind(_ routeIndex: Int, _ head: RequestHead, _ path: Path) -> RouteParameters {
        let names = routes[routeIndex].parameterNames
        // The ranges first, the parameters made once at the end: no copy of them (or of the head) on the way.
        var ranges = InlineArray<4, ByteRange>(repeating: .empty)
        var escaped: UInt8 = 0
        if !names.isEmpty {
            let entry = entries[routeIndex]
            head.withBytes { bytes in
                for index in 0..<entry.segmentCount {
                    guard case .parameter(let parameter) = segments[entry.firstSegment + index] else { continue }
                    let segmentStart = path.start(index)
                    let segmentEnd = Int(path.ends[index])
                    ranges[parameter] = ByteRange(segmentStart, segmentEnd)
                    if head.pathHasEscapes,
                        HTTPSyntax.firstByte(UInt8(ascii: "%"), bytes, from: segmentStart, to: segmentEnd) < segmentEnd
                    {
                        escaped |= 1 << UInt8(parameter)
                    }
                }
            }
        }
        return RouteParameters(names: names, bytes: head.bytes, ranges: ranges, escaped: escaped)
    }

    /// Whether `bytes[start..<end]`, percent-decoded, is `literal`; false for a broken escape.
    private static func decodedEquals(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        _ literal: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        var index = start
        var matched = 0
        while index < end {
            var byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < end, let high = PercentDecoding.hexValue(bytes[index + 1]),
                    let low = PercentDecoding.hexValue(bytes[index + 2])
                else { return false }
                byte = high << 4 | low
                index += 3
            } else {
                index += 1
            }
            guard matched < literal.count, literal[matched] == byte else { return false }
            matched += 1
        }
        return matched == literal.count
    }

    private static func refusal(_ allowed: [String]) -> Match {
        var allowed = allowed
        if allowed.isEmpty { return .notFound }
        if allowed.contains("GET"), !allowed.contains("HEAD") { allowed.append("HEAD") }
        return .methodNotAllowed(allowed)
    }

    // MARK: - Strings

    @usableFromInline
    func match(method: String, segments: [String]) -> StringMatch {
        var allowed: [String] = []
        var headFallback: (Int, [String: String])?
        for (routeIndex, route) in routes.enumerated() {
            guard let parameters = bind(routeIndex, to: segments) else { continue }
            if route.method == method {
                return .found(index: routeIndex, parameters: parameters)
            }
            if method == "HEAD", route.method == "GET", headFallback == nil {
                headFallback = (routeIndex, parameters)
            }
            allowed.append(route.method)
        }
        if let (routeIndex, parameters) = headFallback {
            return .found(index: routeIndex, parameters: parameters)
        }
        switch Self.refusal(allowed) {
        case .methodNotAllowed(let allowed): return .methodNotAllowed(allowed)
        default: return .notFound
        }
    }

    private func bind(_ routeIndex: Int, to strings: [String]) -> [String: String]? {
        let entry = entries[routeIndex]
        guard entry.segmentCount == strings.count else { return nil }
        var parameters: [String: String] = [:]
        for (index, segment) in strings.enumerated() {
            switch segments[entry.firstSegment + index] {
            case .literal(let start, let count):
                guard segment.utf8.elementsEqual(literals[Int(start)..<Int(start + count)]) else { return nil }
            case .parameter(let parameter):
                guard !segment.isEmpty else { return nil }
                parameters[routes[routeIndex].parameterNames[parameter]] = segment
            }
        }
        return parameters
    }
}
