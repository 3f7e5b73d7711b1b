import Loop

/// Every route the service answers, and the checks all of them share: one place to find where a path is handled.
///
/// Screening matches the route and asks that endpoint about the head; handling switches on the screened request to
/// the same endpoint, handing it the context it screened. Both are plain `switch`es over concrete types.
struct Endpoints {
    private var router = Router<EndpointRoute>()
    let statusPage: StatusPageEndpoint
    let healthy = HealthyEndpoint()
    let ready: ReadyEndpoint
    let metrics: MetricsEndpoint
    let catalogue: CatalogueEndpoint
    let push: PushEndpoint
    let reset: ResetEndpoint
    let pushgateway: PushgatewayEndpoint
    let pushedGroups: PushedGroupsEndpoint
    let pushgatewayStatus: PushgatewayStatusEndpoint
    private let state: ServiceState

    init(
        statusPage: StatusPageEndpoint,
        ready: ReadyEndpoint,
        metrics: MetricsEndpoint,
        catalogue: CatalogueEndpoint,
        push: PushEndpoint,
        reset: ResetEndpoint,
        pushgateway: PushgatewayEndpoint,
        pushedGroups: PushedGroupsEndpoint,
        pushgatewayStatus: PushgatewayStatusEndpoint,
        adminWipe: AdminWipeEndpoint?,
        webhooks: [JobWebhookEndpoint],
        state: ServiceState
    ) {
        self.pushgateway = pushgateway
        self.pushedGroups = pushedGroups
        self.pushgatewayStatus = pushgatewayStatus
        self.statusPage = statusPage
        self.ready = ready
        self.metrics = metrics
        self.catalogue = catalogue
        self.push = push
        self.reset = reset
        self.state = state
        router.add("GET", "/", .statusPage)
        router.add("GET", "/-/healthy", .healthy)
        router.add("GET", "/-/ready", .ready)
        router.add("GET", "/metrics", .metrics)
        router.add("GET", "/api", .catalogue)
        router.add("POST", PushEndpoint.route, .push)
        router.add("DELETE", ResetEndpoint.route, .reset)
        router.add("GET", "/api/v1/metrics", .pushedGroups)
        router.add("GET", "/api/v1/status", .pushgatewayStatus)
        // Nil without `--enable-admin-api`: the route is not there at all.
        if let adminWipe { router.add("PUT", AdminWipeEndpoint.route, .adminWipe(adminWipe)) }
        // One route per enabled webhook source, so the token to expect is known from the route alone.
        for webhook in webhooks.sorted(by: { $0.route < $1.route }) {
            router.add("POST", webhook.route, .webhook(webhook))
        }
    }

    /// The head's verdict: a refusal, or the endpoint and the context it screened. Sets the responder's route label
    /// and whether a body is read at all.
    func screen(_ head: RequestHead, responder: Responder) -> Screening<ScreenedRequest> {
        if head.isAsteriskTarget {
            // `OPTIONS *` (the parser lets `*` through for OPTIONS only) asks about the server as a whole.
            return .refuse(Response(status: 200, headers: ["Allow": "GET, HEAD, POST, DELETE, OPTIONS"]))
        }
        // Two checks, not a loop over an array of the two, which would cost an array per request.
        if head.fieldCount(.xPrivateToken) > 1 { return Self.repeated(.xPrivateToken) }
        if head.fieldCount(.authorization) > 1 { return Self.repeated(.authorization) }
        // Only pushes and webhooks (POST) take a body; any other route drops one unread.
        responder.discardsBody = head.httpMethod != .post
        guard head.hasValidPathEncoding else {
            return .refuse(.error(HTTPError(400, "malformed percent-encoding in path")))
        }
        if state.persistenceHasFailed, head.httpMethod != .get, head.httpMethod != .head {
            return .refuse(.error(HTTPError(503, "persistence failed; the service is restarting")))
        }
        switch router.match(head) {
        case .found(let route, let parameters, let template):
            responder.route = template
            return screen(head, route: route, parameters: parameters)
        case .notFound where PushgatewayEndpoint.isPushPath(head):
            // Not a pattern: a grouping key has any number of pairs. Only PUT and POST read a body.
            responder.route = PushgatewayEndpoint.template
            responder.discardsBody = head.httpMethod != .post && head.method != "PUT"
            return pushgateway.screen(head, parameters: [:]).map(ScreenedRequest.pushgateway)
        case .notFound:
            return .refuse(
                .error(
                    HTTPError(404, "no route for \(EchoedInput.text(head.method)) \(EchoedInput.text(head.rawPath))")
                )
            )
        case .methodNotAllowed(let allowed):
            var response = Response.error(
                HTTPError(
                    405,
                    "method \(EchoedInput.text(head.method)) not allowed; use \(allowed.joined(separator: ", "))"
                )
            )
            response.headers.add("Allow", allowed.joined(separator: ", "))
            return .refuse(response)
        }
    }

    private static func repeated(_ field: KnownHeader) -> Screening<ScreenedRequest> {
        .refuse(.error(HTTPError(400, "more than one \(field.name) header")))
    }

    private func screen(
        _ head: RequestHead,
        route: EndpointRoute,
        parameters: RouteParameters
    ) -> Screening<ScreenedRequest> {
        switch route {
        case .statusPage: statusPage.screen(head, parameters: parameters).map { .statusPage }
        case .healthy: healthy.screen(head, parameters: parameters).map { .healthy }
        case .ready: ready.screen(head, parameters: parameters).map { .ready }
        case .metrics: metrics.screen(head, parameters: parameters).map { .metrics }
        case .catalogue: catalogue.screen(head, parameters: parameters).map { .catalogue }
        case .push: push.screen(head, parameters: parameters).map(ScreenedRequest.push)
        case .reset: reset.screen(head, parameters: parameters).map(ScreenedRequest.reset)
        case .pushedGroups: pushedGroups.screen(head, parameters: parameters).map { .pushedGroups }
        case .pushgatewayStatus: pushgatewayStatus.screen(head, parameters: parameters).map { .pushgatewayStatus }
        case .adminWipe(let wipe): wipe.screen(head, parameters: parameters).map { .adminWipe(wipe) }
        case .webhook(let webhook): webhook.screen(head, parameters: parameters).map { .webhook(webhook) }
        }
    }

    /// The complete request, to the endpoint that screened its head.
    func handle(_ request: Request, _ screened: ScreenedRequest) -> Answer {
        switch screened {
        case .statusPage: statusPage.handle(request, ())
        case .healthy: healthy.handle(request, ())
        case .ready: ready.handle(request, ())
        case .metrics: metrics.handle(request, ())
        case .catalogue: catalogue.handle(request, ())
        case .push(let context): push.handle(request, context)
        case .reset(let family): reset.handle(request, family)
        case .pushedGroups: pushedGroups.handle(request, ())
        case .pushgatewayStatus: pushgatewayStatus.handle(request, ())
        case .adminWipe(let wipe): wipe.handle(request, ())
        case .webhook(let webhook): webhook.handle(request, ())
        case .pushgateway(let context): pushgateway.handle(request, context)
        }
    }
}
