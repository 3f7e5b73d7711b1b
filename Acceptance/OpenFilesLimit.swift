import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The test process's own open-files limit: a test that holds many sockets raises it (the binary raises its own).
enum OpenFilesLimit {
    /// Raises the soft limit to at least `count`, up to the hard limit; throws when the hard limit is too low.
    static func raise(to count: Int) throws {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { throw TestFailure("getrlimit: errno \(errno)") }
        guard limit.rlim_cur < rlim_t(count) else { return }
        guard limit.rlim_max >= rlim_t(count) else {
            throw TestFailure("open-files hard limit \(limit.rlim_max) is below \(count)")
        }
        limit.rlim_cur = rlim_t(count)
        guard setrlimit(resource, &limit) == 0 else { throw TestFailure("setrlimit: errno \(errno)") }
    }

    private static let resource = Int32(RLIMIT_NOFILE.rawValue)
}
