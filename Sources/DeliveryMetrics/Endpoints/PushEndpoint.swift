import Loop

/// `POST /api/<metric>/<operation>`: one operation on one series of a catalogue metric, from a form body or query.
struct PushEndpoint: Endpoint {
    /// What screening resolved: handling never looks the metric up again.
    struct Context {
        let family: MetricFamily
        let operation: Operation
    }

    /// The route; screening reads its parameters by position (`metric` 0, `operation` 1), no name compared.
    static let route = "/api/<metric>/<operation>"

    let gate: APIGate
    /// Where answers are written, reused from push to push while the last answer's bytes have been let go.
    let answers = AnswerBuffer()

    func screen(_ head: RequestHead, parameters: RouteParameters) -> Screening<Context> {
        do throws(MetricError) {
            // The route's parameters are ranges of the head's bytes: the metric and the operation are looked up
            // by their bytes, no string made.
            let family = try gate.screenWrite(head, parameters: parameters)
            let kind = family.definition.kind
            let operation = parameters.withValue(1) { Operation(name: $0) }
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
        // way below. The closure keeps to static code: capturing `self` would copy the endpoint for each push. A
        // refused write comes out apart from the answer (a `Result` around the answer would cost a copy of it). The
        // family and the buffer outlive this call (the context and the endpoint hold them), so the closure captures
        // them without retaining: each closure it is passed through would retain and release them again.
        var refusal: MetricError?
        let read = PushForm.withFields(
            of: request,
            needsValue: operation.needsValue,
            labelCount: family.definition.labels.count
        ) { [unowned(unsafe) family, unowned(unsafe) answers] fields -> Answer? in
            do throws(MetricError) {
                let applied = try family.write(
                    operation,
                    labels: fields.labels,
                    labelCount: fields.labelCount,
                    value: fields.value,
                    now: WallClock.now()
                )
                return Self.answer(value: fields.value, applied, into: answers)
            } catch {
                refusal = error
                return nil
            }
        }
        do throws(MetricError) {
            if let refusal { throw refusal }
            if case .some(.some(let answer)) = consume read { return answer }
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
            return Self.answer(value: push.value, applied, into: answers)
        } catch {
            // A refused push changed nothing, so there is nothing to wait for.
            return .now(gate.refusals.refuse(error, request.head))
        }
    }

    /// The acknowledgement of an accepted write: the series and its new value (`name 3`), or what a histogram
    /// observed (`observed 14400 in name`), as bytes from the series' kept name and a Go float. Built on the stack
    /// and copied into the answer buffer once: one append instead of four.
    private static func answer(value: Double, _ applied: MetricFamily.Applied, into answers: AnswerBuffer) -> Answer {
        let name = applied.name
        // The name, one float, and `observed `, ` in ` and the line end.
        let capacity = name.count + GoFloat.maxBytes + 16
        let body = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            let start = buffer.baseAddress!
            var end = start
            func put(_ bytes: UnsafeRawBufferPointer) {
                guard let base = bytes.baseAddress, bytes.count > 0 else { return }
                UnsafeMutableRawPointer(end).copyMemory(from: base, byteCount: bytes.count)
                end += bytes.count
            }
            func put(_ text: StaticString) {
                put(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
            }
            if let result = applied.result {
                name.withUnsafeBytes { put($0) }
                put(" ")
                end += GoFloat.write(result, to: end)
            } else {
                put("observed ")
                end += GoFloat.write(value, to: end)
                put(" in ")
                name.withUnsafeBytes { put($0) }
            }
            put("\n")
            let written = UnsafeBufferPointer(start: start, count: end - start)
            return answers.write(written)
        }
        return .afterCommit(.text(200, bytes: body))
    }
}

/// A byte buffer answers are written into and handed out from: when the last answer it gave has been sent and let go,
/// the next is written into the same memory, so an answer costs no allocation; while one is still held, the next
/// gets a buffer of its own (copy on write), as any array would. Loop-confined, its one access at a time is left
/// unchecked (`@exclusivity(unchecked)`).
final class AnswerBuffer {
    @exclusivity(unchecked) private var bytes: [UInt8] = []

    /// The buffer's bytes become `written`: one copy into the kept memory (one call, where emptying and then
    /// appending made two).
    func write(_ written: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        bytes.replaceSubrange(0..<bytes.count, with: written)
        return bytes
    }
}
