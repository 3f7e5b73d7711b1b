/// How a source's job events are told apart: only jobs of deployment pipelines count.
enum DeploymentRule: Sendable, Equatable {
    /// The job runs on an auto-deploy branch (`16-3-auto-deploy-2023081208`) or tag
    /// (`16.3.202308120820+5b3d4fe8e3c.d4ba7c4fe4a`): release-tools' coordinated pipelines.
    case autoDeployRef
    /// The job's pipeline was triggered by a pipeline of one of these projects (`source_pipeline`), as the
    /// coordinator triggers the deployer and QA on the same instance.
    case triggeredBy([String])
    /// The job runs on an auto-deploy tag: projects on another instance, which the coordinator triggers without a
    /// `source_pipeline`, build and tag the auto-deploy version.
    case autoDeployTag

    func matches(_ event: JobEvent) -> Bool {
        switch self {
        case .autoDeployRef:
            guard let ref = event.ref else { return false }
            return AutoDeployRefs.isBranch(ref) || AutoDeployRefs.isTag(ref)
        case .triggeredBy(let projects):
            guard let source = event.sourceProject else { return false }
            return projects.contains(source)
        case .autoDeployTag:
            guard let ref = event.ref else { return false }
            return event.isTag && AutoDeployRefs.isTag(ref)
        }
    }
}

/// The names release-tools gives auto-deploy branches and tags.
enum AutoDeployRefs {
    /// `<major>-<minor>-auto-deploy-<YYYYMMDDHH>`, e.g. `16-3-auto-deploy-2023081208` (older ones end in a date
    /// only; release-tools matches `\d{8,}`).
    static func isBranch(_ ref: String) -> Bool {
        (try? branchPattern.wholeMatch(in: ref)) != nil
    }

    /// `<major>.<minor>.<YYYYMMDDHHMM>+<gitlab sha>.<omnibus sha>`, e.g. `16.3.202308120820+5b3d4fe8e3c.d4ba7c4fe4a`;
    /// CNG's tags carry a single sha, `16.3.202308120820+5b3d4fe8e3c`.
    static func isTag(_ ref: String) -> Bool {
        (try? tagPattern.wholeMatch(in: ref)) != nil
    }

    // Computed: a regex is not Sendable, so it cannot be a static constant; a literal is cheap to instantiate and
    // these run once per webhook event.
    private static var branchPattern: Regex<Substring> { /\d+-\d+-auto-deploy-\d{8,}/ }
    private static var tagPattern: Regex<(Substring, Substring?)> {
        /\d+\.\d+\.\d{8,12}\+[0-9a-f]{7,40}(\.[0-9a-f]{7,40})?/
    }
}
