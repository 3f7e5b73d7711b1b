/// Routes by method and path pattern. Patterns are literal segments and named `<parameters>`, e.g.
/// `/api/<metric>/<operation>`; the pattern text doubles as the route's label in metrics and logs, so raw paths never
/// reach a label.
public struct Router<Handler> {
    public enum Match {
        case found(Handler, parameters: [String: String], template: String)
        case notFound
        case methodNotAllowed(allowed: [String])
    }

    private enum Segment: Equatable {
        case literal(String)
        case parameter(String)
    }

    private struct Route {
        let method: String
        let template: String
        let segments: [Segment]
        let handler: Handler
    }

    private var routes: [Route] = []

    public init() {}

    /// Adds a route. A `GET` route also answers `HEAD` unless a `HEAD` route for the same pattern exists.
    public mutating func add(_ method: String, _ template: String, _ handler: Handler) {
        let segments = template.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { part in
            part.hasPrefix("<") && part.hasSuffix(">")
                ? Segment.parameter(String(part.dropFirst().dropLast())) : Segment.literal(String(part))
        }
        routes.append(Route(method: method, template: template, segments: segments, handler: handler))
    }

    public func match(method: String, segments: [String]) -> Match {
        var allowed: [String] = []
        var headFallback: (Route, [String: String])?
        for route in routes {
            guard let parameters = Self.bind(route.segments, to: segments) else { continue }
            if route.method == method {
                return .found(route.handler, parameters: parameters, template: route.template)
            }
            if method == "HEAD", route.method == "GET", headFallback == nil {
                headFallback = (route, parameters)
            }
            allowed.append(route.method)
        }
        if let (route, parameters) = headFallback {
            return .found(route.handler, parameters: parameters, template: route.template)
        }
        if allowed.isEmpty { return .notFound }
        if allowed.contains("GET"), !allowed.contains("HEAD") { allowed.append("HEAD") }
        return .methodNotAllowed(allowed: allowed)
    }

    private static func bind(_ pattern: [Segment], to segments: [String]) -> [String: String]? {
        guard pattern.count == segments.count else { return nil }
        // Literals first, without allocating: most routes fail here.
        for (part, segment) in zip(pattern, segments) {
            switch part {
            case .literal(let literal): guard literal == segment else { return nil }
            case .parameter: guard !segment.isEmpty else { return nil }
            }
        }
        var parameters: [String: String] = [:]
        for (part, segment) in zip(pattern, segments) {
            if case .parameter(let name) = part { parameters[name] = segment }
        }
        return parameters
    }
}
