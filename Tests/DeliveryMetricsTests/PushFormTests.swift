import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

/// `PushForm` (the form read from its bytes) against `PushRequest(decoding:)` (the general reading it stands in for):
/// whatever the fast reading answers must be what the general one answers, over forms built to take every branch.
@Suite("Push form from bytes")
struct PushFormTests {
    private static let pieces = [
        "value", "labels", "valu%65", "%6Cabels", "label", "values", "=", "=", "&", "&", "&&", ",", ",", "%2C", "+",
        "%20", "%", "%z", "%zz", "%4", "%C3%A9", "%CC%81", "%E2%80%AE", "%FF", "%D8%80", "18000", "1.5", "-0", "1e3",
        ".5", "+3", "0x1p3", "inf", "nan", "1.", "-", "00", "a", "coordinator_pipeline", "success", "\u{E9}", "\u{301}",
        "12345678901234567", "0.1234567890123456", "123456789012345", "9.99999999999999", "%2B1", "1%2E5", "%00",
    ]

    private static let contentTypes: [String?] = [
        "application/x-www-form-urlencoded", "Application/X-WWW-Form-Urlencoded; charset=utf-8",
        "application/x-www-form-urlencoded ;x", "application/x-www-form-urlencoded;",
        ";application/x-www-form-urlencoded",
        "application/x-www-form-urlencodedx", "application/x-www-form-urlencoded \u{301};x",
        "application/x-www-form-urlencoded;\u{301}", "application/x-www-form-urlencoded\t;charset=x",
        "application/x-www-form-urlencoded;\u{E9}", "application/x-www-form-urlencoded\u{301}", "text/plain",
        "multipart/form-data; boundary=b", "", nil,
    ]

    private static func form<Generator: RandomNumberGenerator>(_ generator: inout Generator) -> String {
        (0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    private static func request(target: String, contentType: String?, body: String) -> Request {
        var headers: HTTPHeaders = ["Host": "t"]
        if let contentType { headers.add("Content-Type", contentType) }
        return Request(head: RequestHead(method: "POST", target: target, headers: headers), body: Array(body.utf8))
    }

    @Test func readsWhatTheGeneralReadingReadsOrLeavesItToIt() {
        var generator = SystemRandomNumberGenerator()
        var read = 0
        for _ in 0..<20_000 {
            let query = Bool.random(using: &generator) ? "?" + Self.form(&generator) : ""
            let body = Bool.random(using: &generator) ? Self.form(&generator) : ""
            let request = Self.request(
                target: "/api/x/set" + query,
                contentType: Self.contentTypes.randomElement(using: &generator)!,
                body: body
            )
            for operation in [Operation.set, .inc] {
                for labelCount in 0...2 {
                    let fast = PushForm.withFields(
                        of: request,
                        needsValue: operation.needsValue,
                        labelCount: labelCount
                    ) { ($0.value, $0.labelValues()) }
                    guard let fast else { continue }
                    read += 1
                    let general = try? PushRequest(decoding: request, operation: operation, labelCount: labelCount)
                    #expect(general != nil, "\(request)")
                    guard let general else { continue }
                    #expect(fast.0.bitPattern == general.value.bitPattern || (fast.0.isNaN && general.value.isNaN))
                    #expect(fast.1.map { Array($0.utf8) } == general.labelValues.map { Array($0.utf8) }, "\(request)")
                }
            }
        }
        // Most random forms are refused; enough of them must be read the fast way for this to prove anything.
        #expect(read > 2_000)
    }

    @Test func readsTheCommonPushesItself() throws {
        for (target, contentType, body) in [
            ("/x", "application/x-www-form-urlencoded", "value=18000&labels=coordinator_pipeline,success"),
            ("/x?value=1&labels=a,b", nil, ""),
            ("/x?value=2", "application/x-www-form-urlencoded; charset=utf-8", "labels=a%2Cb&value=1.5"),
            ("/x", "application/x-www-form-urlencoded", "labels=caf%C3%A9s,x&value=-0.25"),
        ] {
            let request = Self.request(target: target, contentType: contentType, body: body)
            let fast = PushForm.withFields(of: request, needsValue: true, labelCount: 2) {
                ($0.value, $0.labelValues())
            }
            let general = try PushRequest(decoding: request, operation: .set, labelCount: 2)
            #expect(fast?.0 == general.value)
            #expect(fast?.1 == general.labelValues)
        }
    }

    @Test func parsesNumbersAsDoubleDoes() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789000.-+eE".utf8)
        for round in 0..<50_000 {
            var bytes = (0..<Int.random(in: 1...20, using: &generator)).map { _ in
                alphabet.randomElement(using: &generator)!
            }
            if round % 2 == 0 { bytes.removeAll { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } }
            let text = String(decoding: bytes, as: UTF8.self)
            let fast = bytes.withUnsafeBufferPointer { PushForm.parseFloat($0) }
            let general = PushRequest.parseFloat(text)
            #expect(fast?.bitPattern == general?.bitPattern, "\(text)")
        }
    }

    @Test func leavesLabelsWithNonASCIIBesideACommaToTheGeneralReading() {
        for labels in ["a,%CC%81b", "%D8%80,b", "caf%C3%A9,%FF"] {
            let request = Self.request(target: "/x?value=1&labels=" + labels, contentType: nil, body: "")
            #expect(PushForm.withFields(of: request, needsValue: true, labelCount: 2) { _ in true } == nil)
        }
    }
}
