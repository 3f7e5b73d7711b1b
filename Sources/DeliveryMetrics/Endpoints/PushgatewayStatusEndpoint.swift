import Loop

/// `GET /api/v1/status`: the build, every flag's value and the start time, in the Pushgateway's shape. Rendered once
/// at boot: none of it changes while the service runs. Open, like `/metrics`; no flag holds a secret (tokens come
/// from the environment alone).
struct PushgatewayStatusEndpoint: Endpoint {
    let json: [UInt8]

    init(configuration: Configuration, startTime: Double) {
        let build = PushedGroupsJSON.object([
            ("branch", PushedGroupsJSON.string("")),
            ("buildDate", PushedGroupsJSON.string(BuildInfo.buildDate)),
            ("buildUser", PushedGroupsJSON.string("")),
            ("goVersion", PushedGroupsJSON.string("")),
            ("revision", PushedGroupsJSON.string(BuildInfo.revision)),
            ("version", PushedGroupsJSON.string(BuildInfo.version)),
        ])
        let flags = PushedGroupsJSON.object(
            Flag.all.map { ($0.name, PushedGroupsJSON.string($0.shows(configuration) ?? "")) }
        )
        let data = PushedGroupsJSON.object([
            ("build_information", build),
            ("flags", flags),
            ("start_time", PushedGroupsJSON.string(LogFormatter.rfc3339(startTime))),
        ])
        json = Array("{\"status\":\"success\",\"data\":\(data)}".utf8)
    }

    func handle(_ request: Request, _ context: Void) -> Answer {
        .now(Response(status: 200, headers: ["Content-Type": "application/json"], body: json))
    }
}
