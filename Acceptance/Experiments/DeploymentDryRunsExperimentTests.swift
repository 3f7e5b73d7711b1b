import Testing

/// The example experiment: its counter starts at 0 for both results and counts pushes.
@Suite("Experiment: deployment dry runs", .enabled(if: AcceptanceEnvironment.isConfigured))
struct DeploymentDryRunsExperimentTests {
    @Test func countsDryRunsByResult() async throws {
        let before = try await AcceptanceHTTP.metrics()
        #expect(before.contains("delivery_experiments_deployment_dry_runs_total{result=\"failed\"} "))
        #expect(
            try await AcceptanceHTTP.push("experiments_deployment_dry_runs_total", "inc", "labels=success").status
                == 200
        )
        let after = try await AcceptanceHTTP.metrics()
        #expect(after.contains("delivery_experiments_deployment_dry_runs_total{result=\"success\"} 1\n"))
        let total = after.split(separator: "\n").first { $0.hasPrefix("delivery_experiments_total ") }
        #expect((total?.split(separator: " ").last).flatMap { Double($0) } ?? 0 >= 1)
    }
}
