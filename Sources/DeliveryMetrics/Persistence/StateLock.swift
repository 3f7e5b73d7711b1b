import Glibc

/// One process owns a state folder: an exclusive `flock` on `PATH.lock`, taken before anything beside `PATH` is read,
/// changed or removed, and held for the process's life. The file holds the owner's pid, for the message a second
/// process prints; it is created once and never deleted (deleting it would let a third process lock a new file
/// while the first still holds the old one).
final class StateLock {
    private let descriptor: Int32

    /// Takes the lock or says who holds it.
    init(statePath: String) throws(Persistence.Unusable) {
        let path = statePath + ".lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o644)
        guard descriptor >= 0 else {
            throw Persistence.Unusable(description: "persistence lock \(path) cannot be opened: \(Self.reason())")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw Persistence.Unusable(description: "persistence lock \(path) is not a regular file")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let owner = Self.owner(descriptor)
            close(descriptor)
            if code == EWOULDBLOCK {
                throw Persistence.Unusable(
                    description: "persistence file \(statePath) is in use by another process "
                        + "(pid \(owner ?? "unknown"), lock \(path)); one process owns a state folder"
                )
            }
            throw Persistence.Unusable(description: "persistence lock \(path) cannot be taken: \(Self.reason(code))")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.descriptor = descriptor
    }

    /// Closing the descriptor releases the lock (at exit the kernel does the same).
    func release() {
        close(descriptor)
    }

    private static func owner(_ descriptor: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let digits = buffer[..<count].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return digits.isEmpty ? nil : String(decoding: digits, as: UTF8.self)
    }

    private static func reason(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}
