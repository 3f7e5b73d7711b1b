import Logging
import Loop

extension Application {
    /// The checks a push passes before its body is read: token, metric, operation. A refusal here never reads the
    /// body and never sends `100 Continue`.
    func screenAPI(_ head: RequestHead, parameters: [String: String]) -> MetricError? {
        guard TokenCheck.matches(head.headers["X-Private-Token"], expected: configuration.authToken) else {
            return MetricError(.unauthorized, "Missing or wrong X-Private-Token")
        }
        guard let name = parameters["metric"] else { return nil }  // GET /api
        if let persistence, !persistence.hasRoomForWrites {
            return MetricError(
                .diskFull,
                "insufficient storage: the journal cannot reserve disk space; nothing was changed, and writes are "
                    + "accepted again once space is free"
            )
        }
        guard let family = registry.family(named: name),
            family.definition.isInCatalogue
        else {
            return MetricError(
                .unknownMetric,
                "unknown metric \"\(EchoedInput.text(name))\"; GET /api lists them"
            )
        }
        if !family.definition.writer.acceptsPushes {
            return MetricError(
                .unsupportedOperation,
                "\(family.definition.fullName) is written by the service itself; /api cannot change it"
            )
        }
        if let operationName = parameters["operation"] {
            let supported = family.definition.kind.operations
            guard let operation = Operation(rawValue: operationName), supported.contains(operation) else {
                return MetricError(
                    .unsupportedOperation,
                    "\(family.definition.fullName) is a \(family.definition.kind.rawValue); its operations are "
                        + supported.map(\.rawValue).joined(separator: ", ")
                )
            }
        }
        return nil
    }

    /// `POST /api/<metric>/<operation>`.
    func push(_ request: Request, parameters: [String: String]) -> Response {
        // The screen already checked the metric and the operation.
        guard let family = registry.family(named: parameters["metric"] ?? ""),
            let operation = Operation(rawValue: parameters["operation"] ?? "")
        else { return refuse(MetricError(.unknownMetric, "unknown metric"), request.head) }
        do {
            let push = try PushRequest(request, operation: operation, labelCount: family.definition.labels.count)
            let result = try family.apply(
                operation,
                labelValues: push.labelValues,
                value: push.value,
                now: WallClock.now()
            )
            let series = Self.seriesName(family, push.labelValues)
            if let result {
                return .text(200, "\(series) \(GoFloat.format(result))\n")
            }
            return .text(200, "observed \(GoFloat.format(push.value)) in \(series)\n")
        } catch {
            return refuse(error, request.head)
        }
    }

    /// `DELETE /api/<metric>`: every series removed, or back to 0 under a cartesian-product reset.
    func reset(_ request: Request, parameters: [String: String]) -> Response {
        guard let family = registry.family(named: parameters["metric"] ?? "") else {
            return refuse(MetricError(.unknownMetric, "unknown metric"), request.head)
        }
        let now = WallClock.now()
        family.reset(now: now)
        logger.info("metric reset", metadata: ["metric": "\(family.definition.fullName)"])
        return .text(200, "reset \(family.definition.fullName)\n")
    }

    /// Turns a refused write into its response, a warning and a count, in one place.
    func refuse(_ error: MetricError, _ head: RequestHead) -> Response {
        logger.warning(
            "api request refused",
            metadata: [
                "method": "\(EchoedInput.text(head.method))", "uri": "\(LogRedaction.target(head.target))",
                "status": "\(error.status)", "reason": "\(error.reason.label)",
                "error": "\(EchoedInput.reason(error.message))",
            ]
        )
        instrumentation.countAPIError(error.reason.label, now: WallClock.now())
        return error.response
    }

    private static func seriesName(_ family: MetricFamily, _ values: [String]) -> String {
        let labels = family.definition.labels
        guard !labels.isEmpty else { return family.definition.fullName }
        return family.definition.fullName + "{" + FamilyRenderer.labelPairs(zip(labels, values).map { ($0.name, $1) })
            + "}"
    }
}
