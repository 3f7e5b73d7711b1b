import Logging
import Loop

/// Turns GitLab job events into deployment-pipeline metrics.
///
/// Answers: 401 for a missing or wrong token (checked on the head, before the body is read); 400 for a body that is
/// not JSON or not a job event; 200 for everything else, including events it ignores, repeats and writes the
/// registry refused (GitLab disables hooks that keep failing, so nothing merely uninteresting may fail).
final class JobWebhookReceiver {
    enum Outcome: String, CaseIterable {
        case counted
        case ignored
        case duplicate
        case dropped
        case rejected
    }

    /// The sources whose token variable was set at boot, by route.
    let enabledSources: [String: (source: WebhookSource, token: String)]
    private let registry: Registry
    private let logger: Logger
    private let retries: MetricFamily
    private let lostSeconds: MetricFamily
    private let jobDurations: MetricFamily
    private let events: MetricFamily
    private let dropped: MetricFamily
    /// Deliveries already handled, per source: GitLab's retried deliveries and "Resend request" repeat events.
    let deduplication = WebhookDeduplication()
    /// When a job failed, by the bytes of (project, pipeline, job name), until its retry is created: the job name
    /// becomes a label value, so a canonically equivalent spelling is another job (`SeriesKey`).
    private var failures = BoundedMemory<SeriesKey, Double>(capacity: 10_000, maxAge: 3 * 86_400)

    init(tokens: [String: String], registry: Registry, logger: Logger) {
        var enabled: [String: (WebhookSource, String)] = [:]
        for source in WebhookSources.all {
            if let token = tokens[source.tokenVariable], !token.isEmpty {
                enabled[source.route] = (source, token)
            }
        }
        enabledSources = enabled
        self.registry = registry
        self.logger = logger
        retries = registry.family(.webhookJobRetries)
        lostSeconds = registry.family(.webhookJobFailureLostSeconds)
        jobDurations = registry.family(.webhookJobDurations)
        events = registry.family(.webhookEvents)
        dropped = registry.family(.webhookDroppedEvents)
    }

    /// The token check, made on the head: nil when the request may go on.
    func screen(_ head: RequestHead, route: String, now: Double) -> HTTPError? {
        guard let (source, token) = enabledSources[route] else { return HTTPError(404, "no such webhook source") }
        guard TokenCheck.matches(.xGitlabToken, of: head, expected: token) else {
            count(.rejected, source, now: now)
            logger.warning("webhook refused", metadata: ["source": "\(source.projectPath)", "reason": "token"])
            return HTTPError(401, "Missing or wrong X-Gitlab-Token")
        }
        return nil
    }

    /// The disk has no room for the journal: the event is dropped and counted, and GitLab hears 200 so it keeps the
    /// hook enabled.
    func dropForFullDisk(route: String, now: Double) -> Response {
        guard let (source, _) = enabledSources[route] else { return .error(HTTPError(404, "no such webhook source")) }
        count(.dropped, source, now: now)
        countDrop(.diskFull, now: now)
        logger.warning(
            "webhook event dropped",
            metadata: ["source": "\(source.projectPath)", "reason": "\(WebhookDropReason.diskFull.rawValue)"]
        )
        return .text(200, "dropped: the disk has no room for the journal\n")
    }

    func handle(_ request: Request, route: String, now: Double) -> Response {
        guard let (source, _) = enabledSources[route] else { return .error(HTTPError(404, "no such webhook source")) }
        let event: JobEvent
        do {
            event = try JobEvent(json: request.body)
        } catch {
            count(.rejected, source, now: now)
            logger.warning(
                "webhook refused",
                metadata: [
                    "source": "\(source.projectPath)", "reason": "body",
                    "error": "\(EchoedInput.reason(error.message))",
                ]
            )
            return .error(HTTPError(400, error.message))
        }
        let keys = WebhookDeduplication.keys(
            buildID: event.buildID,
            status: event.status,
            idempotencyKey: request.headers["Idempotency-Key"]
        )
        if deduplication.isDuplicate(keys, source: source.id, now: now) {
            count(.duplicate, source, now: now)
            return .text(200, "duplicate\n")
        }
        return deduplication.remember(keys, source: source.id, now: now) { handleNew(event, from: source, now: now) }
    }

    /// A delivery not seen before: its writes, and its outcome's count.
    private func handleNew(_ event: JobEvent, from source: WebhookSource, now: Double) -> Response {
        guard source.rule.matches(event) else {
            count(.ignored, source, now: now)
            return .text(200, "ignored: not a deployment pipeline job\n")
        }
        do {
            try record(event, from: source, now: now)
        } catch {
            count(.dropped, source, now: now)
            if let reason = WebhookDropReason(error.reason) { countDrop(reason, now: now) }
            logger.warning(
                "webhook event dropped",
                metadata: [
                    "source": "\(source.projectPath)", "build_id": "\(event.buildID)", "reason": "\(error.reason)",
                    "error": "\(EchoedInput.reason(error.message))",
                ]
            )
            return .text(200, "dropped: \(EchoedInput.reason(error.message))\n")
        }
        count(.counted, source, now: now)
        return .text(200, "counted\n")
    }

    private func countDrop(_ reason: WebhookDropReason, now: Double) {
        _ = try? dropped.apply(.inc, labelValues: [reason.rawValue], now: now)
    }

    /// What one deployment-pipeline event changes.
    private func record(_ event: JobEvent, from source: WebhookSource, now: Double) throws(MetricError) {
        let failureKey = SeriesKey([source.projectPath, String(event.pipelineID ?? 0), event.name])
        switch event.status {
        case "created" where event.retriesCount > 0:
            // Exactly one `created` event per retry.
            try retries.apply(.inc, labelValues: [source.projectPath, event.name], now: now)
            if let failedAt = failures.forget(failureKey) {
                let lost = max(0, (event.createdAt ?? now) - failedAt)
                try lostSeconds.apply(.add, labelValues: [event.name], value: lost, now: now)
            }
        case "failed":
            // A longer name could never be the lost-seconds label, so it is not worth a slot (nor its bytes).
            if event.name.utf8.count <= Label.maxValueLength {
                failures.remember(event.finishedAt ?? now, for: failureKey, now: now)
            }
            try observeDuration(event, from: source, now: now)
        case "success", "canceled":
            try observeDuration(event, from: source, now: now)
        default:
            break
        }
    }

    private func observeDuration(_ event: JobEvent, from source: WebhookSource, now: Double) throws(MetricError) {
        guard let duration = event.duration ?? event.finishedAt.flatMap({ end in event.startedAt.map { end - $0 } }),
            duration >= 0
        else { return }
        try jobDurations.apply(.observe, labelValues: [source.projectPath, event.status], value: duration, now: now)
    }

    private func count(_ outcome: Outcome, _ source: WebhookSource, now: Double) {
        _ = try? events.apply(.inc, labelValues: [source.projectPath, outcome.rawValue], now: now)
    }
}
