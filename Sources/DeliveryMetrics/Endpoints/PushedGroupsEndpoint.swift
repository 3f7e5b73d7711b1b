import Loop

/// `GET /api/v1/metrics`: the pushed groups as the Pushgateway's API lists them. Open, like `/metrics`.
struct PushedGroupsEndpoint: Endpoint {
    let store: PushStore

    func handle(_ request: Request, _ context: Void) -> Answer {
        .now(
            Response(
                status: 200,
                headers: ["Content-Type": "application/json"],
                body: Array(PushedGroupsJSON.render(store).utf8)
            )
        )
    }
}
