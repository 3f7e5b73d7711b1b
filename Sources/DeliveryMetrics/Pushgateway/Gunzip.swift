import CZlib

/// Pushed bodies sent with `Content-Encoding: gzip`, inflated through zlib with a bound on what they become: a
/// small body can inflate a thousandfold, so the output stops at `limit` bytes and the push is refused, never held.
/// Members in sequence are read one after another, as Go's reader does.
enum Gunzip {
    static func decode(_ input: [UInt8], limit: Int) throws(PushBodyError) -> [UInt8] {
        var stream = z_stream()
        // 16 + 15: a gzip header and trailer around a deflate stream with the largest window.
        guard inflateInit2_(&stream, 16 + 15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw PushBodyError("gzip: zlib cannot start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var piece = [UInt8](repeating: 0, count: 64 << 10)
        var failure: PushBodyError?
        input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while true {
                let status = piece.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = piece.count - Int(stream.avail_out)
                guard output.count + produced <= limit else {
                    failure = PushBodyError("gzip: the body inflates to more than \(limit) bytes (--max-body-bytes)")
                    return
                }
                output.append(contentsOf: piece[..<produced])
                switch status {
                case Z_STREAM_END:
                    // Another member may follow; trailing zeros or nothing end the body.
                    guard stream.avail_in > 0 else { return }
                    guard inflateReset(&stream) == Z_OK else {
                        failure = PushBodyError("gzip: zlib cannot go on to the next member")
                        return
                    }
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    failure = PushBodyError("gzip: unexpected EOF")
                    return
                default:
                    failure = PushBodyError("gzip: invalid compressed body")
                    return
                }
            }
        }
        if let failure { throw failure }
        return output
    }
}
