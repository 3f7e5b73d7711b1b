import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Reading back what a copy answered and logged, for the second round of hostile input: answers split from the
/// bytes, reads bounded in time, and the copy's memory, exit and log seen from outside.
extension HostileInputClients {
    // MARK: - Answers

    struct Answer: Sendable {
        var status: Int
        /// The head as sent: the status line and the fields, without the empty line.
        var head: String
        var body: [UInt8]

        func header(_ name: String) -> String? {
            let prefix = name.lowercased() + ":"
            for line in head.components(separatedBy: "\r\n").dropFirst() where line.lowercased().hasPrefix(prefix) {
                return line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            }
            return nil
        }
    }

    /// The whole answers at the start of `bytes`, in order, framed by their `Content-Length` (none here is a HEAD's).
    static func answers(in bytes: [UInt8]) -> [Answer] {
        let separator = Array("\r\n\r\n".utf8)
        var answers: [Answer] = []
        var start = 0
        while let end = bytes[start...].firstRange(of: separator) {
            let head = String(decoding: bytes[start..<end.lowerBound], as: UTF8.self)
            guard head.hasPrefix("HTTP/1.1 "), let status = Int(head.dropFirst(9).prefix(3)) else { break }
            var answer = Answer(status: status, head: head, body: [])
            let length = answer.header("Content-Length").flatMap { Int($0) } ?? 0
            guard bytes.count >= end.upperBound + length else { break }
            answer.body = Array(bytes[end.upperBound..<end.upperBound + length])
            answers.append(answer)
            start = end.upperBound + length
        }
        return answers
    }

    /// How a connection ended, as the client saw it: a reset can destroy answers the client has not read yet.
    enum Ending: String, Sendable {
        case closed
        case reset
        case timedOut
    }

    /// Reads until the server ends the connection or `seconds` pass, telling an orderly close from a reset (which
    /// `LoopbackSocket.receive` does not).
    static func readToEnd(_ socket: LoopbackSocket, within seconds: Double) -> (bytes: [UInt8], ending: Ending) {
        let deadline = Date().addingTimeInterval(seconds)
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline {
            let count = chunk.withUnsafeMutableBytes { recv(socket.descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                collected += chunk[..<count]
                continue
            }
            if count == 0 { return (collected, .closed) }
            switch errno {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                let left = deadline.timeIntervalSinceNow
                _ = socket.wait(for: Int16(POLLIN), milliseconds: Int32(min(max(left, 0), 0.05) * 1000) + 1)
            default:
                return (collected, .reset)
            }
        }
        return (collected, .timedOut)
    }

    /// Reads until `count` whole answers are in, the server closes, or `seconds` pass; returns the answers that came.
    static func readAnswers(_ socket: LoopbackSocket, count: Int, within seconds: Double) -> [Answer] {
        let deadline = Date().addingTimeInterval(seconds)
        var collected: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while answers(in: collected).count < count, Date() < deadline {
            switch chunk.withUnsafeMutableBytes({ socket.receive(into: $0) }) {
            case .bytes(let received):
                collected += chunk[..<received]
            case .closed:
                return answers(in: collected)
            case .wouldBlock:
                _ = socket.wait(for: Int16(POLLIN), milliseconds: 50)
            }
        }
        return answers(in: collected)
    }

    /// One connection that sends `GET /-/healthy` with a 1 MiB `Content-Length` body, then with a 1 MiB chunked
    /// body, then without a body, and reads the three answers: a body the server throws away must leave the
    /// connection usable.
    static func bodiesThenAnotherRequest(port: Int) throws -> [Int] {
        let socket = try LoopbackSocket(port: port)
        let mebibyte = 1 << 20
        let withLength = Array("GET /-/healthy HTTP/1.1\r\nHost: x\r\nContent-Length: \(mebibyte)\r\n\r\n".utf8)
        let chunked = Array("GET /-/healthy HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        try socket.send(withLength + filler(mebibyte), within: 10)
        try socket.send(chunked + chunkedBody(chunks: 1024, size: 1024), within: 10)
        try socket.send(HostileClients.healthyRequest)
        return readAnswers(socket, count: 3, within: 10).map(\.status)
    }

    /// The status page as a client naming `host` in its `Host` field gets it.
    static func statusPage(port: Int, host: String) throws -> RawHTTPClient.Response {
        let client = try RawHTTPClient(port: port, timeoutSeconds: 10)
        try client.send("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n")
        guard let response = try client.readResponse() else { throw TestFailure("GET / was not answered") }
        return response
    }

    /// The size of `/metrics` uncompressed; the scrape also fills the server's render cache.
    static func expositionBytes(port: Int) throws -> Int {
        let client = try RawHTTPClient(port: port, timeoutSeconds: 10)
        try client.send(scrapeRequest)
        guard let response = try client.readResponse(), response.status == 200 else {
            throw TestFailure("GET /metrics did not answer 200")
        }
        return response.body.count
    }

    // MARK: - The copy from outside

    /// The highest resident memory seen over `seconds`, sampled every 50 ms: what the copy holds while its clients
    /// hold their connections, whatever moment a single sample would fall on.
    static func peakResident(of pid: Int32, over seconds: Double) throws -> Int {
        var peak = 0
        for _ in 0..<max(1, Int(seconds / 0.05)) {
            let resident = try ProcessFigures.residentBytes(of: pid)
            peak = max(peak, resident)
            Thread.sleep(forTimeInterval: 0.05)
        }
        return peak
    }

    /// Waits up to `seconds` for the copy to exit; false when it is still running.
    static func waitForExit(_ copy: ServedCopy, within seconds: Double) -> Bool {
        for _ in 0..<Int(seconds / 0.02) where copy.process.isRunning {
            Thread.sleep(forTimeInterval: 0.02)
        }
        return !copy.process.isRunning
    }

    /// SIGTERM, then the whole log once the copy has exited (or, past `seconds`, been killed: reading the log of a
    /// running copy would wait for ever). Whether it exited by itself, and its log.
    static func stopAndReadLog(_ copy: ServedCopy, within seconds: Double = 15) -> (exited: Bool, log: String) {
        kill(copy.process.processIdentifier, SIGTERM)
        let exited = waitForExit(copy, within: seconds)
        if !exited { copy.kill() }
        return (exited, copy.readRestOfLog())
    }

    /// The log's lines, split on the byte `\n` (a JSON line never holds one raw), each with its JSON object, or nil
    /// where it does not parse as one.
    static func jsonLines(_ log: String) -> [(line: String, object: [String: Any]?)] {
        log.utf8.split(separator: UInt8(ascii: "\n")).map { bytes in
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            return (line: String(decoding: bytes, as: UTF8.self), object: object)
        }
    }
}
