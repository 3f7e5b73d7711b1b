import Loop

/// Compares a presented token with the expected one in time that does not depend on where they first differ.
enum TokenCheck {
    /// The `header` field of `head`, over its bytes as the head holds them: no string made, no span retained.
    static func matches(_ header: KnownHeader, of head: RequestHead, expected: String) -> Bool {
        head.withField(header) { presented in
            guard let presented else { return false }
            return matches(presented, expected: expected)
        }
    }

    /// `given` against `expected`, over bytes already read out of a field (a Basic password, say).
    static func matches(_ given: [UInt8], expected: String) -> Bool {
        given.withUnsafeBufferPointer { matches($0, expected: expected) }
    }

    private static func matches(_ given: UnsafeBufferPointer<UInt8>, expected: String) -> Bool {
        guard !expected.isEmpty else { return false }
        return withBytes(of: expected) { wanted in
            var difference: UInt8 = given.count == wanted.count ? 0 : 1
            for index in 0..<wanted.count {
                difference |= wanted[index] ^ (index < given.count ? given[index] : 0)
            }
            return difference == 0
        }
    }
}
