import Glibc

/// The folder the state lives in, as boot finds it.
enum StateFolder {
    /// `PATH` may be a link to a regular file (volume layouts make one): the state, its journal and its lock then
    /// live beside the target, so the snapshot's rename replaces the file, not the link.
    static func resolvingLink(_ path: String) -> String {
        var status = stat()
        guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else { return path }
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        // The link's target does not exist yet (a volume's first boot): its own text names where the state goes.
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length > 0 else { return path }
        let target = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.hasPrefix("/") ? target : PersistencePaths.folder(of: path) + "/" + target
    }

    /// Creates the state folder when it is missing (its parent must exist).
    static func make(_ folder: String) throws(IOError) {
        var status = stat()
        if stat(folder, &status) == 0 { return }
        guard errno == ENOENT, mkdir(folder, 0o755) == 0 else { throw IOError("mkdir", folder) }
    }
}
