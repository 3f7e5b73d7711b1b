import CZlib
import Glibc

/// The persistence files' format since version 2, for journal segments and snapshots alike: a header with a format
/// version and a random file id, then frames that each carry the file id and a sequence number besides their length
/// and CRC-32. A length and a checksum alone cannot tell a record from bytes that look like one (a pushed label or
/// HELP text may hold a frame), so after damage the reader resynchronises only where the file id, a sequence number
/// above the last good one and the checksum all match: one bad record costs only itself.
///
/// Files without the header are version 1 (`RecordFraming`), still read; a newer version stops the start.
enum Frames {
    static let magic = Array("DMSTATE\n".utf8)
    static let version: UInt32 = 2
    /// Magic, version, file id, CRC-32 of the three.
    static let headerSize = 24
    /// Length, file id, sequence number, CRC-32 of those and the payload.
    static let frameHeaderSize = 24

    /// A new file's id: random, so frames of one file never pass for another's.
    static func newFileID() -> UInt64 {
        UInt64.random(in: 1...UInt64.max)
    }

    static func header(fileID: UInt64) -> [UInt8] {
        var bytes = magic
        PayloadWriter.put32(version, &bytes)
        PayloadWriter.put(fileID, &bytes)
        PayloadWriter.put32(checksum(bytes[...]), &bytes)
        return bytes
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
    }

    /// What a file's first bytes say about its format.
    enum Format: Equatable {
        /// No header: version 1, read as `RecordFraming` reads it.
        case legacy
        case current(fileID: UInt64)
        /// Written by a later version of the service, which this one cannot read safely.
        case newer(UInt32)
    }

    /// One damaged byte in the header must not cost the file: with a checksum that fails, the id is taken from
    /// whichever candidate (the header's, or the one the first frame carries) reads more records, and only an intact
    /// header can say the file is of a newer version.
    static func format(of bytes: [UInt8]) -> Format {
        guard bytes.count >= headerSize else { return .legacy }
        let headerIntact = bytes.starts(with: magic) && checksum(bytes[..<20]) == PayloadReader.uint32(bytes, at: 20)
        if headerIntact {
            let version = PayloadReader.uint32(bytes, at: magic.count)
            if version > Self.version { return .newer(version) }
            return .current(fileID: PayloadReader.uint64(bytes, at: magic.count + 4))
        }
        let headerID = PayloadReader.uint64(bytes, at: magic.count + 4)
        let frameID = bytes.count >= headerSize + frameHeaderSize ? PayloadReader.uint64(bytes, at: headerSize + 4) : 0
        let candidates = [headerID, frameID].filter { $0 != 0 }
        let best = candidates.max {
            FrameReader.read(bytes, fileID: $0).payloads.count
                < FrameReader.read(bytes, fileID: $1).payloads.count
        }
        if let best, !FrameReader.read(bytes, fileID: best).payloads.isEmpty { return .current(fileID: best) }
        return bytes.starts(with: magic) ? .current(fileID: headerID) : .legacy
    }
}

/// Frames records for one file: its id and the next sequence number.
struct FrameWriter {
    let fileID: UInt64
    private(set) var nextSequence: UInt64 = 1

    init(fileID: UInt64 = Frames.newFileID()) {
        self.fileID = fileID
    }

    var header: [UInt8] { Frames.header(fileID: fileID) }

    /// Appends `record` as one frame; returns the bytes it took.
    @discardableResult
    mutating func append(_ record: WriteRecord, to buffer: inout [UInt8]) -> Int {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: Frames.frameHeaderSize))
        record.writePayload(into: &buffer)
        let length = buffer.count - start - Frames.frameHeaderSize
        let fileID = fileID
        let sequence = nextSequence
        // The frame's header written in place over the zeros (no array of its own per record): length, file id and
        // sequence, then the CRC-32 of those 20 bytes and the payload.
        buffer.withUnsafeMutableBytes { all in
            let head = all.baseAddress! + start
            head.storeBytes(of: UInt32(length).littleEndian, toByteOffset: 0, as: UInt32.self)
            head.storeBytes(of: fileID.littleEndian, toByteOffset: 4, as: UInt64.self)
            head.storeBytes(of: sequence.littleEndian, toByteOffset: 12, as: UInt64.self)
            let bytes = head.assumingMemoryBound(to: UInt8.self)
            let partial = crc32(0, bytes, 20)
            let checksum = UInt32(crc32(partial, bytes + Frames.frameHeaderSize, UInt32(length)))
            head.storeBytes(of: checksum.littleEndian, toByteOffset: 20, as: UInt32.self)
        }
        nextSequence += 1
        return buffer.count - start
    }
}

/// Reads a version 2 file: every intact frame, resynchronising after damage, and where the damage was.
struct FrameReader {
    struct Damage: Equatable {
        let offset: Int
        let bytes: Int
    }

    struct Result {
        var payloads: [ArraySlice<UInt8>] = []
        /// Damaged stretches followed by good frames: those frames were kept.
        var damage: [Damage] = []
        /// Where a torn or corrupt tail begins (nothing good after it); nil when the file ends cleanly.
        var tailOffset: Int?
        /// Where the zeros of a segment's reserved space begin, after its last record: a clean end, not damage.
        var zerosOffset: Int?
        var fileSize = 0
    }

    static func read(_ bytes: [UInt8], fileID: UInt64) -> Result {
        var result = Result(fileSize: bytes.count)
        var position = Frames.headerSize
        var lastSequence: UInt64 = 0
        var damageStart: Int?
        while position < bytes.count {
            if let (payload, sequence) = frame(at: position, in: bytes, fileID: fileID, after: lastSequence) {
                if let start = damageStart {
                    result.damage.append(Damage(offset: start, bytes: position - start))
                    damageStart = nil
                }
                result.payloads.append(payload)
                lastSequence = sequence
                position = payload.endIndex
                continue
            }
            if damageStart == nil {
                // Reserved space not written yet (`FileLayer.reserve`): the records end here, cleanly.
                if bytes[position...].allSatisfy({ $0 == 0 }) {
                    result.zerosOffset = position
                    break
                }
                damageStart = position
            }
            // The next place the file id appears is the only place a frame can start; each byte is looked at a
            // bounded number of times, so the scan stays linear.
            guard let next = nextCandidate(after: position, in: bytes, fileID: fileID) else { break }
            position = next
        }
        if let start = damageStart { result.tailOffset = start }
        return result
    }

    private static func frame(
        at position: Int,
        in bytes: [UInt8],
        fileID: UInt64,
        after lastSequence: UInt64
    ) -> (ArraySlice<UInt8>, UInt64)? {
        guard bytes.count - position >= Frames.frameHeaderSize else { return nil }
        let length = Int(PayloadReader.uint32(bytes, at: position))
        guard length > 0, length <= RecordFraming.maxPayload, PayloadReader.uint64(bytes, at: position + 4) == fileID
        else { return nil }
        let sequence = PayloadReader.uint64(bytes, at: position + 12)
        let start = position + Frames.frameHeaderSize
        guard sequence > lastSequence, bytes.count - start >= length else { return nil }
        let stored = PayloadReader.uint32(bytes, at: position + 20)
        let actual = bytes.withUnsafeBufferPointer { all in
            let partial = crc32(0, all.baseAddress! + position, 20)
            return UInt32(crc32(partial, all.baseAddress! + start, UInt32(length)))
        }
        guard actual == stored else { return nil }
        return (bytes[start..<start + length], sequence)
    }

    /// The next frame start after `position` whose file-id field matches, or nil.
    private static func nextCandidate(after position: Int, in bytes: [UInt8], fileID: UInt64) -> Int? {
        let first = UInt8(truncatingIfNeeded: fileID)
        var index = position + 1 + 4
        while index + 8 <= bytes.count {
            if bytes[index] == first, PayloadReader.uint64(bytes, at: index) == fileID { return index - 4 }
            index += 1
        }
        return nil
    }
}
