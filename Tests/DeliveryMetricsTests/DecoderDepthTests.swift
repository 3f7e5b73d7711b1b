import Loop
import Synchronization
import TestSupport
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// The service's decoders on inputs 100,000 deep, each on a thread with a 256 KiB stack (see `SmallStack`): form
/// fields in a body and a query, multipart parts, and nested JSON (refused at its depth cap of 64, not by a crash).
@Suite("Decoder depth")
struct DecoderDepthTests {
    private static let depth = 100_000

    private func onSmallStack<T: Sendable>(_ work: @escaping @Sendable () -> T) -> T {
        let result = Mutex<T?>(nil)
        SmallStack.run { result.withLock { $0 = work() } }
        return result.withLock { $0! }
    }

    private static func request(_ target: String, contentType: String, body: [UInt8]) -> Request {
        Request(
            head: RequestHead(method: "POST", target: target, headers: ["Host": "t", "Content-Type": contentType]),
            body: body
        )
    }

    @Test func decodesAHundredThousandURLEncodedFields() {
        let body = Array((0..<Self.depth).map { "f\($0)=1" }.joined(separator: "&").utf8)
        let count = onSmallStack {
            (try? FormDecoding.fields(
                of: Self.request("/x", contentType: "application/x-www-form-urlencoded", body: body)
            ))?.count ?? -1
        }
        #expect(count == Self.depth)
    }

    @Test func decodesAHundredThousandQueryFields() {
        let query = (0..<Self.depth).map { "q\($0)=1" }.joined(separator: "&")
        let count = onSmallStack {
            (try? FormDecoding.fields(of: Self.request("/x?" + query, contentType: "text/plain", body: [])))?.count
                ?? -1
        }
        #expect(count == Self.depth)
    }

    @Test func refusesAHundredThousandMultipartPartsPastItsLimit() {
        let part = "--b\r\nContent-Disposition: form-data; name=\"v\"\r\n\r\n1\r\n"
        let body = Array((String(repeating: part, count: Self.depth) + "--b--\r\n").utf8)
        let status = onSmallStack { () -> Int in
            do {
                _ = try FormDecoding.fields(
                    of: Self.request("/x", contentType: "multipart/form-data; boundary=b", body: body)
                )
                return 200
            } catch let error as MetricError {
                return error.status
            } catch {
                return 500
            }
        }
        #expect(status == 400)
    }

    @Test func refusesJSONNestedAHundredThousandDeep() {
        let nested = Array((String(repeating: "[", count: Self.depth) + String(repeating: "]", count: Self.depth)).utf8)
        let refused = onSmallStack { (try? JSONParser.parse(nested)) == nil }
        #expect(refused)
    }
}
