// libFuzzer entry for the push API's input decoders, built by `make fuzz` (Fuzz/Package.swift): the urlencoded
// and multipart form decoders, value parsing and label splitting, and the label validators. The first byte picks
// the decoder; nothing may crash, and what a decoder accepts must hold its own invariants.

@_spi(Harness) @testable import DeliveryMetrics
@testable import Loop

@_cdecl("LLVMFuzzerTestOneInput")
public func formsFuzzTarget(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let selector = data[0] % 4
    let rest = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch selector {
    case 0:
        if let pairs = PercentDecoding.formPairs(rest) {
            precondition(pairs.count <= rest.count + 1)
        }
        let request = Request(
            head: RequestHead(
                method: "POST",
                target: "/x?" + String(decoding: rest.prefix(64), as: UTF8.self).filter { $0 != " " },
                headers: ["Host": "h", "Content-Type": "application/x-www-form-urlencoded"]
            ),
            body: rest
        )
        if let push = try? PushRequest(request, operation: .set, labelCount: 2) {
            precondition(push.value.isFinite || push.value.isNaN || push.value.isInfinite)
        }
    case 1:
        let boundary = "XyZ"
        if let fields = try? Multipart.fields(rest, boundary: boundary) {
            precondition(fields.count <= Multipart.maxParts)
        }
    case 2:
        // What a refusal echoes: short, and no control byte survives to break the line.
        let echoed = EchoedInput.bytes(rest)
        precondition(echoed.utf8.count <= 4 * EchoedInput.limit + 3)
        precondition(!echoed.unicodeScalars.contains { EchoedInput.isEscaped($0) })
    default:
        let text = String(decoding: rest, as: UTF8.self)
        for label in fuzzLabels where label.problem(with: text) == nil {
            switch label.label.validator {
            case .oneOf(let values):
                // Accepted only as one of the values' own bytes, never as a canonically equivalent look-alike.
                precondition(values.contains { $0.hasSameBytes(as: text) })
            case .pattern:
                precondition(!text.unicodeScalars.contains(where: Label.refusesInFreeText))
            }
        }
    }
    return 0
}

// Compiled once (Regex is not Sendable); libFuzzer calls the entry from one thread only.
nonisolated(unsafe) private let fuzzLabels = [
    LabelChecker(Label.minorVersion()), LabelChecker(Label.deployVersion()), LabelChecker(Label.text("t")),
    LabelChecker(Label.week()), LabelChecker(Label.jobID()), LabelChecker(Label.environment()),
    LabelChecker(Label.severity()),
]
