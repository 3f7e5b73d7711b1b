// libFuzzer entry for Pushgateway protobuf bodies (varint-delimited `MetricFamily` messages), built by `make fuzz`
// (Fuzz/Package.swift): any bytes give the families or a refusal, never a trap, an out-of-bounds read
// (AddressSanitizer) or a hang. The seed is the body Go's client sends.

@testable import DeliveryMetrics

@_cdecl("LLVMFuzzerTestOneInput")
public func protobufFuzzTarget(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    guard let families = try? MetricFamilyProtobuf.decodeDelimited(body) else { return 0 }
    // Every family is a message of at least its length prefix: there can be no more families than bytes.
    precondition(families.count <= size, "more families than bytes")
    for family in families {
        for metric in family.metrics {
            precondition(metric.labels.count <= size, "more labels than bytes")
        }
    }
    return 0
}
