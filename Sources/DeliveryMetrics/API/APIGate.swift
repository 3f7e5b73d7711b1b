import Loop

/// The checks every `/api` route makes on the head, in the order the client hears about them: the token, room on
/// the disk for a write, then the metric itself.
struct APIGate {
    let authToken: String
    let registry: Registry
    let state: ServiceState
    let refusals: APIRefusals

    func authorize(_ head: RequestHead) throws(MetricError) {
        guard TokenCheck.matches(.xPrivateToken, of: head, expected: authToken) else {
            throw MetricError(.unauthorized, "Missing or wrong X-Private-Token")
        }
    }

    /// Refused before anything changes, so a full disk never costs an acknowledged write.
    func requireRoomForWrites() throws(MetricError) {
        guard state.hasRoomForWrites else {
            throw MetricError(
                .diskFull,
                "insufficient storage: the journal cannot reserve disk space; nothing was changed, and writes are "
                    + "accepted again once space is free"
            )
        }
    }

    /// A catalogue metric that `/api` may write, named by the route's first parameter: looked up by its bytes,
    /// borrowed from the head's, without making a string.
    func writableFamily(named parameters: RouteParameters) throws(MetricError) -> MetricFamily {
        // The registry alone is captured: a closure over `self` would copy the gate.
        let registry = registry
        let found = parameters.withValue(0) { registry.family(named: $0) }
        guard let family = found, family.definition.isInCatalogue else {
            throw MetricError(
                .unknownMetric,
                "unknown metric \"\(EchoedInput.bytes(parameters[0]))\"; GET /api lists them"
            )
        }
        guard family.definition.writer.acceptsPushes else {
            throw MetricError(
                .unsupportedOperation,
                "\(family.definition.fullName) is written by the service itself; /api cannot change it"
            )
        }
        return family
    }

    /// The token, the disk, and the metric (the route's first parameter): what a write to one family needs before
    /// its body is read.
    func screenWrite(_ head: RequestHead, parameters: RouteParameters) throws(MetricError) -> MetricFamily {
        try authorize(head)
        try requireRoomForWrites()
        return try writableFamily(named: parameters)
    }
}
