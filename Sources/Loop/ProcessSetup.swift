import Glibc

/// Process-wide settings a server needs before its loop starts.
public enum ProcessSetup {
    /// A write to a peer that has gone away raises SIGPIPE, which kills the process by default; libuv sets
    /// `SO_NOSIGPIPE` only on BSDs, so on Linux the signal must be ignored.
    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// A process inherits its parent's blocked-signal mask (a supervisor, a test runner's worker thread); with
    /// SIGTERM blocked, shutdown would never start. Unblock everything before watchers are installed.
    public static func unblockAllSignals() {
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
    }

    /// Raises the soft limit on open files to the hard limit (containers often start at 1024) and returns the new
    /// soft limit.
    @discardableResult
    public static func raiseOpenFileLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return UInt64(limit.rlim_cur)
    }
}
