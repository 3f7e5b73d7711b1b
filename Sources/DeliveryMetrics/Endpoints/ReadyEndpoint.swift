import Loop

/// `GET /-/ready`: 503 once shutdown began or persistence failed, so an orchestrator stops sending traffic.
struct ReadyEndpoint: Endpoint {
    let state: ServiceState

    func handle(_ request: Request, _ context: Void) -> Answer {
        if state.persistenceHasFailed { return .now(.text(503, "persistence failed\n")) }
        return .now(state.isReady ? .text(200, "OK\n") : .text(503, "shutting down\n"))
    }
}
