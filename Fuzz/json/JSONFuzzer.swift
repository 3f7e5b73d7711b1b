// libFuzzer entry for the webhook body decoding, built by `make fuzz` (Fuzz/Package.swift): the JSON parser, the
// job-event decoder and the GitLab time parser. Nothing may crash or recurse without bound; what parses must
// decode the same way twice.

@_spi(Harness) @testable import DeliveryMetrics

@_cdecl("LLVMFuzzerTestOneInput")
public func jsonFuzzTarget(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let value = try? JSONParser.parse(bytes) {
        precondition((try? JSONParser.parse(bytes)) == value)
    }
    if let event = try? JobEvent(json: bytes) {
        precondition(!event.status.isEmpty)
    }
    _ = GitLabTime.parse(String(decoding: bytes.prefix(64), as: UTF8.self))
    return 0
}
