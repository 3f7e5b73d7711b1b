import Loop

/// `POST /api/<metric>/<operation>`: one operation on one series of a catalogue metric, from a form body or query.
struct PushEndpoint: Endpoint {
    /// What screening resolved: handling never looks the metric up again.
    struct Context {
        let family: MetricFamily
        let operation: Operation
    }

    let gate: APIGate

    func screen(_ head: RequestHead, parameters: [String: String]) -> Screening<Context> {
        do throws(MetricError) {
            let family = try gate.screenWrite(head, metric: parameters["metric"] ?? "")
            let kind = family.definition.kind
            let operation = withBytes(of: parameters["operation"] ?? "") { Operation(name: $0) }
            guard let operation, kind.accepts(operation) else {
                throw MetricError(
                    .unsupportedOperation,
                    "\(family.definition.fullName) is a \(kind.rawValue); its operations are "
                        + kind.operations.map(\.rawValue).joined(separator: ", ")
                )
            }
            return .accept(Context(family: family, operation: operation))
        } catch {
            return .refuse(gate.refusals.refuse(error, head))
        }
    }

    func handle(_ request: Request, _ context: Context) -> Answer {
        let family = context.family
        let operation = context.operation
        // The form read from its bytes (`PushForm`); what that leaves, and every refusal of the form, goes the general
        // way below. The closure keeps to static code: capturing `self` would copy the endpoint for each push.
        let read = PushForm.withFields(
            of: request,
            needsValue: operation.needsValue,
            labelCount: family.definition.labels.count
        ) { fields in
            Result { () throws(MetricError) -> Answer in
                let applied = try family.write(
                    operation,
                    labels: fields.labels,
                    labelCount: fields.labelCount,
                    value: fields.value,
                    now: WallClock.now()
                )
                return Self.answer(context, value: fields.value, applied)
            }
        }
        do throws(MetricError) {
            if let read { return try read.get() }
            let push = try PushRequest(
                decoding: request,
                operation: operation,
                labelCount: family.definition.labels.count
            )
            let applied = try family.write(
                operation,
                labelValues: push.labelValues,
                value: push.value,
                now: WallClock.now()
            )
            return Self.answer(context, value: push.value, applied)
        } catch {
            // A refused push changed nothing, so there is nothing to wait for.
            return .now(gate.refusals.refuse(error, request.head))
        }
    }

    /// The acknowledgement of an accepted write: the series' new value, or what a histogram observed.
    private static func answer(_ context: Context, value: Double, _ applied: MetricFamily.Applied) -> Answer {
        let series = SeriesName.text(context.family.definition, applied.key.values)
        if let result = applied.result {
            return .afterCommit(.text(200, "\(series) \(GoFloat.format(result))\n"))
        }
        return .afterCommit(.text(200, "observed \(GoFloat.format(value)) in \(series)\n"))
    }
}
