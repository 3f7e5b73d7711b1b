import Loop

/// `PUT /api/v1/admin/wipe`: every pushed group deleted, with the token; routed only with `--enable-admin-api`, so
/// it is 404 otherwise, as on the Pushgateway. Answered 202, as the Pushgateway does, once the wipe is on disk.
struct AdminWipeEndpoint: Endpoint {
    static let route = "/api/v1/admin/wipe"

    let gate: APIGate
    let store: PushStore

    func screen(_ head: RequestHead, parameters: RouteParameters) -> Screening<Void> {
        guard PushAuthorization.isAuthorized(head, token: gate.authToken) else {
            var response = gate.refusals.refuse(MetricError(.unauthorized, "missing or wrong token"), head)
            response.headers.add("WWW-Authenticate", PushAuthorization.challenge)
            return .refuse(response)
        }
        do throws(MetricError) {
            try gate.requireRoomForWrites()
            return .accept(())
        } catch {
            return .refuse(gate.refusals.refuse(error, head))
        }
    }

    func handle(_ request: Request, _ context: Void) -> Answer {
        store.wipe(now: WallClock.now())
        return .afterCommit(Response(status: 202))
    }
}
