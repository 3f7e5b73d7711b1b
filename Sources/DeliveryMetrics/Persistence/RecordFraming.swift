import CZlib

/// The frame around every record of the journal and the snapshot: a 4-byte little-endian payload length, the
/// payload's CRC-32 (zlib's), then the payload. A torn write leaves a frame too short for its length; a flipped bit
/// fails the checksum. Either way reading stops there, and everything before is kept.
enum RecordFraming {
    static let headerSize = 8
    /// No record comes near this; a larger length is corruption, not a record to allocate for.
    static let maxPayload = 1 << 24

    /// Appends a frame whose payload `writePayload` appends; the header is filled in afterwards, without copying.
    static func append(to buffer: inout [UInt8], _ writePayload: (inout [UInt8]) -> Void) {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: headerSize))
        writePayload(&buffer)
        let length = buffer.count - start - headerSize
        let checksum = buffer.withUnsafeBufferPointer { bytes in
            UInt32(crc32(0, bytes.baseAddress! + start + headerSize, UInt32(length)))
        }
        put(UInt32(length), at: start, in: &buffer)
        put(checksum, at: start + 4, in: &buffer)
    }

    /// The payloads of `bytes` in order, and where the intact part ends (`validLength < bytes.count` means a torn or
    /// corrupt tail from there on).
    static func payloads(of bytes: [UInt8]) -> (payloads: [ArraySlice<UInt8>], validLength: Int) {
        var payloads: [ArraySlice<UInt8>] = []
        var position = 0
        while bytes.count - position >= headerSize {
            let length = Int(read(at: position, in: bytes))
            let checksum = read(at: position + 4, in: bytes)
            let start = position + headerSize
            // No record is empty: a zero length is a zero-filled tail (a torn write on some file systems).
            guard length > 0, length <= maxPayload, bytes.count - start >= length else { break }
            let actual = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress! + start, UInt32(length))) }
            guard actual == checksum else { break }
            payloads.append(bytes[start..<start + length])
            position = start + length
        }
        return (payloads, position)
    }

    private static func put(_ value: UInt32, at offset: Int, in buffer: inout [UInt8]) {
        for index in 0..<4 { buffer[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
    }

    private static func read(at offset: Int, in bytes: [UInt8]) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}

/// Little-endian fields of a record payload.
struct PayloadWriter {
    static func put(_ value: UInt8, _ buffer: inout [UInt8]) { buffer.append(value) }

    /// Little-endian, appended at once (byte by byte, each append checked capacity and uniqueness again).
    static func put(_ value: UInt64, _ buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    static func put(_ value: Double, _ buffer: inout [UInt8]) { put(value.bitPattern, &buffer) }

    static func put32(_ value: UInt32, _ buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    /// A string of at most 65,535 bytes (longer ones are cut; no label or metric name comes near), copied from its
    /// UTF-8 storage in one append.
    static func put(_ value: String, _ buffer: inout [UInt8]) {
        withBytes(of: value) { bytes in
            let count = min(bytes.count, Int(UInt16.max))
            withUnsafeBytes(of: UInt16(count).littleEndian) { buffer.append(contentsOf: $0) }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<count]))
        }
    }
}

extension PayloadWriter {
    /// Bytes of any length up to 4 GiB, after their length: what may exceed a string's 65,535 (pushed label values,
    /// help, a push's families).
    static func put(bytes value: [UInt8], _ buffer: inout [UInt8]) {
        put32(UInt32(value.count), &buffer)
        buffer += value
    }
}

/// Reads what `PayloadWriter` wrote; every read checks the bounds and fails rather than trap on a short payload.
struct PayloadReader {
    struct Short: Error {}

    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    var isAtEnd: Bool { position == bytes.endIndex }

    /// A little-endian field at a known offset of a buffer the caller has bounds-checked.
    static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    static func uint64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }

    mutating func byte() throws(Short) -> UInt8 {
        guard position < bytes.endIndex else { throw Short() }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func uint64() throws(Short) -> UInt64 {
        guard bytes.endIndex - position >= 8 else { throw Short() }
        defer { position += 8 }
        return (0..<8).reduce(0) { $0 | UInt64(bytes[position + $1]) << (8 * UInt64($1)) }
    }

    mutating func double() throws(Short) -> Double { Double(bitPattern: try uint64()) }

    mutating func prefixedBytes() throws(Short) -> [UInt8] {
        var length = 0
        for shift in 0..<4 { length |= Int(try byte()) << (8 * shift) }
        guard bytes.endIndex - position >= length else { throw Short() }
        defer { position += length }
        return Array(bytes[position..<position + length])
    }

    mutating func string() throws(Short) -> String {
        let length = Int(try byte()) | Int(try byte()) << 8
        guard bytes.endIndex - position >= length else { throw Short() }
        defer { position += length }
        return String(decoding: bytes[position..<position + length], as: UTF8.self)
    }
}
