import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking HTTP/1.1 client over a plain socket, for tests that need to control every byte: split writes,
/// pipelining, slow senders, half-read responses.
public final class RawHTTPClient {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    private let descriptor: Int32
    private var buffer: [UInt8] = []
    public private(set) var peerClosed = false

    public init(host: String = "127.0.0.1", port: Int, timeoutSeconds: Int = 10) throws {
        descriptor = try connectedSocket(host: host, port: port, timeoutSeconds: timeoutSeconds)
    }

    deinit {
        Glibc.close(descriptor)
    }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, 0) }
            guard written > 0 else { throw TestFailure("send failed: errno \(errno)") }
            offset += written
        }
    }

    /// Reads one response (`Content-Length` framed; interim 1xx responses are returned too). Nil when the peer
    /// closed before a whole response arrived.
    public func readResponse(isHead: Bool = false) throws -> Response? {
        while true {
            if let response = try takeResponse(isHead: isHead) { return response }
            guard try fill() else { return nil }
        }
    }

    /// Reads until the peer closes; returns what arrived after the last whole response.
    @discardableResult
    public func readUntilClosed() throws -> [UInt8] {
        while try fill() {}
        let rest = buffer
        buffer = []
        return rest
    }

    /// True when the peer closed (or reset) the connection within the socket timeout.
    public func waitForClose() -> Bool {
        (try? readUntilClosed()) != nil && peerClosed
    }

    /// Half-closes: the server sees end of stream, and can still answer.
    public func shutdownWrite() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
        if count == 0 || errno == ECONNRESET {
            peerClosed = true
            return false
        }
        throw TestFailure("recv failed or timed out: errno \(errno)")
    }

    private func takeResponse(isHead: Bool) throws -> Response? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = buffer.firstRange(of: separator) else { return nil }
        let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw TestFailure("bad status line in \(head)")
        }
        let headers = lines.map { line -> (name: String, value: String) in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length =
            (status < 200 || isHead)
            ? 0 : Int(headers.first { $0.name.lowercased() == "content-length" }?.value ?? "0")!
        let bodyStart = end.upperBound
        guard buffer.count - bodyStart >= length else { return nil }
        let body = Array(buffer[bodyStart..<bodyStart + length])
        buffer.removeSubrange(0..<bodyStart + length)
        return Response(status: status, headers: headers, body: body)
    }
}
