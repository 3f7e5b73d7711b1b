/// The fields of a GitLab job event that the service uses; every other field, and null in any of these, is
/// tolerated (GitLab adds fields over time).
struct JobEvent: Equatable {
    let buildID: Int
    let status: String
    let name: String
    let stage: String?
    /// How many times this job was retried before this build (GitLab 15.6+); 0 when absent.
    let retriesCount: Int
    let pipelineID: Int?
    let ref: String?
    let isTag: Bool
    let createdAt: Double?
    let startedAt: Double?
    let finishedAt: Double?
    /// Seconds the job ran, when it finished.
    let duration: Double?
    /// `source_pipeline.project.path_with_namespace`: the project whose pipeline triggered this one.
    let sourceProject: String?

    /// Why a body is refused (400).
    struct Refusal: Error, Equatable {
        let message: String
    }

    init(json: [UInt8]) throws(Refusal) {
        let document: JSONValue
        do {
            document = try JSONParser.parse(json)
        } catch {
            throw Refusal(message: "body is not JSON: \(error)")
        }
        guard case .object = document else { throw Refusal(message: "body is not a JSON object") }
        let kind = document["object_kind"]?.string ?? "none"
        guard kind == "build" else { throw Refusal(message: "not a job event (object_kind \"\(kind)\")") }
        guard let buildID = document["build_id"]?.integer else { throw Refusal(message: "job event without build_id") }
        guard let status = document["build_status"]?.string, !status.isEmpty else {
            throw Refusal(message: "job event without build_status")
        }
        self.buildID = buildID
        self.status = status
        name = document["build_name"]?.string ?? ""
        stage = document["build_stage"]?.string
        retriesCount = document["retries_count"]?.integer ?? 0
        pipelineID = document["pipeline_id"]?.integer
        ref = document["ref"]?.string
        isTag = document["tag"]?.bool ?? false
        createdAt = Self.time(document, "build_created_at")
        startedAt = Self.time(document, "build_started_at")
        finishedAt = Self.time(document, "build_finished_at")
        duration = document["build_duration"]?.number
        sourceProject = document["source_pipeline"]?["project"]?["path_with_namespace"]?.string
    }

    /// The newer `*_iso` field when present, else the older one; both shapes parse.
    private static func time(_ document: JSONValue, _ field: String) -> Double? {
        (document[field + "_iso"]?.string).flatMap(GitLabTime.parse)
            ?? (document[field]?.string).flatMap(GitLabTime.parse)
    }
}
