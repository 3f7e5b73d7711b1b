import CUV
import Glibc

/// Disk space reserved ahead for a file that grows by appends, so that running out of space is known before a write
/// is accepted rather than after it was applied.
public enum FileSpace {
    /// Reserves `length` bytes from `offset` without changing the file's size (`FALLOC_FL_KEEP_SIZE`); returns 0 or
    /// the errno. A file system without `fallocate` (EOPNOTSUPP) answers by its free space instead.
    public static func reserve(_ descriptor: Int32, offset: Int, length: Int) -> Int32 {
        if cuv_reserve_space(descriptor, off_t(offset), off_t(length)) == 0 { return 0 }
        let code = errno
        guard code == EOPNOTSUPP else { return code }
        var status = statvfs()
        guard fstatvfs(descriptor, &status) == 0 else { return errno }
        return Int(status.f_bavail) * Int(status.f_frsize) >= length ? 0 : ENOSPC
    }

    /// Gives back what was reserved past `size` (a segment a crash left with its reservation); returns 0 or the
    /// errno (EOPNOTSUPP where nothing was reserved in the first place).
    public static func release(_ descriptor: Int32, from size: Int) -> Int32 {
        cuv_release_space(descriptor, off_t(size), off_t(Int64.max - Int64(size))) == 0 ? 0 : errno
    }

    /// Bytes free for an unprivileged writer on the file system holding `path`, or nil.
    public static func freeBytes(at path: String) -> Int? {
        var status = statvfs()
        guard statvfs(path, &status) == 0 else { return nil }
        return Int(status.f_bavail) * Int(status.f_frsize)
    }
}
