import Foundation
import TestSupport

/// What `/proc` says about a running process: the figures a robustness test watches from outside.
enum ProcessFigures {
    /// Resident memory (`VmRSS` in `/proc/<pid>/status`), in bytes.
    static func residentBytes(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let match = status.firstMatch(of: /VmRSS:\s+(\d+) kB/), let kibibytes = Int(match.1) else {
            throw TestFailure("no VmRSS in /proc/\(pid)/status")
        }
        return kibibytes * 1024
    }

    /// Open file descriptors (entries of `/proc/<pid>/fd`): the listener, the loop's own, and one per connection.
    static func openDescriptors(of pid: Int32) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
    }

    /// Polls `openDescriptors` until `condition` holds or `seconds` pass; returns the last count seen.
    static func waitForDescriptors(
        of pid: Int32,
        within seconds: Double,
        until condition: (Int) -> Bool
    ) throws -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        var count = try openDescriptors(of: pid)
        while !condition(count), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            count = try openDescriptors(of: pid)
        }
        return count
    }
}
