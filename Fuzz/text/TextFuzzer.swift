// libFuzzer entry for Pushgateway text-format bodies (exposition 0.0.4), built by `make fuzz` (Fuzz/Package.swift):
// any bytes give the families or a one-line refusal, never a trap, an out-of-bounds read (AddressSanitizer) or a
// hang. What is read must hold together: names of their grammar, unique label names, the value field of the
// family's kind, no more series than the budget. The seeds are the bodies Go's and Python's clients write.

@testable import DeliveryMetrics

@_cdecl("LLVMFuzzerTestOneInput")
public func textFuzzTarget(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    checkFloat(body)
    let families: [PushedFamily]
    do {
        families = try MetricFamilyText.parse(body)
    } catch {
        checkRefusal(error, body)
        return 0
    }
    let lines = body.lazy.filter { $0 == UInt8(ascii: "\n") }.count
    var series = 0
    for family in families {
        precondition(!family.metrics.isEmpty, "a family without a sample")
        precondition(isName(family.name, metric: true), "a metric name outside its grammar")
        for metric in family.metrics {
            checkMetric(metric, of: family)
        }
        series += family.metrics.count
    }
    // Every metric was made by a sample line.
    precondition(series <= lines, "more series than lines")
    if series > 0 {
        do {
            _ = try MetricFamilyText.parse(body, maxSeries: series - 1)
            preconditionFailure("a budget of one series fewer was not refused")
        } catch {
            precondition(error.kind == .tooManySeries, "a smaller budget gave another refusal")
        }
    }
    return 0
}

private func checkMetric(_ metric: PushedMetric, of family: PushedFamily) {
    var names = Set<[UInt8]>()
    for label in metric.labels {
        precondition(isName(label.name, metric: false), "a label name outside its grammar")
        precondition(names.insert(label.name).inserted, "a label name twice")
    }
    let values = [metric.counter, metric.gauge, metric.untyped].compactMap { $0 }.count
    let bound: [UInt8]? =
        switch family.kind {
        case .summary: Array("quantile".utf8)
        case .histogram: Array("le".utf8)
        default: nil
        }
    if let bound { precondition(!names.contains(bound), "a summary's quantile or a histogram's le kept as a label") }
    switch family.kind {
    case .counter: precondition(metric.counter != nil && values == 1, "a counter without its value")
    case .gauge: precondition(metric.gauge != nil && values == 1, "a gauge without its value")
    case .untyped: precondition(metric.untyped != nil && values == 1, "an untyped without its value")
    case .summary: precondition(metric.summary != nil && values == 0 && metric.histogram == nil, "a summary")
    case .histogram: precondition(metric.histogram != nil && values == 0 && metric.summary == nil, "a histogram")
    default: preconditionFailure("a kind the text format has no word for")
    }
    precondition(metric.summary?.quantiles.allSatisfy { !$0.quantile.isNaN } ?? true, "a NaN quantile")
    precondition(metric.histogram?.buckets.allSatisfy { !$0.upperBound.isNaN } ?? true, "a NaN upper bound")
}

/// One line of printable ASCII, naming its line, whatever the body held.
private func checkRefusal(_ error: PushBodyError, _ body: [UInt8]) {
    precondition(error.message.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "a refusal that echoes raw bytes")
    precondition(error.message.utf8.count < 400, "a refusal that is not short")
    guard error.kind == .malformed else { return }
    precondition(error.message.hasPrefix("text format: line "), "a refusal without its line")
}

/// Whatever `TextFloat` reads as a finite number, glibc's `strtod` (through `Double(String)`) reads the same, bit
/// for bit: the digits reduced to 800 and the exponent bounded decide as every digit would.
private func checkFloat(_ body: [UInt8]) {
    guard body.count <= 4096, let value = TextFloat.parse(body[...]), value.isFinite else { return }
    let reference = Double(String(decoding: body, as: UTF8.self))
    precondition(reference?.bitPattern == value.bitPattern, "a float read otherwise than strtod reads it")
}

private func isName(_ name: [UInt8], metric: Bool) -> Bool {
    func isStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_") || (metric && byte == UInt8(ascii: ":"))
    }
    guard let first = name.first, isStart(first) else { return false }
    return name.dropFirst().allSatisfy { isStart($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
}
