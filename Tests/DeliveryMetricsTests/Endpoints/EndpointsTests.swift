import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// The route table and the checks every route shares, without a socket.
@Suite("Endpoints")
struct EndpointsTests {
    private let harness = EndpointHarness()

    private var endpoints: Endpoints {
        let gate = harness.gate
        return Endpoints(
            statusPage: StatusPageEndpoint(cache: StatusPageCache(baseURL: nil), registry: harness.registry),
            ready: ReadyEndpoint(state: harness.state),
            metrics: MetricsEndpoint(
                registry: harness.registry,
                exposition: ExpositionCache(harness.registry),
                instrumentation: harness.instrumentation,
                sink: LogSink(descriptor: -1)
            ),
            catalogue: CatalogueEndpoint(gate: gate),
            push: PushEndpoint(gate: gate),
            reset: ResetEndpoint(gate: gate, logger: harness.logger),
            pushgateway: harness.pushgateway,
            pushedGroups: PushedGroupsEndpoint(store: harness.pushes),
            pushgatewayStatus: PushgatewayStatusEndpoint(configuration: Configuration(), startTime: 0),
            adminWipe: AdminWipeEndpoint(gate: gate, store: harness.pushes),
            webhooks: [],
            state: harness.state
        )
    }

    private func screen(_ head: RequestHead) -> (Screening<ScreenedRequest>, Responder) {
        let responder = Responder(detachedFor: head)
        return (endpoints.screen(head, responder: responder), responder)
    }

    @Test func labelsTheRouteByItsTemplateAndDropsBodiesOfBodilessRoutes() {
        let (push, pushResponder) = screen(harness.head("POST", "/api/auto_deploy_picks_total/inc"))
        guard case .accept(.push(let context)) = push else {
            Issue.record("a push did not reach the push endpoint")
            return
        }
        #expect(context.operation == .inc)
        #expect(pushResponder.route == "/api/<metric>/<operation>")
        #expect(!pushResponder.discardsBody)
        let (metrics, metricsResponder) = screen(harness.head("GET", "/metrics"))
        guard case .accept(.metrics) = metrics else {
            Issue.record("GET /metrics did not reach the metrics endpoint")
            return
        }
        #expect(metricsResponder.discardsBody)
    }

    @Test func headFallsBackToGet() {
        guard case .accept(.statusPage) = screen(harness.head("HEAD", "/")).0 else {
            Issue.record("HEAD / did not reach the status page")
            return
        }
    }

    @Test func answersUnknownRoutesAndMethodsWithoutAnEndpoint() {
        #expect(screen(harness.head("GET", "/nowhere")).0.refusal?.status == 404)
        let wrongMethod = screen(harness.head("PUT", "/metrics")).0.refusal
        #expect(wrongMethod?.status == 405)
        #expect(wrongMethod?.headers["Allow"] == "GET, HEAD")
        #expect(screen(harness.head("OPTIONS", "*")).0.refusal?.headers["Allow"] != nil)
        #expect(screen(harness.head("GET", "/api/%zz")).0.refusal?.status == 400)
    }

    @Test func refusesARepeatedTokenHeader() {
        let head = harness.head("GET", "/api", headers: [("X-Private-Token", EndpointHarness.token)])
        #expect(screen(head).0.refusal?.status == 400)
    }
}
