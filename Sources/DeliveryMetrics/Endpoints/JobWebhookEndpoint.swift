import Loop

/// `POST /webhooks/job/...`: one endpoint per enabled GitLab source; the receiver turns job events into metrics.
struct JobWebhookEndpoint: Endpoint {
    let receiver: JobWebhookReceiver
    let state: ServiceState
    /// The source's route, as registered: it names the token to expect and the source to count under.
    let route: String

    func screen(_ head: RequestHead, parameters: RouteParameters) -> Screening<Void> {
        if let refusal = receiver.screen(head, route: route, now: WallClock.now()) { return .refuse(.error(refusal)) }
        return .accept(())
    }

    /// Every delivery that gets this far is counted in a persisted family (its outcome, its de-duplication
    /// entry), so the answer always waits for the journal.
    func handle(_ request: Request, _ context: Void) -> Answer {
        // A full disk drops the event (GitLab would disable a hook that keeps failing), counted.
        guard state.hasRoomForWrites else {
            return .afterCommit(receiver.dropForFullDisk(route: route, now: WallClock.now()))
        }
        return .afterCommit(receiver.handle(request, route: route, now: WallClock.now()))
    }
}
