import Loop

/// The one layer between `HTTPServer` and the endpoints, as hummingbird's middleware sits before its routes: it
/// hands each head and request to `Endpoints`, holds an answer back until its writes are on disk when the endpoint
/// says so, and counts and logs every response. Endpoints hold only their own logic.
final class RequestLayer: HTTPHandler {
    typealias Screened = ScreenedRequest

    let endpoints: Endpoints
    private let state: ServiceState
    private let instrumentation: Instrumentation
    /// Nil with `--no-access-log`: then the server does not even look up the fields a line would need.
    private let accessLog: AccessLog?

    init(endpoints: Endpoints, state: ServiceState, instrumentation: Instrumentation, accessLog: AccessLog?) {
        self.endpoints = endpoints
        self.state = state
        self.instrumentation = instrumentation
        self.accessLog = accessLog
    }

    func screen(_ head: RequestHead, responder: Responder) -> Screening<ScreenedRequest> {
        endpoints.screen(head, responder: responder)
    }

    func handle(_ request: Request, screened: ScreenedRequest, responder: Responder) {
        #if DEBUG
            let appendedBefore = state.persistence?.writer.appendedRecords
        #endif
        switch endpoints.handle(request, screened) {
        case .now(let response):
            #if DEBUG
                // An endpoint that journals a write must say `.afterCommit`, or its answer could outrun the disk.
                assert(state.persistence?.writer.appendedRecords == appendedBefore, "a write answered as .now")
            #endif
            responder.respond(response)
        case .afterCommit(let response):
            guard let persistence = state.persistence else { return responder.respond(response) }
            // The write is in memory; its answer waits until the journal batch holding it is synced.
            persistence.whenDurable { durable in
                responder.respond(
                    durable
                        ? response
                        : .error(HTTPError(503, "the write could not be put on disk; the service is restarting"))
                )
            }
        }
    }

    var wantsAccessLog: Bool { accessLog != nil }

    func didRespond(route: String?, method: HTTPMethod, status: Int) {
        instrumentation.countRequest(route: route, method: method, status: status)
    }

    func log(_ entry: AccessLogEntry) {
        accessLog?.write(entry, time: WallClock.now())
    }
}
