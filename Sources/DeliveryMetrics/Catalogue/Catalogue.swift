/// Every metric the service exposes, in one place, as the original's `metrics.go` declared them: a reader sees each
/// metric's type, labels (positional, in this order) and what they accept. Names are kept as the original had them
/// even where Prometheus naming lint disagrees, because dashboards and alerts query them.
@_spi(Harness) public enum Catalogue {
    static let day = 86_400.0

    /// The delivery metrics CI jobs push, those the service writes itself, the experiments and the process's own.
    @_spi(Harness) public static func definitions(experiments: [MetricDefinition]) -> [MetricDefinition] {
        deliveryMetrics + ServiceMetric.allCases.map(\.definition) + experiments + ProcessMetrics.definitions
    }

    /// The metrics CI jobs push through `/api`.
    static let deliveryMetrics: [MetricDefinition] = [
        // Deployments
        MetricDefinition(
            .histogram,
            name: "deployment_duration_seconds",
            help: "Duration of the coordinated deployment pipeline, from staging to production",
            labels: [Label("deployment_type", oneOf: ["coordinator_pipeline"]), .successOrFailed("status")],
            buckets: Buckets.linear(start: 12_600, width: 1_800, count: 8),
            cartesianProductReset: true
        ),
        MetricDefinition(
            .gauge,
            name: "deployment_duration_last_seconds",
            help: "Duration of the last coordinated deployment pipeline, from staging to production",
            labels: [Label("deployment_type", oneOf: ["coordinator_pipeline"]), .successOrFailed("status")],
            cartesianProductReset: true
        ),
        MetricDefinition(
            .counter,
            name: "deployment_started_total",
            help: "Number of deployments started",
            labels: [.environment()],
            cartesianProductReset: true
        ),
        MetricDefinition(
            .gauge,
            name: "deployment_started",
            help: "Deployments started, by environment and version",
            labels: [.environment(), .deployVersion("version")],
            timeToLive: 30 * day
        ),
        MetricDefinition(
            .gauge,
            name: "deployment_completed",
            help: "Deployments completed, by environment and version",
            labels: [.environment(), .deployVersion("version")],
            timeToLive: 30 * day
        ),
        MetricDefinition(
            .counter,
            name: "deployment_rollbacks_started_total",
            help: "Number of rollbacks started",
            labels: [.environment()],
            cartesianProductReset: true
        ),
        MetricDefinition(
            .counter,
            name: "deployment_can_rollback_total",
            help: "Number of deployments that could be rolled back",
            labels: [.environment()],
            cartesianProductReset: true
        ),
        MetricDefinition(
            .gauge,
            name: "deployment_failed_atleast_once",
            help: "Set to 1 when a deployment of this version failed at least once",
            labels: [.deployVersion()],
            timeToLive: 30 * day
        ),
        MetricDefinition(
            .gauge,
            name: "deployment_pipeline_duration_seconds",
            help: "Wall-clock duration of a deployment pipeline",
            labels: [.deployVersion(), .text("project_name"), .text("pipeline_name"), .environment(), .stage()],
            timeToLive: 30 * day
        ),
        MetricDefinition(
            .gauge,
            name: "deployment_job_duration_seconds",
            help: "Duration of a deployment job",
            labels: [
                .deployVersion(), .jobID(), .text("job_name"), Label("job_status", oneOf: Self.jobStatuses),
                .text("project_name"), .text("short_job_name"), .environment(), .stage(),
            ],
            timeToLive: 7 * day
        ),
        MetricDefinition(
            .gauge,
            name: "deployment_merge_request_lead_time_seconds",
            help: "Time from merge to deployment of the merge requests in a deployment",
            labels: [.deployVersion(), .environment(), .stage()],
            timeToLive: 30 * day
        ),
        MetricDefinition(
            .gauge,
            name: "deployment_merge_request_adjusted_lead_time_seconds",
            help: "Time from merge to deployment of the merge requests in a deployment, without weekends",
            labels: [.deployVersion(), .environment(), .stage()],
            timeToLive: 30 * day
        ),
        MetricDefinition(
            .gauge,
            name: "deployment_blocker_count",
            help: "Number of deployment blockers, by root cause and week",
            labels: [.text("root_cause"), .week()],
            timeToLive: 90 * day
        ),
        MetricDefinition(
            .gauge,
            name: "deployment_hours_blocked",
            help: "Hours deployments were blocked, by root cause, environment and week",
            labels: [.text("root_cause"), .environment(), .week()],
            timeToLive: 90 * day
        ),

        // Packages and auto-deploy
        MetricDefinition(
            .counter,
            name: "packages_tagging_total",
            help: "Number of packages tagged",
            labels: [
                Label("pkg_type", oneOf: ["auto_deploy", "rc", "monthly", "patch", "security"]),
                Label("security", oneOf: ["no", "regular", "critical", ""]),
            ],
            cartesianProductReset: true
        ),
        MetricDefinition(
            .counter,
            name: "auto_deploy_picks_total",
            help: "Number of merge requests picked into auto-deploy branches",
            labels: [.successOrFailed("status")],
            cartesianProductReset: true
        ),
        MetricDefinition(
            .gauge,
            name: "auto_deploy_pressure",
            help: "Number of commits not yet deployed to an environment",
            labels: [Label("role", oneOf: ["gstg-cny", "gstg", "gprd-cny", "gprd"])],
            cartesianProductReset: true
        ),
        MetricDefinition(
            .gauge,
            name: "auto_build_pressure",
            help: "Number of commits not yet packaged",
            labels: [
                Label("project_name", oneOf: ["omnibus-gitlab-ee", "cng-ee", "gitlab-ee", "gitaly", "gitlab_kas"])
            ],
            cartesianProductReset: true
        ),
        MetricDefinition(
            .gauge,
            name: "auto_deploy_package_state",
            help: "State of an auto-deploy package (1 in this state, 0 otherwise)",
            labels: [
                .deployVersion("version"),
                Label("pkg_state", oneOf: ["missing", "pending", "building", "ready", "failed"]),
            ],
            timeToLive: 30 * day
        ),
        MetricDefinition(
            .gauge,
            name: "auto_deploy_environment_state",
            help: "State of an auto-deploy environment (1 in this state, 0 otherwise)",
            labels: [
                .environment(), .stage(),
                Label("env_state", oneOf: ["ready", "locked", "awaiting_promotion", "baking_time"]),
            ],
            cartesianProductReset: true
        ),
        MetricDefinition(
            .gauge,
            name: "auto_deploy_env_lock_state",
            help: "Why an auto-deploy environment is locked (1 for this reason, 0 otherwise)",
            labels: [
                .environment(), .stage(),
                Label("lock_reason", oneOf: ["deployment", "qa", "post_deploy_migration", "failed_deployment"]),
            ],
            cartesianProductReset: true
        ),
        MetricDefinition(
            .gauge,
            name: "auto_deploy_building_package_state",
            help: "State of the package being built (1 in this state, 0 otherwise)",
            labels: [Label("pkg_state", oneOf: ["running", "success", "failed"])],
            cartesianProductReset: true
        ),

        // Releases
        MetricDefinition(
            .gauge,
            name: "release_pressure",
            help: "Number of `Pick into` merge requests for previous releases",
            labels: [Label("state", oneOf: ["merged"]), .minorVersion(), .severity()]
        ),
        MetricDefinition(
            .gauge,
            name: "release_monthly_status",
            help: "Status of the monthly release: 1 open, 2 announced, 3 RC tagged",
            labels: [.minorVersion()],
            timeToLive: 90 * day
        ),
        MetricDefinition(
            .gauge,
            name: "release_patch_status",
            help: "Status of the patch release: 1 open, 2 warning, 3 closed",
            labels: [.releaseVersion()],
            timeToLive: 90 * day
        ),
    ]

    static let jobStatuses = ["created", "pending", "running", "success", "failed", "canceled", "skipped", "manual"]
}
