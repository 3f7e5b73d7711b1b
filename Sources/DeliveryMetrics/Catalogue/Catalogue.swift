/// Every metric the service exposes, in one place, as the original's `metrics.go` declared them: a reader sees each
/// metric's type, labels (positional, in this order) and what they accept. Names are kept as the original had them
/// even where Prometheus naming lint disagrees, because dashboards and alerts query them.
enum Catalogue {
    static let day = 86_400.0

    /// The delivery metrics, the service's own instrumentation, and the experiments.
    static func definitions(experiments: [MetricDefinition]) -> [MetricDefinition] {
        deliveryMetrics + serviceMetrics(experimentCount: experiments.count) + experiments + ProcessMetrics.definitions
    }

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

        // The coordinated-pipeline scraper (filled by the API scraper).
        MetricDefinition(
            .gauge,
            name: "deployment_pipelines_total",
            help: "Total number of coordinated pipelines",
            labels: [Label("status", oneOf: PipelineStatus.labels)],
            cartesianProductReset: true,
            serviceOwned: true
        ),
        MetricDefinition(
            .counter,
            name: "deployment_pipelines_observer_errors",
            help: "Total number of errors from the pipelines observer",
            labels: [Label("reason", oneOf: ["api_error", "cache_failure", "cache_full"])],
            cartesianProductReset: true,
            serviceOwned: true,
            describesProcess: true
        ),

        MetricDefinition(
            .gauge,
            name: "deployment_pipelines_observer_last_success_timestamp_seconds",
            help: "When the pipelines observer last completed a scrape, in seconds since the epoch",
            serviceOwned: true,
            describesProcess: true
        ),
        MetricDefinition(
            .gauge,
            name: "deployment_pipelines_observer_scrape_duration_seconds",
            help: "How long the pipelines observer's last scrape took",
            serviceOwned: true,
            describesProcess: true
        ),
        MetricDefinition(
            .counter,
            name: "deployment_pipelines_observer_api_requests_total",
            help: "Requests the pipelines observer made to the GitLab API, by status code (error: no response)",
            labels: [Label("code", matching: #"\d{3}|error"#)],
            serviceOwned: true,
            describesProcess: true
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

        // Job webhooks (filled by the webhook receiver; `project` is the source's path from the sources table).
        MetricDefinition(
            .counter,
            name: "webhooks_auto_deploy_job_retries",
            help: "Number of retried jobs in deployment pipelines",
            labels: [Label("project", oneOf: WebhookSources.projectPaths), .text("job_name")],
            serviceOwned: true
        ),
        MetricDefinition(
            .counter,
            name: "webhooks_auto_deploy_job_failure_lost_seconds",
            help: "Deployment pipeline time lost between a job failing and its retry being created",
            labels: [.text("job_name")],
            serviceOwned: true
        ),
        MetricDefinition(
            .histogram,
            name: "webhooks_deployment_job_duration_seconds",
            help: "Duration of finished deployment pipeline jobs, by project and final status",
            labels: [
                Label("project", oneOf: WebhookSources.projectPaths),
                Label("status", oneOf: ["success", "failed", "canceled"]),
            ],
            buckets: [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
            cartesianProductReset: true,
            serviceOwned: true
        ),
        MetricDefinition(
            .counter,
            name: "webhooks_events_total",
            help: "Job events received, by source and outcome",
            labels: [
                Label("source", oneOf: WebhookSources.projectPaths),
                Label("outcome", oneOf: JobWebhookReceiver.Outcome.allCases.map(\.rawValue)),
            ],
            cartesianProductReset: true,
            serviceOwned: true
        ),
        MetricDefinition(
            .counter,
            name: "webhooks_dropped_events_total",
            help: "Valid deployment job events whose metric write was refused, by reason",
            labels: [
                Label(
                    "reason",
                    oneOf: [
                        "series_limit", "invalid_label_value", "invalid_value", "wrong_label_count",
                        "unsupported_operation", "disk_full",
                    ]
                )
            ],
            serviceOwned: true
        ),
    ]

    static let jobStatuses = ["created", "pending", "running", "success", "failed", "canceled", "skipped", "manual"]

    /// Build information and the service's own instrumentation. Route templates, never raw paths, so the label sets
    /// stay small.
    static func serviceMetrics(experimentCount: Int) -> [MetricDefinition] {
        [
            MetricDefinition(
                .counter,
                name: "version_info",
                help: "Version info metadata",
                labels: [.text("build_date"), .text("revision")],
                serviceOwned: true,
                describesProcess: true
            ),
            MetricDefinition(
                .counter,
                name: "experiments_total",
                help: "Number of experiments plugged in",
                serviceOwned: true,
                describesProcess: true
            ),
            MetricDefinition(
                .counter,
                name: "http_requests_total",
                subsystem: "metrics",
                help: "HTTP requests answered, by route template, method and status code",
                labels: [.text("handler"), .text("method"), Label("code", matching: #"\d{3}"#)],
                serviceOwned: true,
                describesProcess: true
            ),
            MetricDefinition(
                .counter,
                name: "api_errors_total",
                subsystem: "metrics",
                help: "Refused /api requests, by reason",
                labels: [.text("reason")],
                serviceOwned: true,
                describesProcess: true
            ),
            MetricDefinition(
                .counter,
                name: "scrapes_total",
                subsystem: "metrics",
                help: "Scrapes of /metrics, by the format and encoding served",
                labels: [
                    Label("format", oneOf: ["text", "openmetrics"]), Label("encoding", oneOf: ["identity", "gzip"]),
                ],
                cartesianProductReset: true,
                serviceOwned: true,
                describesProcess: true
            ),
            MetricDefinition(
                .gauge,
                name: "last_write_timestamp_seconds",
                subsystem: "metrics",
                help: "When each delivery metric was last written since boot, in seconds since the epoch",
                labels: [.text("metric")],
                serviceOwned: true,
                describesProcess: true
            ),
            MetricDefinition(
                .counter,
                name: "log_lines_dropped_total",
                subsystem: "metrics",
                help: "Log lines dropped because stderr could not keep up",
                serviceOwned: true,
                describesProcess: true
            ),
            MetricDefinition(
                .counter,
                name: "persistence_syncs_total",
                help: "Journal batches written and synced to disk (fdatasync) since boot",
                serviceOwned: true,
                describesProcess: true
            ),
            MetricDefinition(
                .histogram,
                name: "persistence_batch_records",
                help: "Writes per journal batch: the group commit's batch sizes",
                buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
                serviceOwned: true,
                describesProcess: true
            ),
            MetricDefinition(
                .counter,
                name: "persistence_snapshots_total",
                help: "Snapshots written since boot, each of which lets the journal be truncated",
                serviceOwned: true,
                describesProcess: true
            ),
            MetricDefinition(
                .gauge,
                name: "persistence_damaged_files",
                help: "Damaged state files kept aside beside the state for inspection (at most two; the oldest go)",
                serviceOwned: true,
                describesProcess: true
            ),
            MetricDefinition(
                .gauge,
                name: "persistence_disk_full",
                help: "1 while the journal cannot reserve disk space and writes are refused with 507, else 0",
                serviceOwned: true,
                describesProcess: true
            ),
        ]
    }
}
