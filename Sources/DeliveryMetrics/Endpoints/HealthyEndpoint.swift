import Loop

/// `GET /-/healthy`: the process answers; as the Pushgateway's.
struct HealthyEndpoint: Endpoint {
    func handle(_ request: Request, _ context: Void) -> Answer {
        .now(.text(200, "OK\n"))
    }
}
