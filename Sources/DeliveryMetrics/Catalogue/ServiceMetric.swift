/// Every metric the service writes itself, named in code as the original's `metrics.go` variables are: the
/// catalogue lists each case's definition, and the code reaches its family through the case, so a rename is a
/// compile error rather than a stop at boot.
enum ServiceMetric: CaseIterable {
    case pipelinesTotal
    case observerErrors
    case observerLastSuccess
    case observerScrapeDuration
    case observerAPIRequests
    case webhookJobRetries
    case webhookJobFailureLostSeconds
    case webhookJobDurations
    case webhookEvents
    case webhookDroppedEvents
    case versionInfo
    case experimentsTotal
    case httpRequests
    case apiErrors
    case scrapes
    case lastWrite
    case droppedLogLines
    case persistenceSyncs
    case persistenceBatchRecords
    case persistenceSnapshots
    case persistenceDamagedFiles
    case persistenceDiskFull

    var definition: MetricDefinition {
        switch self {
        case .pipelinesTotal:
            MetricDefinition(
                .gauge,
                name: "deployment_pipelines_total",
                help: "Total number of coordinated pipelines",
                labels: [Label("status", oneOf: PipelineStatus.labels)],
                cartesianProductReset: true,
                writer: .serviceObserved
            )
        case .observerErrors:
            MetricDefinition(
                .counter,
                name: "deployment_pipelines_observer_errors",
                help: "Total number of errors from the pipelines observer",
                labels: [Label("reason", oneOf: ObserverErrorReason.allCases.map(\.rawValue))],
                cartesianProductReset: true,
                writer: .serviceHealth
            )
        case .observerLastSuccess:
            MetricDefinition(
                .gauge,
                name: "deployment_pipelines_observer_last_success_timestamp_seconds",
                help: "When the pipelines observer last completed a scrape, in seconds since the epoch",
                writer: .serviceHealth
            )
        case .observerScrapeDuration:
            MetricDefinition(
                .gauge,
                name: "deployment_pipelines_observer_scrape_duration_seconds",
                help: "How long the pipelines observer's last scrape took",
                writer: .serviceHealth
            )
        case .observerAPIRequests:
            MetricDefinition(
                .counter,
                name: "deployment_pipelines_observer_api_requests_total",
                help: "Requests the pipelines observer made to the GitLab API, by status code (error: no response)",
                labels: [Label("code", matching: #"\d{3}|error"#)],
                writer: .serviceHealth
            )
        case .webhookJobRetries:
            MetricDefinition(
                .counter,
                name: "webhooks_auto_deploy_job_retries",
                help: "Number of retried jobs in deployment pipelines",
                labels: [Label("project", oneOf: WebhookSources.projectPaths), .text("job_name")],
                writer: .serviceObserved
            )
        case .webhookJobFailureLostSeconds:
            MetricDefinition(
                .counter,
                name: "webhooks_auto_deploy_job_failure_lost_seconds",
                help: "Deployment pipeline time lost between a job failing and its retry being created",
                labels: [.text("job_name")],
                writer: .serviceObserved
            )
        case .webhookJobDurations:
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
                writer: .serviceObserved
            )
        case .webhookEvents:
            MetricDefinition(
                .counter,
                name: "webhooks_events_total",
                help: "Job events received, by source and outcome",
                labels: [
                    Label("source", oneOf: WebhookSources.projectPaths),
                    Label("outcome", oneOf: JobWebhookReceiver.Outcome.allCases.map(\.rawValue)),
                ],
                cartesianProductReset: true,
                writer: .serviceObserved
            )
        case .webhookDroppedEvents:
            MetricDefinition(
                .counter,
                name: "webhooks_dropped_events_total",
                help: "Valid deployment job events whose metric write was refused, by reason",
                labels: [
                    Label(
                        "reason",
                        oneOf: WebhookDropReason.allCases.map(\.rawValue)
                    )
                ],
                writer: .serviceObserved
            )
        case .versionInfo:
            MetricDefinition(
                .counter,
                name: "version_info",
                help: "Version info metadata",
                labels: [.text("build_date"), .text("revision")],
                writer: .instrumentation
            )
        case .experimentsTotal:
            MetricDefinition(
                .counter,
                name: "experiments_total",
                help: "Number of experiments plugged in",
                writer: .instrumentation
            )
        case .httpRequests:
            MetricDefinition(
                .counter,
                name: "http_requests_total",
                subsystem: "metrics",
                help: "HTTP requests answered, by route template, method and status code",
                labels: [.text("handler"), .text("method"), Label("code", matching: #"\d{3}"#)],
                writer: .instrumentation
            )
        case .apiErrors:
            MetricDefinition(
                .counter,
                name: "api_errors_total",
                subsystem: "metrics",
                help: "Refused /api requests, by reason",
                labels: [Label("reason", oneOf: MetricError.Reason.labels)],
                writer: .instrumentation
            )
        case .scrapes:
            MetricDefinition(
                .counter,
                name: "scrapes_total",
                subsystem: "metrics",
                help: "Scrapes of /metrics, by the format and encoding served",
                labels: [
                    Label("format", oneOf: ["text", "openmetrics"]), Label("encoding", oneOf: ["identity", "gzip"]),
                ],
                cartesianProductReset: true,
                writer: .instrumentation
            )
        case .lastWrite:
            MetricDefinition(
                .gauge,
                name: "last_write_timestamp_seconds",
                subsystem: "metrics",
                help: "When each delivery metric was last written since boot, in seconds since the epoch",
                labels: [.text("metric")],
                writer: .instrumentation
            )
        case .droppedLogLines:
            MetricDefinition(
                .counter,
                name: "log_lines_dropped_total",
                subsystem: "metrics",
                help: "Log lines dropped because stderr could not keep up",
                writer: .instrumentation
            )
        case .persistenceSyncs:
            MetricDefinition(
                .counter,
                name: "persistence_syncs_total",
                help: "Journal batches written and synced to disk (fdatasync) since boot",
                writer: .serviceHealth
            )
        case .persistenceBatchRecords:
            MetricDefinition(
                .histogram,
                name: "persistence_batch_records",
                help: "Writes per journal batch: the group commit's batch sizes",
                buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
                writer: .serviceHealth
            )
        case .persistenceSnapshots:
            MetricDefinition(
                .counter,
                name: "persistence_snapshots_total",
                help: "Snapshots written since boot, each of which lets the journal be truncated",
                writer: .serviceHealth
            )
        case .persistenceDamagedFiles:
            MetricDefinition(
                .gauge,
                name: "persistence_damaged_files",
                help: "Damaged state files kept aside beside the state for inspection (at most two; the oldest go)",
                writer: .serviceHealth
            )
        case .persistenceDiskFull:
            MetricDefinition(
                .gauge,
                name: "persistence_disk_full",
                help: "1 while the journal cannot reserve disk space and writes are refused with 507, else 0",
                writer: .serviceHealth
            )
        }
    }
}

extension Registry {
    /// The family of a metric the service writes itself; the catalogue lists every case, so it is always there.
    func family(_ metric: ServiceMetric) -> MetricFamily {
        family(definedBy: metric.definition)
    }

    /// The family of a definition the catalogue always holds (a metric named in code).
    func family(definedBy definition: MetricDefinition) -> MetricFamily {
        // Keyed as `init` keys them: the `/api` name inside the catalogue, the full name outside it.
        let name = definition.isInCatalogue ? definition.apiName : definition.fullName
        guard let family = family(named: name) else {
            fatalError("\(definition.fullName) is missing from the catalogue")
        }
        return family
    }
}
