/// The standard `process_*` metrics, named in code like `ServiceMetric`, so that a rename is a compile error.
enum ProcessMetric: CaseIterable {
    case cpuSeconds
    case maxFileDescriptors
    case openFileDescriptors
    case residentMemoryBytes
    case startTimeSeconds
    case virtualMemoryBytes

    /// client_golang's name and help text.
    var definition: MetricDefinition {
        switch self {
        case .cpuSeconds:
            Self.process(.counter, "cpu_seconds_total", "Total user and system CPU time spent in seconds.")
        case .maxFileDescriptors: Self.process(.gauge, "max_fds", "Maximum number of open file descriptors.")
        case .openFileDescriptors: Self.process(.gauge, "open_fds", "Number of open file descriptors.")
        case .residentMemoryBytes: Self.process(.gauge, "resident_memory_bytes", "Resident memory size in bytes.")
        case .startTimeSeconds:
            Self.process(.gauge, "start_time_seconds", "Start time of the process since unix epoch in seconds.")
        case .virtualMemoryBytes: Self.process(.gauge, "virtual_memory_bytes", "Virtual memory size in bytes.")
        }
    }

    private static func process(_ kind: MetricKind, _ name: String, _ help: String) -> MetricDefinition {
        MetricDefinition(kind, name: name, help: help, writer: .process)
    }
}

extension Registry {
    /// A `process_*` family; the catalogue always holds them all.
    func family(_ metric: ProcessMetric) -> MetricFamily {
        family(definedBy: metric.definition)
    }
}
