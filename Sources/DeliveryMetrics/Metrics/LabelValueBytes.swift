/// Label values compare as their bytes, as Prometheus compares them. Swift's `==`, `<` and hashing on `String`
/// follow canonical equivalence instead, so `café` with U+00E9 and `café` with `e` and U+0301 would be one value,
/// and every comparison of label values goes through these.
extension String {
    /// Whether both hold the same UTF-8 bytes.
    func hasSameBytes(as other: String) -> Bool {
        utf8.count == other.utf8.count && compareBytes(other) == 0
    }

    /// Whether the bytes sort before `other`'s, as Go sorts strings.
    func bytesPrecede(_ other: String) -> Bool {
        compareBytes(other) < 0
    }

    /// Negative, zero or positive as the bytes sort before, equal or after `other`'s (as `memcmp`, then shorter
    /// first). Over the contiguous UTF-8 storage: sorting 40,000 series byte by byte through `UTF8View`'s indices
    /// took several times as long as `String`'s own `<`.
    func compareBytes(_ other: String) -> Int {
        withUTF8Bytes { mine in
            other.withUTF8Bytes { theirs in
                let common = Swift.min(mine.count, theirs.count)
                var index = 0
                while index < common {
                    if mine[index] != theirs[index] { return Int(mine[index]) - Int(theirs[index]) }
                    index += 1
                }
                return mine.count - theirs.count
            }
        }
    }

    private func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        withBytes(of: self, body)
    }
}

/// The UTF-8 bytes of `text` in place (native and small strings, which is every string on Linux), or of a copy made
/// so: how the service reads a String as bytes without allocating.
@inline(__always)
func withBytes<Result>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    var copy = text
    return copy.withUTF8(body)
}

/// Byte searches eight bytes at a time (SWAR: one 64-bit word holds eight bytes), for the scans of the request path:
/// the form, the access line's values, the target. `firstIndex` takes a word test, which marks the high bit of every
/// byte of the word it is after (the lowest marked byte is always a true one), and the same test for one byte, for
/// the tail; both must say the same of every byte.
enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The high bit of each byte of `word` equal to `byte` (exact for the lowest such byte).
    @inline(__always)
    static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let difference = word ^ (UInt64(byte) &* ones)
        return (difference &- ones) & ~difference & highBits
    }

    /// The high bit of each byte of `word` below `bound`, at most 128 (exact for the lowest such byte).
    @inline(__always)
    static func below(_ word: UInt64, _ bound: UInt8) -> UInt64 {
        (word &- UInt64(bound) &* ones) & ~word & highBits
    }

    /// The high bit of each byte of `word` from 0x80 up.
    @inline(__always)
    static func nonASCII(_ word: UInt64) -> UInt64 {
        word & highBits
    }

    /// The position of the first byte of `bytes` from `start` on that `byte` holds for (and `word` marks), or nil.
    @inline(__always)
    static func firstIndex(
        in bytes: UnsafeBufferPointer<UInt8>,
        from start: Int = 0,
        word: (UInt64) -> UInt64,
        byte: (UInt8) -> Bool
    ) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var index = start
        while index + 8 <= bytes.count {
            let marks = word(UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)))
            if marks != 0 { return index + marks.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < bytes.count {
            if byte(bytes[index]) { return index }
            index += 1
        }
        return nil
    }
}
