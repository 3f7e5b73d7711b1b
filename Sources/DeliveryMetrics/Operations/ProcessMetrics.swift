import Glibc
import Loop

/// The standard `process_*` metrics every Prometheus client exports, read from `/proc` as client_golang does.
struct ProcessMetrics {
    var cpuSeconds: Double = 0
    var residentMemoryBytes: Double = 0
    var virtualMemoryBytes: Double = 0
    var openFileDescriptors: Double = 0
    var maxFileDescriptors: Double = 0
    var startTimeSeconds: Double = 0

    /// Reads the current values; a value whose source cannot be read stays 0.
    static func read() -> ProcessMetrics {
        var metrics = ProcessMetrics()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        if let stat = readFile("/proc/self/stat"), let close = stat.lastIndex(of: ")") {
            // Fields after the command name, which may itself hold spaces and parentheses; index 0 is field 3.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 21 {
                metrics.cpuSeconds = ((Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)) / ticks
                metrics.virtualMemoryBytes = Double(fields[20]) ?? 0
                metrics.residentMemoryBytes = (Double(fields[21]) ?? 0) * pageSize
                if let bootTime = bootTimeSeconds() {
                    metrics.startTimeSeconds = bootTime + (Double(fields[19]) ?? 0) / ticks
                }
            }
        }
        metrics.openFileDescriptors = Double(countOpenFileDescriptors())
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            metrics.maxFileDescriptors = Double(limit.rlim_cur)
        }
        return metrics
    }

    /// The `process_*` families, with client_golang's names and help texts.
    static var definitions: [MetricDefinition] { ProcessMetric.allCases.map(\.definition) }

    /// Reads `/proc` and stores the values in the registry's `process_*` families.
    static func update(_ registry: Registry, now: Double) {
        let metrics = read()
        for metric in ProcessMetric.allCases {
            registry.family(metric).store(metrics[metric], now: now)
        }
    }

    /// The value read for one of the families.
    subscript(_ metric: ProcessMetric) -> Double {
        switch metric {
        case .cpuSeconds: cpuSeconds
        case .maxFileDescriptors: maxFileDescriptors
        case .openFileDescriptors: openFileDescriptors
        case .residentMemoryBytes: residentMemoryBytes
        case .startTimeSeconds: startTimeSeconds
        case .virtualMemoryBytes: virtualMemoryBytes
        }
    }

    private static func bootTimeSeconds() -> Double? {
        guard let stat = readFile("/proc/stat") else { return nil }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingHTTPWhitespace())
        }
        return nil
    }

    private static func countOpenFileDescriptors() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { $0.first == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        return count
    }

    /// Reads a small file whole; `/proc` files report size 0, so read until end.
    static func readFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { Glibc.close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
