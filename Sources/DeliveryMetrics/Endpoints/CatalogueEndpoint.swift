import Loop

/// `GET /api`: the catalogue as JSON, rendered once at boot (it cannot change while the service runs).
struct CatalogueEndpoint: Endpoint {
    let gate: APIGate
    let json: [UInt8]

    init(gate: APIGate) {
        self.gate = gate
        json = Array(CatalogueListing.json(gate.registry.deliveryFamilies).utf8)
    }

    func screen(_ head: RequestHead, parameters: RouteParameters) -> Screening<Void> {
        do throws(MetricError) {
            try gate.authorize(head)
            return .accept(())
        } catch {
            return .refuse(gate.refusals.refuse(error, head))
        }
    }

    func handle(_ request: Request, _ context: Void) -> Answer {
        .now(Response(status: 200, headers: ["Content-Type": "application/json"], body: json))
    }
}
