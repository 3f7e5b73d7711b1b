import Loop

/// `POST /api/<metric>/<operation>`: one operation on one series of a catalogue metric, from a form body or query.
struct PushEndpoint: Endpoint {
    /// What screening resolved: handling never looks the metric up again.
    struct Context {
        let family: MetricFamily
        let operation: Operation
    }

    let gate: APIGate

    func screen(_ head: RequestHead, parameters: RouteParameters) -> Screening<Context> {
        do throws(MetricError) {
            let family = try gate.screenWrite(head, metric: parameters["metric"] ?? "")
            let supported = family.definition.kind.operations
            guard let operation = Operation(rawValue: parameters["operation"] ?? ""), supported.contains(operation)
            else {
                throw MetricError(
                    .unsupportedOperation,
                    "\(family.definition.fullName) is a \(family.definition.kind.rawValue); its operations are "
                        + supported.map(\.rawValue).joined(separator: ", ")
                )
            }
            return .accept(Context(family: family, operation: operation))
        } catch {
            return .refuse(gate.refusals.refuse(error, head))
        }
    }

    func handle(_ request: Request, _ context: Context) -> Answer {
        let family = context.family
        do throws(MetricError) {
            let push = try PushRequest(
                request,
                operation: context.operation,
                labelCount: family.definition.labels.count
            )
            let result = try family.apply(
                context.operation,
                labelValues: push.labelValues,
                value: push.value,
                now: WallClock.now()
            )
            let series = SeriesName.text(family.definition, push.labelValues)
            if let result {
                return .afterCommit(.text(200, "\(series) \(GoFloat.format(result))\n"))
            }
            return .afterCommit(.text(200, "observed \(GoFloat.format(push.value)) in \(series)\n"))
        } catch {
            // A refused push changed nothing, so there is nothing to wait for.
            return .now(gate.refusals.refuse(error, request.head))
        }
    }
}
