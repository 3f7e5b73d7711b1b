import Loop

/// `GET /`: the status page, served from its cache; nothing from the request enters it.
struct StatusPageEndpoint: Endpoint {
    let cache: StatusPageCache
    let registry: Registry
    var pushes: PushStore?

    func handle(_ request: Request, _ context: Void) -> Answer {
        .now(cache.response(registry, pushes: pushes))
    }
}
