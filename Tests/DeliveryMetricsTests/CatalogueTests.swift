import Foundation
import Testing

@_spi(Harness) @testable import DeliveryMetrics

@Suite("Catalogue")
struct CatalogueTests {
    private var definitions: [MetricDefinition] { Catalogue.definitions(experiments: Experiments.definitions) }

    @Test func matchesTheTableInTheREADME() throws {
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "../../README.md"
            ),
            encoding: .utf8
        )
        let begin = try #require(readme.range(of: CatalogueMarkdown.beginMarker + "\n"))
        let end = try #require(readme.range(of: CatalogueMarkdown.endMarker))
        #expect(
            String(readme[begin.upperBound..<end.lowerBound]) == CatalogueMarkdown.table(definitions),
            "README.md's catalogue is stale: run make catalogue"
        )
    }

    @Test func buildsARegistryWithUniqueNames() {
        let registry = Registry(definitions, maxSeriesPerMetric: 10_000, now: 0)
        #expect(registry.family(named: "deployment_duration_seconds")?.definition.kind == .histogram)
        #expect(registry.family(named: "experiments_deployment_dry_runs_total") != nil)
    }

    @Test func keepsTheOriginalNamesAndLabelOrders() {
        let byName = Dictionary(uniqueKeysWithValues: definitions.map { ($0.fullName, $0) })
        #expect(byName["delivery_deployment_duration_seconds"]?.labels.map(\.name) == ["deployment_type", "status"])
        #expect(
            byName["delivery_deployment_duration_seconds"]?.buckets
                == Buckets.linear(start: 12_600, width: 1_800, count: 8)
        )
        #expect(byName["delivery_release_pressure"]?.labels.map(\.name) == ["state", "version", "severity"])
        #expect(byName["delivery_deployment_pipelines_total"]?.kind == .gauge)
        #expect(byName["delivery_deployment_pipelines_observer_errors"]?.kind == .counter)
        #expect(
            byName["delivery_deployment_job_duration_seconds"]?.labels.map(\.name) == [
                "deploy_version", "job_id", "job_name", "job_status", "project_name", "short_job_name", "target_env",
                "target_stage",
            ]
        )
        for name in [
            "delivery_deployment_started_total", "delivery_deployment_completed", "delivery_deployment_started",
            "delivery_deployment_rollbacks_started_total", "delivery_deployment_can_rollback_total",
            "delivery_deployment_failed_atleast_once", "delivery_deployment_merge_request_lead_time_seconds",
            "delivery_deployment_merge_request_adjusted_lead_time_seconds", "delivery_deployment_blocker_count",
            "delivery_deployment_hours_blocked", "delivery_packages_tagging_total", "delivery_auto_deploy_picks_total",
            "delivery_auto_deploy_pressure", "delivery_auto_build_pressure", "delivery_release_monthly_status",
            "delivery_release_patch_status", "delivery_webhooks_auto_deploy_job_retries",
            "delivery_webhooks_auto_deploy_job_failure_lost_seconds", "delivery_auto_deploy_package_state",
            "delivery_auto_deploy_environment_state", "delivery_auto_deploy_env_lock_state",
            "delivery_auto_deploy_building_package_state", "delivery_version_info", "delivery_experiments_total",
        ] {
            #expect(byName[name] != nil, "missing \(name)")
        }
    }

    @Test func putsEveryExperimentUnderTheExperimentsSubsystem() {
        #expect(Experiments.count == ExperimentList.all.count)
        #expect(Experiments.count >= 1)
        #expect(Experiments.definitions.allSatisfy { $0.subsystem == Experiments.subsystem })
    }

    @Test func givesVersionJobAndWeekKeyedMetricsAnExpiry() {
        for definition in definitions
        where definition.labels.contains(where: {
            ["deploy_version", "job_id", "week"].contains($0.name)
        }) {
            #expect(definition.timeToLiveSeconds != nil, "\(definition.fullName) needs a time-to-live")
        }
    }
}
