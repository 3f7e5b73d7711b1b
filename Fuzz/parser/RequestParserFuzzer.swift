// libFuzzer entry for the HTTP request parser, built by `make fuzz` (Fuzz/Package.swift) over the Loop module.
//
// Besides "never crash", it checks one property: the events are the same whether the input arrives whole or split
// at an offset taken from the input itself.

@testable import Loop

@_cdecl("LLVMFuzzerTestOneInput")
public func requestParserFuzzTarget(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Limits large enough for depth: thousands of chunks, trailer lines or header lines in one input.
    let limits = HTTPLimits(maxHeadBytes: 32 * 1024, maxBodyBytes: 64 * 1024)
    let whole = parseAll([bytes[...]], limits: limits)
    let offset = size == 0 ? 0 : Int(bytes[0]) % (size + 1)
    let split = parseAll([bytes[..<offset], bytes[offset...]], limits: limits)
    if whole != split {
        fatalError("split at \(offset) changed the result:\n\(whole)\n---\n\(split)")
    }
    return 0
}

private func parseAll(_ pieces: [ArraySlice<UInt8>], limits: HTTPLimits) -> [String] {
    var parser = RequestParser(limits: limits)
    // Bodies of GET requests are dropped as the server drops them for routes that take none.
    var discardsBodies = false
    var events: [String] = []
    for piece in pieces {
        Array(piece).withUnsafeBytes { parser.feed($0) }
        while let event = parser.next() {
            switch event {
            case .head(let head):
                events.append("head \(head.method) \(head.target) \(head.keepAlive) \(head.expectsContinue)")
                discardsBodies = head.method == "GET"
                if discardsBodies { parser.discardBody() }
                _ = head.pathSegments
                _ = head.queryItems
            case .request(let request):
                precondition(!discardsBodies || request.body.isEmpty, "a dropped body was kept")
                events.append("request \(request.target) \(request.body.count) \(request.body.hashValue)")
            case .failure(let error):
                events.append("failure \(error)")
            }
            precondition(parser.bufferedByteCount <= limits.maxHeadBytes + limits.maxBodyBytes + 65_536 + 4096)
        }
    }
    return events
}
