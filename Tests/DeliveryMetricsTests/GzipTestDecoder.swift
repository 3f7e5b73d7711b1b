import CZlib

/// Inflates one gzip member and nothing after it, as curl and browsers do (they stop after the first member), to
/// check what the service compressed.
enum GzipTestDecoder {
    struct Failure: Error {}

    static func decompress(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure()
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        try input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { destination in
                    stream.next_out = destination.baseAddress
                    stream.avail_out = UInt32(destination.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, destination.count - Int(stream.avail_out))
                }
                output += chunk[..<produced]
                switch status {
                case Z_STREAM_END:
                    // A second member, or anything else after the first, would be lost on curl and browsers.
                    guard stream.avail_in == 0 else { throw Failure() }
                    return
                case Z_OK:
                    continue
                default:
                    throw Failure()
                }
            }
        }
        return output
    }
}
