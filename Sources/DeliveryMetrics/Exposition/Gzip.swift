import CZlib
import Loop

/// gzip (RFC 1952) through zlib, for scrapes that send `Accept-Encoding: gzip`.
enum Gzip {
    /// One family's rendering as raw deflate blocks that end on a byte boundary with a full flush, so they depend on
    /// nothing before them and need nothing after: chunks made apart concatenate into one deflate stream. With the
    /// CRC-32 and size of their input, for the stream's trailer.
    struct Chunk {
        /// Shared, so every scrape that sends this chunk sends the same bytes without a copy.
        let blocks: SharedBytes
        let checksum: UInt32
        let size: Int

        init?(_ input: [UInt8], level: Int32 = 1) {
            var stream = z_stream()
            // Negative window bits: raw deflate, no header or trailer of its own.
            let status = deflateInit2_(
                &stream,
                level,
                Z_DEFLATED,
                -15,
                8,
                Z_DEFAULT_STRATEGY,
                zlibVersion(),
                Int32(MemoryLayout<z_stream>.size)
            )
            guard status == Z_OK else { return nil }
            defer { deflateEnd(&stream) }
            var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 16)
            let result = input.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { destination in
                    stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                    stream.avail_in = UInt32(source.count)
                    stream.next_out = destination.baseAddress
                    stream.avail_out = UInt32(destination.count)
                    return deflate(&stream, Z_FULL_FLUSH)
                }
            }
            guard result == Z_OK, stream.avail_in == 0 else { return nil }
            blocks = SharedBytes(output[..<Int(stream.total_out)])
            checksum = input.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
            size = input.count
        }
    }

    /// One gzip member (what curl, browsers and Go all read) from chunks compressed apart: the header, the chunks'
    /// blocks, an empty final block, then the CRC-32 of the whole input (combined from the chunks') and its size.
    /// As pieces to send in order: the chunks' blocks are the cached ones themselves.
    static func pieces(_ chunks: [Chunk]) -> [SharedBytes] {
        var pieces = [header]
        pieces.reserveCapacity(chunks.count + 2)
        var checksum: UInt = 0
        var size = 0
        for chunk in chunks {
            pieces.append(chunk.blocks)
            checksum = crc32_combine(checksum, UInt(chunk.checksum), off_t(chunk.size))
            size += chunk.size
        }
        // BFINAL=1, BTYPE=01 (fixed Huffman), end of block: the empty last block.
        var trailer: [UInt8] = [0x03, 0x00]
        for value in [UInt32(truncatingIfNeeded: checksum), UInt32(truncatingIfNeeded: size)] {
            for shift in stride(from: 0, to: 32, by: 8) { trailer.append(UInt8(truncatingIfNeeded: value >> shift)) }
        }
        pieces.append(SharedBytes(trailer))
        return pieces
    }

    /// The same member in one array.
    static func stream(_ chunks: [Chunk]) -> [UInt8] {
        pieces(chunks).reduce(into: []) { $0 += $1.bytes }
    }

    private static let header = SharedBytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF])
}
