/// A cursor over protobuf wire-format bytes: keys, varints, fixed-width numbers and length-delimited runs, each read
/// bounds-checked, so a short or damaged body is an error and never a trap. A length-delimited field is read as a
/// reader over the same bytes (no copy), which the caller decodes in turn: the messages a push can hold nest to a
/// fixed depth, so nothing here or above it recurses.
struct ProtobufReader {
    /// How a field's value is encoded (the low three bits of its key).
    enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case startGroup = 3
        case endGroup = 4
        case fixed32 = 5
    }

    struct Key {
        let field: UInt64
        let wireType: WireType
    }

    private let bytes: [UInt8]
    private var position: Int
    private let end: Int

    init(_ bytes: [UInt8]) {
        self.init(bytes, from: 0, to: bytes.count)
    }

    private init(_ bytes: [UInt8], from start: Int, to end: Int) {
        self.bytes = bytes
        position = start
        self.end = end
    }

    var isAtEnd: Bool { position >= end }

    /// The next field's number and wire type. Groups (deprecated, and never in client_model) and the wire types 6
    /// and 7 (which do not exist) are refused, as is field number 0.
    mutating func key() throws(PushBodyError) -> Key {
        let raw = try varint()
        let field = raw >> 3
        guard field > 0 else { throw PushBodyError("protobuf: field number 0") }
        guard let wireType = WireType(rawValue: raw & 7) else {
            throw PushBodyError("protobuf: field \(field) has the unknown wire type \(raw & 7)")
        }
        guard wireType != .startGroup, wireType != .endGroup else {
            throw PushBodyError("protobuf: field \(field) is a group, which client_model never sends")
        }
        return Key(field: field, wireType: wireType)
    }

    /// A base-128 varint of at most ten bytes that fits 64 bits.
    mutating func varint() throws(PushBodyError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw PushBodyError("protobuf: truncated varint") }
            let byte = bytes[position]
            position += 1
            // The tenth byte holds only the 64th bit.
            guard shift < 63 || byte <= 1 else { throw PushBodyError("protobuf: varint longer than 64 bits") }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    /// A little-endian IEEE-754 double (wire type 1).
    mutating func double() throws(PushBodyError) -> Double {
        Double(bitPattern: try fixed64())
    }

    mutating func fixed64() throws(PushBodyError) -> UInt64 {
        guard end - position >= 8 else { throw PushBodyError("protobuf: truncated 64-bit value") }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
        position += 8
        return value
    }

    /// The bytes of a length-delimited field, as a reader of their own over the same storage.
    mutating func lengthDelimited() throws(PushBodyError) -> ProtobufReader {
        let length = try varint()
        guard length <= UInt64(end - position) else {
            throw PushBodyError("protobuf: truncated length-delimited field")
        }
        let start = position
        position += Int(length)
        return ProtobufReader(bytes, from: start, to: position)
    }

    /// The bytes of a length-delimited field, copied out (a name, a help text, a label).
    mutating func byteString() throws(PushBodyError) -> [UInt8] {
        let run = try lengthDelimited()
        return Array(run.bytes[run.position..<run.end])
    }

    /// Reads every field to the end of these bytes: `read` reads the value of a field it knows and says so; any
    /// other is skipped. How each message of a push is decoded.
    mutating func fields(_ read: (Key, inout ProtobufReader) throws(PushBodyError) -> Bool) throws(PushBodyError) {
        while !isAtEnd {
            let key = try self.key()
            if try !read(key, &self) { try skip(key.wireType) }
        }
    }

    /// Steps over the value of a field this reader's caller does not use, of any wire type there is.
    mutating func skip(_ wireType: WireType) throws(PushBodyError) {
        switch wireType {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed64()
        case .lengthDelimited: _ = try lengthDelimited()
        case .fixed32:
            guard end - position >= 4 else { throw PushBodyError("protobuf: truncated 32-bit value") }
            position += 4
        case .startGroup, .endGroup: throw PushBodyError("protobuf: a group, which client_model never sends")
        }
    }
}
