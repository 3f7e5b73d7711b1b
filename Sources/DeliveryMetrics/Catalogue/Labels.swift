/// Ready-made labels for the values delivery metrics share, as the original's `labels` package offered them.
/// Where the original's value sets are not public, the README lists what was decided here.
extension Label {
    /// `success` or `failed` (the original's `labels.SuccessOrFailed`).
    static func successOrFailed(_ name: String) -> Label {
        Label(name, oneOf: ["success", "failed"])
    }

    /// A deployment target environment.
    static func environment(_ name: String = "target_env") -> Label {
        Label(name, oneOf: ["gstg", "gstg-cny", "gstg-ref", "gprd", "gprd-cny", "pre", "release"])
    }

    /// A deployment stage within an environment.
    static func stage(_ name: String = "target_stage") -> Label {
        Label(name, oneOf: ["main", "cny"])
    }

    /// A release-pressure severity: `none` or GitLab's `severity::1` to `severity::4` scoped labels.
    static func severity(_ name: String = "severity") -> Label {
        Label(name, oneOf: ["none", "severity::1", "severity::2", "severity::3", "severity::4"])
    }

    /// A GitLab minor version such as `17.4`.
    static func minorVersion(_ name: String = "version") -> Label {
        Label(name, matching: #"\d+\.\d+"#, example: "17.4")
    }

    /// A GitLab version such as `17.4` or `17.4.2` (patch releases).
    static func releaseVersion(_ name: String = "version") -> Label {
        Label(name, matching: #"\d+\.\d+(\.\d+)?"#, example: "17.4.1")
    }

    /// An auto-deploy package version such as `17.5.202410011200+abc123def.456abc789`: a major.minor.patch start and
    /// then build metadata. Kept loose on purpose: a too strict pattern would drop real pushes.
    static func deployVersion(_ name: String = "deploy_version") -> Label {
        Label(name, matching: #"\d+\.\d+\.\d+[0-9A-Za-z.+_-]*"#, example: "17.5.202410011200-5b3d4fe8e3c.d4ba7c4fe4a")
    }

    /// Free text bounded in length and to printable characters: project paths, job names, root causes.
    @_spi(Harness) public static func text(_ name: String) -> Label {
        Label(name, matching: #"[^\x00-\x1F\x7F]*"#)
    }

    /// A GitLab job id.
    static func jobID(_ name: String = "job_id") -> Label {
        Label(name, matching: #"\d{1,20}"#, example: "123456")
    }

    /// A week, as `2024-W23` (ISO week) or the date its week starts, `2024-06-03`.
    static func week(_ name: String = "week") -> Label {
        Label(name, matching: #"\d{4}-W\d{2}|\d{4}-\d{2}-\d{2}"#, example: "2024-W23")
    }
}
