import Synchronization
import TestSupport
import Testing

@testable import Loop

/// Inputs 100,000 deep (chunks, trailer lines, header lines), each parsed on a thread with a 256 KiB stack: the
/// parser is one loop over its states, so its stack does not grow with the input. Before, about 5,000 one-byte
/// chunks in one read overflowed the stack.
@Suite("Parser depth")
struct ParserDepthTests {
    private static let depth = 100_000

    /// Feeds `bytes` at once on a small stack and describes every event.
    private func parseOnSmallStack(_ bytes: [UInt8], limits: HTTPLimits) -> [String] {
        let events = Mutex<[String]>([])
        SmallStack.run {
            var parser = RequestParser(limits: limits)
            parser.feed(bytes)
            var seen: [String] = []
            while let event = parser.next() {
                switch event {
                case .head(let head): seen.append("head \(head.target)")
                case .request(let request): seen.append("request \(request.body.count)")
                case .failure(let error): seen.append("failure \(error.status)")
                }
            }
            events.withLock { $0 = seen }
        }
        return events.withLock { $0 }
    }

    private let chunkedHead = "GET /-/healthy HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"

    @Test func parsesAHundredThousandChunks() {
        let body = String(repeating: "1\r\na\r\n", count: Self.depth) + "0\r\n\r\n"
        let events = parseOnSmallStack(Array((chunkedHead + body).utf8), limits: HTTPLimits())
        #expect(events == ["head /-/healthy", "request \(Self.depth)"])
    }

    @Test func dropsAHundredThousandChunksOfABodyTheRouteDoesNotTake() {
        let body = String(repeating: "1\r\na\r\n", count: Self.depth) + "0\r\n\r\n"
        let events = Mutex<[String]>([])
        SmallStack.run {
            var parser = RequestParser()
            parser.feed(Array((chunkedHead + body + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n").utf8))
            var seen: [String] = []
            while let event = parser.next() {
                switch event {
                case .head(let head):
                    seen.append("head \(head.target)")
                    parser.discardBody()
                case .request(let request): seen.append("request \(request.body.count)")
                case .failure(let error): seen.append("failure \(error.status)")
                }
            }
            events.withLock { $0 = seen }
        }
        #expect(events.withLock { $0 } == ["head /-/healthy", "request 0", "head /next", "request 0"])
    }

    @Test func parsesAHundredThousandTrailerLines() {
        let body = "1\r\na\r\n0\r\n" + String(repeating: "a:\n", count: Self.depth) + "\r\n"
        let limits = HTTPLimits(maxHeadBytes: 1 << 20)
        let events = parseOnSmallStack(Array((chunkedHead + body).utf8), limits: limits)
        #expect(events == ["head /-/healthy", "request 1"])
    }

    @Test func parsesAHundredThousandHeaderLines() {
        let head = "GET / HTTP/1.1\r\nHost: x\r\n" + String(repeating: "a: b\r\n", count: Self.depth) + "\r\n"
        let events = parseOnSmallStack(Array(head.utf8), limits: HTTPLimits(maxHeadBytes: 1 << 20))
        #expect(events == ["head /", "request 0"])
    }

    @Test func parsesAHundredThousandPipelinedRequests() {
        let requests = String(repeating: "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", count: Self.depth)
        let events = parseOnSmallStack(Array(requests.utf8), limits: HTTPLimits())
        #expect(events.count == 2 * Self.depth)
    }
}
