import Loop
import Testing

@_spi(Harness) @testable import DeliveryMetrics

@Suite("Service metrics")
struct ServiceMetricTests {
    private let registry = Registry(
        Catalogue.definitions(experiments: Experiments.definitions),
        maxSeriesPerMetric: 100,
        now: 0
    )

    @Test func everyServiceWrittenNameResolvesAtBoot() {
        for metric in ServiceMetric.allCases {
            let definition = metric.definition
            #expect(registry.family(named: definition.apiName) != nil, "\(definition.fullName)")
            #expect(registry.family(metric).definition.fullName == definition.fullName)
            #expect(!definition.writer.acceptsPushes, "\(definition.fullName) is written by the service")
        }
    }

    @Test func onlyTheServiceMetricsAreWrittenByTheService() {
        let serviceNames = Set(ServiceMetric.allCases.map(\.definition.fullName))
        for family in registry.deliveryFamilies {
            let definition = family.definition
            #expect(
                definition.writer.acceptsPushes == !serviceNames.contains(definition.fullName),
                "\(definition.fullName)"
            )
        }
    }

    @Test func closedSetsListTheirEnumsCases() {
        #expect(values(.pipelinesTotal, "status") == PipelineStatus.allCases.map(\.rawValue))
        #expect(values(.observerErrors, "reason") == ObserverErrorReason.allCases.map(\.rawValue))
        #expect(values(.webhookEvents, "outcome") == JobWebhookReceiver.Outcome.allCases.map(\.rawValue))
        #expect(values(.webhookDroppedEvents, "reason") == WebhookDropReason.allCases.map(\.rawValue))
        #expect(
            values(.webhookDroppedEvents, "reason")
                == [
                    "series_limit", "invalid_label_value", "invalid_value", "wrong_label_count",
                    "unsupported_operation", "disk_full",
                ]
        )
        #expect(
            Set(MetricError.Reason.allCases.map(\.label))
                == [
                    "unauthorized", "disk_full", "unknown_metric", "unsupported_operation", "invalid_value",
                    "wrong_label_count", "invalid_label_value", "series_limit", "buckets_changed", "bad_form",
                    "bad_push",
                    "inconsistent_push", "push_limit",
                ]
        )
    }

    @Test func everyDropReasonButTheFullDiskIsAWriteRefusal() {
        let fromRefusals = Set(MetricError.Reason.allCases.compactMap(WebhookDropReason.init))
        #expect(fromRefusals == Set(WebhookDropReason.allCases))
    }

    private func values(_ metric: ServiceMetric, _ label: String) -> [String]? {
        guard let found = metric.definition.labels.first(where: { $0.name == label }),
            case .oneOf(let values) = found.validator
        else { return nil }
        return values
    }
}

/// The request counts' kept series keys: each (route, method, status) counts in the series its label values name,
/// as the label values built afresh for every request did.
@Suite("Request counts by kept series")
struct RequestSeriesTests {
    @Test func countsEachRouteMethodAndStatusInItsOwnSeries() {
        let registry = Registry(Catalogue.definitions(experiments: []), maxSeriesPerMetric: 100, now: 0)
        let instrumentation = Instrumentation(registry)
        let requests: [(String?, String, Int)] = [
            ("/api/<metric>/<operation>", "POST", 200), ("/api/<metric>/<operation>", "POST", 200),
            ("/metrics", "GET", 200), (nil, "GET", 404), ("/metrics", "BREW", 405), ("/metrics", "brew", 405),
            ("/metrics", "get", 405), ("/", "HEAD", 200), ("/api/<metric>/<operation>", "POST", 400),
            ("/api/<metric>/<operation>", "POST", 200), ("/api", "OPTIONS", 200), ("/api", "PATCH", 405),
            ("/api", "PUT", 405), ("/api/<metric>", "DELETE", 200),
        ]
        var expected: [[String]: Double] = [:]
        let methods: Set = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
        for (route, method, status) in requests {
            // The method as the parser identifies it from the request line's bytes.
            let parsed = RequestHead(method: method, target: "/").httpMethod
            instrumentation.countRequest(route: route, method: parsed, status: status)
            let labels = [route ?? "unmatched", methods.contains(method) ? method : "other", String(status)]
            expected[labels, default: 0] += 1
        }
        let family = instrumentation.httpRequests
        // Kept beside their series until the registry is read.
        #expect(family.series.isEmpty)
        instrumentation.recordRequests(now: 2)
        #expect(family.series.count == expected.count)
        for (labels, count) in expected {
            #expect(family.series[SeriesKey(labels)]?.value == count, "\(labels)")
        }
    }
}
