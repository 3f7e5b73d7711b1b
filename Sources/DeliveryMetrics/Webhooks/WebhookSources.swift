/// Every GitLab project whose job events the service accepts. Adding a project is adding one entry here: its
/// instance, its path, the environment variable that holds its webhook's secret token, and the rule that tells its
/// deployment-pipeline jobs from the rest. Its route is `POST /webhooks/job/<instance>/<path>`.
struct WebhookSource: Sendable, Equatable {
    let instance: String
    let projectPath: String
    let tokenVariable: String
    let rule: DeploymentRule

    var route: String { "/webhooks/job/\(instance)/\(projectPath)" }
    /// Instance and project: build and pipeline ids are numbered per instance, so this is what tells two apart.
    var id: String { "\(instance)/\(projectPath)" }
}

enum WebhookSources {
    static let releaseTools = "gitlab-org/release/tools"
    static let deployer = "gitlab-com/gl-infra/deployer"

    static let all: [WebhookSource] = [
        // The coordinator: its deployment pipelines run on auto-deploy refs.
        WebhookSource(
            instance: "ops",
            projectPath: releaseTools,
            tokenVariable: "JOB_WEBHOOK_RELEASE_TOOLS_OPS_TOKEN",
            rule: .autoDeployRef
        ),
        // Downstream projects on ops: pipelines the coordinator (or the deployer it starts) triggered.
        WebhookSource(
            instance: "ops",
            projectPath: deployer,
            tokenVariable: "JOB_WEBHOOK_DEPLOYER_OPS_TOKEN",
            rule: .triggeredBy([releaseTools])
        ),
        WebhookSource(
            instance: "ops",
            projectPath: "gitlab-org/quality/staging-canary",
            tokenVariable: "JOB_WEBHOOK_STAGING_CANARY_OPS_TOKEN",
            rule: .triggeredBy([releaseTools, deployer])
        ),
        WebhookSource(
            instance: "ops",
            projectPath: "gitlab-org/quality/staging",
            tokenVariable: "JOB_WEBHOOK_STAGING_OPS_TOKEN",
            rule: .triggeredBy([releaseTools, deployer])
        ),
        WebhookSource(
            instance: "ops",
            projectPath: "gitlab-com/gl-infra/k8s-workloads/gitlab-com",
            tokenVariable: "JOB_WEBHOOK_K8S_WORKLOADS_OPS_TOKEN",
            rule: .triggeredBy([releaseTools, deployer])
        ),
        // Packagers on dev.gitlab.org: triggered across instances, so no source_pipeline; they build the
        // auto-deploy tag.
        WebhookSource(
            instance: "dev",
            projectPath: "gitlab/charts/components/images",
            tokenVariable: "JOB_WEBHOOK_CNG_DEV_TOKEN",
            rule: .autoDeployTag
        ),
        WebhookSource(
            instance: "dev",
            projectPath: "gitlab/omnibus-gitlab",
            tokenVariable: "JOB_WEBHOOK_OMNIBUS_GITLAB_DEV_TOKEN",
            rule: .autoDeployTag
        ),
    ]

    static var projectPaths: [String] { all.map(\.projectPath) }
}
