import Glibc

/// Reads the file a `<VARIABLE>_FILE` variable names (a Kubernetes secret volume, a Vault agent's output), once at
/// boot. Only a regular file of token size: a FIFO or a device could block the boot or never end.
enum TokenFile {
    /// Far above any token; a larger file is the wrong file.
    static let maxBytes = 4096

    /// Why the file gave no bytes, without its content.
    struct Unreadable: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ path: String) throws(Unreadable) -> [UInt8] {
        // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else { throw Unreadable(description: "cannot open it: \(reason(errno))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw Unreadable(description: "cannot stat it: \(reason(errno))")
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw Unreadable(description: "it is a folder; name the file in it that holds the token")
        default: throw Unreadable(description: "it is not a regular file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: maxBytes + 1)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Unreadable(description: "cannot read it: \(reason(errno))")
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            guard bytes.count <= maxBytes else {
                throw Unreadable(description: "it is larger than \(maxBytes) bytes, too large for a token")
            }
        }
    }

    private static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
