/// What the build stamped into the binary. `make build` writes `Generated/BuildStamp.swift` and defines
/// `DELIVERY_METRICS_STAMPED`; a plain `swift build` reports `Development` and `Unknown`.
enum BuildInfo {
    #if DELIVERY_METRICS_STAMPED
        static let revision = BuildStamp.revision
        static let buildDate = BuildStamp.buildDate
    #else
        static let revision = "Development"
        static let buildDate = "Unknown"
    #endif
    static let version = "0.1.0"
}
