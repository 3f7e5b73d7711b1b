import Logging
import Loop

@_spi(Harness) @testable import DeliveryMetrics

/// The endpoints over the real catalogue, with no socket and no loop: what each endpoint test drives.
struct EndpointHarness {
    static let token = "endpoint-token"

    let registry = Registry(Catalogue.definitions(experiments: []), maxSeriesPerMetric: 100, now: 0)
    let state = ServiceState()
    /// Pushed groups, over the registry's names and types.
    let pushes: PushStore
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    init(pushLimits: PushLimits = PushLimits()) {
        pushes = PushStore(
            limits: pushLimits,
            ownFamilies: registry.families.map { ($0.definition.fullName, $0.definition.kind) }
        )
    }

    var instrumentation: Instrumentation { Instrumentation(registry) }

    var pushgateway: PushgatewayEndpoint {
        PushgatewayEndpoint(gate: gate, store: pushes, maxBodyBytes: 1 << 20)
    }

    var gate: APIGate {
        APIGate(
            authToken: Self.token,
            registry: registry,
            state: state,
            refusals: APIRefusals(logger: logger, instrumentation: instrumentation)
        )
    }

    func head(
        _ method: String,
        _ target: String,
        token: String? = EndpointHarness.token,
        headers: [(String, String)] = []
    ) -> RequestHead {
        var fields: HTTPHeaders = ["Host": "t"]
        if let token { fields.add("X-Private-Token", token) }
        for (name, value) in headers { fields.add(name, value) }
        return RequestHead(method: method, target: target, headers: fields)
    }

    func request(_ head: RequestHead, form: String = "") -> Request {
        var head = head
        if !form.isEmpty {
            head.headers.add("Content-Type", "application/x-www-form-urlencoded")
            head.contentLength = form.utf8.count
        }
        return Request(head: head, body: Array(form.utf8))
    }

    func value(_ name: String, _ labels: [String]) -> Double? {
        registry.family(named: name)?.series[SeriesKey(labels)]?.value
    }
}

extension Answer {
    var waitsForCommit: Bool {
        if case .afterCommit = self { return true }
        return false
    }

    var text: String { String(decoding: response.body + response.shared.flatMap(\.array), as: UTF8.self) }
}

extension Screening {
    var refusal: Response? {
        if case .refuse(let response) = self { return response }
        return nil
    }

    var accepted: Screened? {
        if case .accept(let context) = self { return context }
        return nil
    }
}
