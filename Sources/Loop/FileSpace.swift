import CUV
import Glibc

/// Disk space a file holds past its end, and free space: what the journal's reservations (zeros written ahead, see
/// `FileLayer.reserve`) need besides plain writes.
public enum FileSpace {
    /// Gives back what was reserved past `size` with `fallocate(KEEP_SIZE)`, as versions before zero-written
    /// reservations did; returns 0 or the errno (EOPNOTSUPP where nothing was reserved in the first place).
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
