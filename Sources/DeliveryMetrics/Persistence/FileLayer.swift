import Glibc
import Loop

/// The file operations persistence needs, as one protocol so a test can put a recorder in their place and check
/// their order (append, sync, then respond), which `kill -9` cannot show: the page cache survives it.
///
/// Every method runs on a thread-pool thread, never on the loop; a failure is an `IOError` naming the call.
protocol FileLayer: Sendable {
    /// Opens (creating) a journal segment for writing, and syncs its folder so the new name is durable.
    func openSegment(_ path: String) throws(IOError) -> Int32
    /// Makes `length` bytes from `offset` ready for records: zeros written over them, the file grown to hold them,
    /// so a record written there later changes no metadata (size, extents) and its `fdatasync` flushes only data
    /// (about 40 % less time a sync than appending past the end, measured). ENOSPC when the disk cannot hold them.
    func reserve(_ descriptor: Int32, offset: Int, length: Int) throws(IOError)
    /// Writes `bytes` at `offset` (`pwrite`): records go over the reserved zeros, at the offset the writer tracks.
    func write(_ bytes: [UInt8], to descriptor: Int32, at offset: Int) throws(IOError)
    /// Cuts an open segment back to `length`, the end of its records, at a clean shutdown: the reserved zeros go
    /// back to the disk and the file holds its records only. Best effort: zeros left behind read as a clean end.
    func cut(_ descriptor: Int32, to length: Int)
    /// `fdatasync`: the written bytes are on disk when it returns.
    func sync(_ descriptor: Int32) throws(IOError)
    func close(_ descriptor: Int32)
    /// Temporary file, write, fsync, rename over `path`, fsync the folder: after a crash, `path` holds the old
    /// content or the new, never a mix. With `keepingAside`, the old file stays under that name (a hard link made
    /// before the rename: no copy, and no moment without `path`).
    func replaceAtomically(_ path: String, with bytes: [UInt8], keepingAside: String?) throws(IOError)
    func remove(_ path: String) throws(IOError)
    /// `rename(2)`, for keeping a damaged file aside.
    func rename(_ path: String, to newPath: String) throws(IOError)
    /// Cuts a file back to `length` bytes (a torn journal tail to its last whole record), synced.
    func truncate(_ path: String, to length: Int) throws(IOError)
    /// Cuts a segment that will not grow again back to `size`, the end of its records: the reserved zeros after
    /// them, and any space an older version reserved past the file's end, go back to the disk.
    func releaseReservation(_ path: String, size: Int)
    /// The names in a folder.
    func list(_ folder: String) throws(IOError) -> [String]
    /// A whole regular file; nil when it does not exist. Anything else at the path (a FIFO, a folder, a device) is an
    /// error: opened without blocking and checked before a byte is read, so a FIFO cannot hang the boot.
    func read(_ path: String) throws(IOError) -> [UInt8]?
    /// Bytes free on the file system that holds `folder`, nil when it cannot tell.
    func freeBytes(_ folder: String) -> Int?
}

struct IOError: Error, CustomStringConvertible {
    let description: String
    /// The errno, so that callers can tell a full disk (ENOSPC, EDQUOT) from other failures.
    let code: Int32

    init(_ call: String, _ path: String, errno code: Int32 = errno) {
        description = "\(call) \(path): \(String(cString: strerror(code)))"
        self.code = code
    }

    init(notRegular path: String) {
        description = "\(path) is not a regular file"
        code = EINVAL
    }

    var isNoSpace: Bool { code == ENOSPC || code == EDQUOT }
}

/// The real thing: POSIX calls, retried on EINTR, never on a failed sync (after one, the kernel may have dropped
/// the dirty pages, so a retry could report success for data that is gone).
struct POSIXFileLayer: FileLayer {
    func openSegment(_ path: String) throws(IOError) -> Int32 {
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o644)
        guard descriptor >= 0 else { throw IOError("open", path) }
        do throws(IOError) {
            try Self.requireRegular(descriptor, path)
            try syncFolder(of: path)
        } catch {
            Glibc.close(descriptor)
            throw error
        }
        return descriptor
    }

    func reserve(_ descriptor: Int32, offset: Int, length: Int) throws(IOError) {
        // Written, not `fallocate`d: allocated but unwritten extents still change metadata when first written.
        let zeros = [UInt8](repeating: 0, count: min(length, 1 << 16))
        var done = 0
        while done < length {
            let chunk = min(zeros.count, length - done)
            if let failure = Self.write(zeros, count: chunk, descriptor, at: offset + done) {
                throw IOError("write", "journal reservation", errno: failure)
            }
            done += chunk
        }
    }

    func write(_ bytes: [UInt8], to descriptor: Int32, at offset: Int) throws(IOError) {
        if let failure = Self.write(bytes, count: bytes.count, descriptor, at: offset) {
            throw IOError("write", "journal", errno: failure)
        }
    }

    /// `pwrite` of the first `count` bytes at `offset` (`-1`: `write` at the file's position), short writes and
    /// EINTR retried; the errno of a failure, or nil.
    private static func write(_ bytes: [UInt8], count: Int, _ descriptor: Int32, at offset: Int) -> Int32? {
        bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < count {
                let pointer = buffer.baseAddress! + done
                let written =
                    offset < 0
                    ? Glibc.write(descriptor, pointer, count - done)
                    : pwrite(descriptor, pointer, count - done, off_t(offset + done))
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += written
            }
            return nil
        }
    }

    func cut(_ descriptor: Int32, to length: Int) {
        _ = ftruncate(descriptor, off_t(length))
    }

    func sync(_ descriptor: Int32) throws(IOError) {
        guard fdatasync(descriptor) == 0 else { throw IOError("fdatasync", "journal") }
    }

    func close(_ descriptor: Int32) {
        Glibc.close(descriptor)
    }

    func replaceAtomically(_ path: String, with bytes: [UInt8], keepingAside: String?) throws(IOError) {
        let temporary = path + ".tmp"
        // A leftover from a crash, or a link someone put there, goes first; the new file is then ours alone.
        guard unlink(temporary) == 0 || errno == ENOENT else { throw IOError("unlink", temporary) }
        let descriptor = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw IOError("open", temporary) }
        do throws(IOError) {
            if let failure = Self.write(bytes, count: bytes.count, descriptor, at: -1) {
                throw IOError("write", temporary, errno: failure)
            }
            guard fsync(descriptor) == 0 else { throw IOError("fsync", temporary) }
        } catch {
            Glibc.close(descriptor)
            unlink(temporary)
            throw error
        }
        Glibc.close(descriptor)
        if let keepingAside {
            guard link(path, keepingAside) == 0 || errno == ENOENT else { throw IOError("link", keepingAside) }
        }
        guard Glibc.rename(temporary, path) == 0 else { throw IOError("rename", temporary) }
        try syncFolder(of: path)
    }

    func remove(_ path: String) throws(IOError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw IOError("unlink", path) }
    }

    func rename(_ path: String, to newPath: String) throws(IOError) {
        guard Glibc.rename(path, newPath) == 0 else { throw IOError("rename", path) }
        try syncFolder(of: path)
    }

    func truncate(_ path: String, to length: Int) throws(IOError) {
        let descriptor = Glibc.open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard descriptor >= 0 else { throw IOError("open", path) }
        defer { Glibc.close(descriptor) }
        try Self.requireRegular(descriptor, path)
        guard ftruncate(descriptor, off_t(length)) == 0 else { throw IOError("ftruncate", path) }
        guard fsync(descriptor) == 0 else { throw IOError("fsync", path) }
    }

    func freeBytes(_ folder: String) -> Int? {
        FileSpace.freeBytes(at: folder)
    }

    func releaseReservation(_ path: String, size: Int) {
        let descriptor = Glibc.open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard descriptor >= 0 else { return }
        defer { Glibc.close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0, Int(status.st_size) > size { _ = ftruncate(descriptor, off_t(size)) }
        _ = FileSpace.release(descriptor, from: size)
    }

    private static func requireRegular(_ descriptor: Int32, _ path: String) throws(IOError) {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw IOError("fstat", path) }
        // A folder says so in the words of `read(2)`, as it always did; anything else is "not a regular file".
        if status.st_mode & S_IFMT == S_IFDIR { throw IOError("read", path, errno: EISDIR) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw IOError(notRegular: path) }
    }

    func list(_ folder: String) throws(IOError) -> [String] {
        guard let directory = opendir(folder) else { throw IOError("opendir", folder) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    func read(_ path: String) throws(IOError) -> [UInt8]? {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw IOError("open", path)
        }
        defer { Glibc.close(descriptor) }
        try Self.requireRegular(descriptor, path)
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw IOError("read", path)
            }
            if count == 0 { return contents }
            contents += chunk[..<count]
        }
    }

    private func syncFolder(of path: String) throws(IOError) {
        let folder = PersistencePaths.folder(of: path)
        let descriptor = Glibc.open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw IOError("open", folder) }
        defer { Glibc.close(descriptor) }
        guard fsync(descriptor) == 0 else { throw IOError("fsync", folder) }
    }
}
