import Testing

@_spi(Harness) @testable import DeliveryMetrics

@Suite("Refusal status")
struct RefusalStatusTests {
    /// The statuses `/api` answered with when `MetricError` still carried one.
    @Test func eachReasonKeepsItsStatusAndLabel() {
        let expected: [(MetricError.Reason, Int, String)] = [
            (.unauthorized, 401, "unauthorized"), (.diskFull, 507, "disk_full"),
            (.unknownMetric, 404, "unknown_metric"),
            (.unsupportedOperation, 404, "unsupported_operation"), (.invalidValue, 400, "invalid_value"),
            (.wrongLabelCount, 400, "wrong_label_count"), (.invalidLabelValue, 400, "invalid_label_value"),
            (.seriesLimit, 400, "series_limit"), (.bucketsChanged, 400, "buckets_changed"), (.badForm, 400, "bad_form"),
            (.unsupportedMediaType, 415, "bad_form"), (.badPush, 400, "bad_push"),
            (.inconsistentPush, 400, "inconsistent_push"), (.pushLimit, 400, "push_limit"),
        ]
        #expect(expected.count == MetricError.Reason.allCases.count)
        for (reason, status, label) in expected {
            #expect(RefusalStatus.of(reason) == status, "\(reason)")
            #expect(reason.label == label)
        }
    }
}
