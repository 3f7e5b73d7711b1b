/// Reads the first response in bytes received from the server, for tests that take them off a raw socket.
enum HTTPResponseHead {
    /// The status of the response `bytes` start with, once its head is complete; nil before that or when the bytes
    /// are not a response.
    static func status(in bytes: [UInt8]) -> Int? {
        guard let end = headEnd(in: bytes) else { return nil }
        return status(line: bytes[..<end])
    }

    /// The status, once the first response and the body its `Content-Length` announces are all in `bytes`.
    static func completeStatus(in bytes: [UInt8]) -> Int? {
        guard let end = headEnd(in: bytes), let status = status(line: bytes[..<end]) else { return nil }
        let head = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
        let length = head.firstMatch(of: /\r\ncontent-length: *(\d+)/).flatMap { Int($0.1) } ?? 0
        return bytes.count >= end + 4 + length ? status : nil
    }

    private static func headEnd(in bytes: [UInt8]) -> Int? {
        bytes.firstRange(of: Array("\r\n\r\n".utf8))?.lowerBound
    }

    private static func status(line head: ArraySlice<UInt8>) -> Int? {
        let prefix = Array("HTTP/1.1 ".utf8)
        guard head.starts(with: prefix), head.count >= prefix.count + 3 else { return nil }
        let digits = head.dropFirst(prefix.count).prefix(3)
        return Int(String(decoding: digits, as: UTF8.self))
    }
}
