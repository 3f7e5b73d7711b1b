import Logging
import Loop

/// Turns a refused `/api` request into its response, a warning and a count, in one place.
struct APIRefusals {
    let logger: Logger
    let instrumentation: Instrumentation

    func refuse(_ error: MetricError, _ head: RequestHead) -> Response {
        logger.warning(
            "api request refused",
            metadata: [
                "method": "\(EchoedInput.text(head.method))", "uri": "\(LogRedaction.target(head.target))",
                "status": "\(error.status)", "reason": "\(error.reason.label)",
                "error": "\(EchoedInput.reason(error.message))",
            ]
        )
        instrumentation.countAPIError(error.reason, now: WallClock.now())
        return error.response
    }
}
