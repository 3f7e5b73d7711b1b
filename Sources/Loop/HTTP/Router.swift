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

    init(names: [String], bytes: [UInt8]) {
        self.names = names
        self.bytes = bytes
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

    private enum Segment: Sendable {
        case literal([UInt8])
        case parameter(index: Int)
    }

    private struct Route: Sendable {
        let method: String
        let httpMethod: HTTPMethod
        let methodBytes: [UInt8]
        let template: String
        let segments: [Segment]
        let parameterNames: [String]
    }

    private var routes: [Route] = []

    @usableFromInline init() {}

    @usableFromInline
    mutating func add(_ method: String, _ template: String) {
        var names: [String] = []
        var segments: [Segment] = []
        for part in template.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            if part.hasPrefix("<") && part.hasSuffix(">") {
                segments.append(.parameter(index: names.count))
                names.append(String(part.dropFirst().dropLast()))
            } else {
                segments.append(.literal(Array(part.utf8)))
            }
        }
        precondition(names.count <= RouteParameters.capacity, "a route has at most 4 parameters: \(template)")
        let methodBytes = Array(method.utf8)
        let httpMethod = methodBytes.withUnsafeBufferPointer { HTTPMethod.identify($0, 0, $0.count) }
        routes.append(
            Route(
                method: method,
                httpMethod: httpMethod,
                methodBytes: methodBytes,
                template: template,
                segments: segments,
                parameterNames: names
            )
        )
    }

    @usableFromInline
    func template(_ index: Int) -> String { routes[index].template }

    // MARK: - Heads

    @usableFromInline
    func match(_ head: RequestHead) -> Match {
        let path = head.pathBytes
        let bytes = head.bytes
        let pathStart = path.offset
        let pathEnd = path.offset + path.count
        return bytes.withUnsafeBufferPointer { bytes in
            // `/a/b` has the segments `a` and `b`: one per slash, each after its slash.
            var segmentCount = 0
            var index = HTTPSyntax.firstByte(UInt8(ascii: "/"), bytes, from: pathStart, to: pathEnd)
            while index < pathEnd {
                segmentCount += 1
                index = HTTPSyntax.firstByte(UInt8(ascii: "/"), bytes, from: index + 1, to: pathEnd)
            }
            var headFallback: Int?
            for (routeIndex, route) in routes.enumerated() where route.segments.count == segmentCount {
                guard Self.pathMatches(route, bytes, pathStart, pathEnd) else { continue }
                if isMethod(route, of: head, bytes) {
                    return .found(index: routeIndex, parameters: bind(route, head, bytes, pathStart, pathEnd))
                }
                if head.httpMethod == .head, route.httpMethod == .get, headFallback == nil {
                    headFallback = routeIndex
                }
            }
            if let routeIndex = headFallback {
                return .found(index: routeIndex, parameters: bind(routes[routeIndex], head, bytes, pathStart, pathEnd))
            }
            // Refused: the allowed methods are gathered only now.
            var allowed: [String] = []
            for route in routes where route.segments.count == segmentCount {
                if Self.pathMatches(route, bytes, pathStart, pathEnd) { allowed.append(route.method) }
            }
            return Self.refusal(allowed)
        }
    }

    private func isMethod(_ route: Route, of head: RequestHead, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard route.httpMethod == head.httpMethod else { return false }
        guard route.httpMethod == .other else { return true }
        return route.methodBytes.elementsEqual(UnsafeBufferPointer(rebasing: bytes[0..<Int(head.methodEnd)]))
    }

    /// Whether each segment of `bytes[start..<end]` (after the part before its first slash) fits the route's.
    private static func pathMatches(
        _ route: Route,
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int
    )
        -> Bool
    {
        var segmentStart = HTTPSyntax.firstByte(UInt8(ascii: "/"), bytes, from: start, to: end) + 1
        for segment in route.segments {
            let segmentEnd = HTTPSyntax.firstByte(UInt8(ascii: "/"), bytes, from: segmentStart, to: end)
            switch segment {
            case .literal(let literal):
                guard decodedEquals(bytes, segmentStart, segmentEnd, literal) else { return false }
            case .parameter:
                guard segmentEnd > segmentStart else { return false }  // An empty segment binds no parameter.
            }
            segmentStart = segmentEnd + 1
        }
        return true
    }

    private func bind(
        _ route: Route,
        _ head: RequestHead,
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int
    ) -> RouteParameters {
        var parameters = RouteParameters(names: route.parameterNames, bytes: head.bytes)
        guard !route.parameterNames.isEmpty else { return parameters }
        var segmentStart = HTTPSyntax.firstByte(UInt8(ascii: "/"), bytes, from: start, to: end) + 1
        for segment in route.segments {
            let segmentEnd = HTTPSyntax.firstByte(UInt8(ascii: "/"), bytes, from: segmentStart, to: end)
            if case .parameter(let index) = segment {
                parameters.ranges[index] = ByteRange(segmentStart, segmentEnd)
                if HTTPSyntax.firstByte(UInt8(ascii: "%"), bytes, from: segmentStart, to: segmentEnd) < segmentEnd {
                    parameters.escaped |= 1 << UInt8(index)
                }
            }
            segmentStart = segmentEnd + 1
        }
        return parameters
    }

    /// Whether `bytes[start..<end]`, percent-decoded, is `literal`; false for a broken escape.
    private static func decodedEquals(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ start: Int,
        _ end: Int,
        _ literal: [UInt8]
    )
        -> Bool
    {
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
            guard let parameters = Self.bind(route, to: segments) else { continue }
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

    private static func bind(_ route: Route, to segments: [String]) -> [String: String]? {
        guard route.segments.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (part, segment) in zip(route.segments, segments) {
            switch part {
            case .literal(let literal):
                guard segment.utf8.elementsEqual(literal) else { return nil }
            case .parameter(let index):
                guard !segment.isEmpty else { return nil }
                parameters[route.parameterNames[index]] = segment
            }
        }
        return parameters
    }
}
