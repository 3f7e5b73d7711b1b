/// Why the pipelines observer counted an error: the `reason` label of `delivery_deployment_pipelines_observer_errors`.
enum ObserverErrorReason: String, CaseIterable {
    case apiError = "api_error"
    case cacheFailure = "cache_failure"
    case cacheFull = "cache_full"
}
