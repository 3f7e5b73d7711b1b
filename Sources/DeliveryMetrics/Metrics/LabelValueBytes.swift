/// Label values compare as their bytes, as Prometheus compares them. Swift's `==`, `<` and hashing on `String`
/// follow canonical equivalence instead, so `café` with U+00E9 and `café` with `e` and U+0301 would be one value,
/// and every comparison of label values goes through these.
extension String {
    /// Whether both hold the same UTF-8 bytes.
    func hasSameBytes(as other: String) -> Bool {
        utf8.count == other.utf8.count && utf8.elementsEqual(other.utf8)
    }

    /// Whether the bytes sort before `other`'s, as Go sorts strings.
    func bytesPrecede(_ other: String) -> Bool {
        utf8.lexicographicallyPrecedes(other.utf8)
    }
}
