import Logging
import Loop

/// `DELETE /api/<metric>`: every series removed, or back to 0 under a cartesian-product reset.
struct ResetEndpoint: Endpoint {
    typealias Context = MetricFamily

    /// The route; its one parameter, `metric`, is read by position.
    static let route = "/api/<metric>"

    let gate: APIGate
    let logger: Logger

    func screen(_ head: RequestHead, parameters: RouteParameters) -> Screening<MetricFamily> {
        do throws(MetricError) {
            return .accept(try gate.screenWrite(head, parameters: parameters))
        } catch {
            return .refuse(gate.refusals.refuse(error, head))
        }
    }

    func handle(_ request: Request, _ family: MetricFamily) -> Answer {
        family.reset(now: WallClock.now())
        logger.info("metric reset", metadata: ["metric": "\(family.definition.fullName)"])
        return .afterCommit(.text(200, "reset \(family.definition.fullName)\n"))
    }
}
