import Glibc

/// Wall-clock seconds since the epoch: series' last-write times use it so that expiry can survive a restart.
enum WallClock {
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
