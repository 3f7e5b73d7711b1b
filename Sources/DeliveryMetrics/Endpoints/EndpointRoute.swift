/// Which endpoint a route template leads to: what the router keeps per route, so matching allocates no closure.
enum EndpointRoute {
    case statusPage
    case healthy
    case ready
    case metrics
    case catalogue
    case push
    case reset
    case pushedGroups
    case pushgatewayStatus
    /// Routed only with `--enable-admin-api`, so the endpoint comes with its route.
    case adminWipe(AdminWipeEndpoint)
    /// One enabled job-webhook source.
    case webhook(JobWebhookEndpoint)
}

/// A screened request: the endpoint it goes to, with the typed context its screening produced.
enum ScreenedRequest {
    case statusPage
    case healthy
    case ready
    case metrics
    case catalogue
    case push(PushEndpoint.Context)
    case reset(ResetEndpoint.Context)
    case pushedGroups
    case pushgatewayStatus
    case adminWipe(AdminWipeEndpoint)
    case webhook(JobWebhookEndpoint)
    case pushgateway(PushgatewayEndpoint.Context)
}
