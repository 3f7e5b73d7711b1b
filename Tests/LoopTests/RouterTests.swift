import Testing

@testable import Loop

@Suite("Router")
struct RouterTests {
    private var router: Router<String> {
        var router = Router<String>()
        router.add("GET", "/metrics", "metrics")
        router.add("POST", "/api/<metric>/<operation>", "push")
        router.add("DELETE", "/api/<metric>", "reset")
        router.add("GET", "/api/<metric>", "describe")
        return router
    }

    @Test func bindsNamedSegments() {
        guard
            case .found(let handler, let parameters, let template) =
                router.match(method: "POST", segments: ["api", "x", "inc"])
        else {
            Issue.record("no match")
            return
        }
        #expect(handler == "push")
        #expect(parameters == ["metric": "x", "operation": "inc"])
        #expect(template == "/api/<metric>/<operation>")
    }

    @Test func answersHeadWithTheGetRoute() {
        guard case .found(let handler, _, _) = router.match(method: "HEAD", segments: ["metrics"]) else {
            Issue.record("no match")
            return
        }
        #expect(handler == "metrics")
    }

    @Test func listsTheAllowedMethods() {
        guard case .methodNotAllowed(let allowed) = router.match(method: "PUT", segments: ["api", "x"]) else {
            Issue.record("expected 405")
            return
        }
        #expect(Set(allowed) == ["DELETE", "GET", "HEAD"])
    }

    @Test func findsNothingForUnknownPathsAndEmptyParameters() {
        if case .notFound = router.match(method: "GET", segments: ["nope"]) {} else { Issue.record("expected 404") }
        if case .notFound = router.match(method: "POST", segments: ["api", "", "inc"]) {
        } else {
            Issue.record("an empty segment must not bind a parameter")
        }
    }
}
