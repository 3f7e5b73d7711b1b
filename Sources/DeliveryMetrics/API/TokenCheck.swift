/// Compares a presented token with the expected one in time that does not depend on where they first differ.
enum TokenCheck {
    static func matches(_ presented: String?, expected: String) -> Bool {
        guard let presented, !expected.isEmpty else { return false }
        return withBytes(of: presented) { given in
            withBytes(of: expected) { wanted in
                var difference: UInt8 = given.count == wanted.count ? 0 : 1
                for index in 0..<wanted.count {
                    difference |= wanted[index] ^ (index < given.count ? given[index] : 0)
                }
                return difference == 0
            }
        }
    }
}
