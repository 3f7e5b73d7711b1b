import Testing

@testable import DeliveryMetrics

/// The hash behind the status page's `Content-Security-Policy`, against FIPS 180-4's examples.
@Suite("SHA-256 and base64")
struct SHA256Tests {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        // 64 bytes: the padding takes a block of its own.
        (String(repeating: "a", count: 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
    ])
    func hashesTheStandardsExamples(message: String, digest: String) {
        #expect(hex(SHA256.digest(Array(message.utf8))) == digest)
    }

    /// A thousand blocks (the digest from Python's hashlib; FIPS 180-4's million `a`s took 40 s under ASan).
    @Test func hashesManyBlocks() {
        let digest = SHA256.digest([UInt8](repeating: UInt8(ascii: "a"), count: 64_000))
        #expect(hex(digest) == "b79a5f9da7504a0ca606f2b54a81d5e28a8c924df8974416f320501652dcd6be")
    }

    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")])
    func encodesBase64AsRFC4648Says(input: String, output: String) {
        #expect(Base64.encode(Array(input.utf8)) == output)
        #expect(Base64.decode(Array(output.utf8), alphabet: .standard) == Array(input.utf8))
    }
}
