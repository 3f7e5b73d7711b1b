import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Clients of the robustness suite that pipeline without reading, or read late.
extension HostileClients {
    // MARK: - Pipelining without reading

    struct Hogs {
        var sockets: [LoopbackSocket]
        /// Whole requests written before the server stopped taking more.
        var requestsSent: Int
        /// Whether the writes stopped (for `quietSeconds` in a row, or because the server closed every hog) before
        /// the limit.
        var stalled: Bool
        /// Hogs the server closed (its idle timeout ends a client that does not read).
        var closedByServer: Int
        var seconds: Double
    }

    /// `count` connections that pipeline `GET /metrics` (about 60 KiB answered each) as fast as the kernel takes
    /// them and never read, until none could write for `quietSeconds`: the server has stopped reading them. The
    /// connections stay open for the caller.
    static func hogs(port: Int, count: Int, quietSeconds: Double, limit: Double = 20) throws -> Hogs {
        let request = Array("GET /metrics HTTP/1.1\r\nHost: hog\r\n\r\n".utf8)
        let batch = Array([[UInt8]](repeating: request, count: 1000).joined())
        let sockets = try holdIdle(port: port, count: count)
        var offsets = [Int](repeating: 0, count: count)
        var closed = [Bool](repeating: false, count: count)
        var written = 0
        let start = Date()
        var lastProgress = start
        while Date().timeIntervalSince(lastProgress) < quietSeconds, closed.contains(false) {
            guard Date().timeIntervalSince(start) < limit else { break }
            for index in 0..<count where !closed[index] {
                guard let sent = batch[offsets[index]...].withUnsafeBytes({ sockets[index].trySend($0) }) else {
                    closed[index] = true
                    continue
                }
                if sent > 0 { lastProgress = Date() }
                written += sent
                offsets[index] = (offsets[index] + sent) % batch.count
            }
            var entries = sockets.map { pollfd(fd: $0.descriptor, events: Int16(POLLOUT), revents: 0) }
            _ = poll(&entries, nfds_t(entries.count), 20)
        }
        let seconds = Date().timeIntervalSince(start)
        return Hogs(
            sockets: sockets,
            requestsSent: written / request.count,
            stalled: seconds < limit,
            closedByServer: closed.filter { $0 }.count,
            seconds: seconds
        )
    }

    struct LateReader: Sendable {
        /// Requests the server had answered when the client started reading: fewer than it sent means the server
        /// paused reading them (backpressure).
        var answeredBeforeReading: Int
        var responses: Int
        var okResponses: Int
        /// Whether the server closed the connection before every request was answered.
        var closedEarly: Bool
    }

    /// One connection that pipelines `requests` `GET /-/healthy` without reading (until the kernel takes no more),
    /// stays away for `pauseSeconds`, then reads every answer while it sends the rest.
    static func lateReader(port: Int, requests: Int, pauseSeconds: Double) throws -> LateReader {
        let all = Array([[UInt8]](repeating: healthyRequest, count: requests).joined())
        let socket = try LoopbackSocket(port: port)
        var offset = 0
        var lastProgress = Date()
        while offset < all.count, Date().timeIntervalSince(lastProgress) < 0.5 {
            guard let sent = all[offset...].withUnsafeBytes({ socket.trySend($0) }) else {
                throw TestFailure("the server closed the connection while the client was writing")
            }
            offset += sent
            if sent > 0 { lastProgress = Date() } else { _ = socket.wait(for: Int16(POLLOUT), milliseconds: 20) }
        }
        Thread.sleep(forTimeInterval: pauseSeconds)
        let answered = try WellBehavedClient.sample(
            port: port,
            #"delivery_metrics_http_requests_total{code="200",handler="/-/healthy",method="GET"}"#
        )
        var tally = ResponseTally()
        var closed = false
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        let deadline = Date().addingTimeInterval(30)
        while tally.responses < requests, !closed, Date() < deadline {
            let wantsToWrite = offset < all.count
            _ = socket.wait(for: Int16(POLLIN) | (wantsToWrite ? Int16(POLLOUT) : 0), milliseconds: 100)
            if wantsToWrite {
                guard let sent = all[offset...].withUnsafeBytes({ socket.trySend($0) }) else {
                    closed = true
                    continue
                }
                offset += sent
            }
            switch buffer.withUnsafeMutableBytes({ socket.receive(into: $0) }) {
            case .bytes(let count): buffer.withUnsafeBytes { tally.add(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            case .closed: closed = true
            case .wouldBlock: break
            }
        }
        return LateReader(
            answeredBeforeReading: Int(answered),
            responses: tally.responses,
            okResponses: tally.okResponses,
            closedEarly: closed && tally.responses < requests
        )
    }
}
