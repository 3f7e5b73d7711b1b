/// Counts deployment dry runs by result, to see whether rehearsing deployments is worth keeping.
/// Push: `curl -X POST -H "X-Private-Token: $TOKEN" -F labels=success \
///   "$DELIVERY_METRICS_URL/api/experiments_deployment_dry_runs_total/inc"`.
enum DeploymentDryRunsExperiment: Experiment {
    static let metrics = [
        MetricDefinition(
            .counter,
            name: "deployment_dry_runs_total",
            subsystem: Experiments.subsystem,
            help: "Number of deployment dry runs",
            labels: [.successOrFailed("result")],
            cartesianProductReset: true
        )
    ]
}
