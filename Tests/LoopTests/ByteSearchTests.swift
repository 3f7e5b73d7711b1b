import TestSupport
import Testing

@testable import Loop

/// The parser's word-at-a-time and `memchr` searches against the byte-by-byte rule each stands for, over bytes
/// chosen to sit at every position of a word: tabs (allowed, though below a space), other controls, DEL, obs-text.
@Suite("Byte searches")
struct ByteSearchTests {
    private static let alphabet: [UInt8] = [0x09, 0x0A, 0x0D, 0x00, 0x1F, 0x20, 0x41, 0x7E, 0x7F, 0x80, 0xFF, 0x3A]

    /// Every string of `length` bytes drawn from a few of the alphabet's, deterministically.
    private static func samples(length: Int) -> [[UInt8]] {
        var generator = SplitMix64(seed: UInt64(length))
        return (0..<400).map { _ in
            (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
        }
    }

    @Test(arguments: [1, 7, 8, 9, 15, 16, 17, 33])
    func firstInvalidFieldValueByteIsTheFirstByteNotAllowed(length: Int) {
        for bytes in Self.samples(length: length) {
            for from in [0, min(1, bytes.count), bytes.count / 2] {
                let found = bytes.withUnsafeBufferPointer {
                    HTTPSyntax.firstInvalidFieldValueByte($0, from: from, to: bytes.count)
                }
                let wanted = bytes[from...].firstIndex { !HTTPSyntax.isFieldValueByte($0) } ?? bytes.count
                #expect(found == wanted, "\(bytes) from \(from)")
            }
        }
    }

    @Test(arguments: [0, 1, 15, 16, 31, 32, 33, 100])
    func firstByteIsTheFirstOccurrence(length: Int) {
        for bytes in Self.samples(length: length) {
            for from in [0, min(3, bytes.count)] {
                let found = bytes.withUnsafeBufferPointer {
                    HTTPSyntax.firstByte(0x0A, $0, from: from, to: bytes.count)
                }
                #expect(found == (bytes[from...].firstIndex(of: 0x0A) ?? bytes.count))
            }
        }
    }
}
