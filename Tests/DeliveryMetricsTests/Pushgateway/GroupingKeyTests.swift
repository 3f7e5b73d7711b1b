import Testing

@testable import DeliveryMetrics

/// The grouping key of a push path, as the Pushgateway reads it, and where this refuses what it lets through.
@Suite("Grouping keys")
struct GroupingKeyTests {
    private func pairs(_ path: String) throws -> String {
        try PushFixtures.key(path).labels.map {
            String(decoding: $0.name, as: UTF8.self) + "=" + String(decoding: $0.value, as: UTF8.self)
        }.joined(separator: ",")
    }

    private func refusal(_ path: String) -> String? {
        do {
            _ = try PushFixtures.key(path)
            return nil
        } catch {
            return (error as? PushBodyError)?.message
        }
    }

    @Test func isTheSetOfThePathsPairs() throws {
        #expect(try pairs("/metrics/job/ci") == "job=ci")
        #expect(try pairs("/metrics/job/ci/") == "job=ci")
        #expect(try pairs("/metrics/job/ci/instance/r1/stage/build") == "instance=r1,job=ci,stage=build")
        // The route's job wins over a `job` pair, as on the Pushgateway.
        #expect(try pairs("/metrics/job/ci/job/other/a/1") == "a=1,job=ci")
        #expect(try PushFixtures.key("/metrics/job/ci/a/1/b/2") == PushFixtures.key("/metrics/job/ci/b/2/a/1"))
    }

    @Test func decodesPercentEscapesAndKeepsAPlusLiteral() throws {
        #expect(try pairs("/metrics/job/ci/sp/a+b") == "job=ci,sp=a+b")
        #expect(try pairs("/metrics/job/ci/sp/a%20b") == "job=ci,sp=a b")
        #expect(try pairs("/metrics/job/ci/sp/caf%C3%A9") == "job=ci,sp=café")
    }

    @Test func readsBase64ValuesInTheURLSafeAlphabetWithOrWithoutPadding() throws {
        #expect(try pairs("/metrics/job@base64/Y2kvbWFpbg") == "job=ci/main")
        #expect(try pairs("/metrics/job/ci/path@base64/L3Zhci90bXA=") == "job=ci,path=/var/tmp")
        #expect(try pairs("/metrics/job/ci/v@base64/YQ==") == "job=ci,v=a")
        #expect(try pairs("/metrics/job/ci/v@base64/YQ%3D%3D") == "job=ci,v=a")
        #expect(try pairs("/metrics/job/ci/v@base64/YQ") == "job=ci,v=a")
        #expect(try pairs("/metrics/job/ci/instance@base64/=") == "instance=,job=ci")
    }

    @Test(arguments: [
        ("/metrics/job", "a push path"),
        ("/metrics/job/", "job name is required"),
        ("/metrics/jobs/x", "a push path"),
        ("/metrics/job@base64/=", "job name is required"),
        ("/metrics/job/ci/a", "odd number"),
        ("/metrics/job/ci/a/b/", "odd number"),
        ("/metrics/job/ci//b", "empty path segment"),
        ("/metrics/job/ci/a/", "empty path segment"),
        ("/metrics/job/ci/path/a%2Fb", "holds a '/'"),
        ("/metrics/job/a%2Fb", "holds a '/'"),
        ("/metrics/job/ci/__name__/x", "improper label name"),
        ("/metrics/job/ci/bad-name/x", "improper label name"),
        ("/metrics/job/ci/a/1/a/2", "given twice"),
        ("/metrics/job/ci/v@base64/YQ+", "invalid base64"),
        ("/metrics/job/ci/v@base64/-_8", "not UTF-8"),
        ("/metrics/job/ci/v/%FF", "not UTF-8"),
        ("/metrics/job/ci/v/%G1", "malformed percent-encoding"),
    ])
    func refuses(path: String, reason: String) {
        let message = refusal(path)
        #expect(message?.contains(reason) == true, "\(path): \(message ?? "accepted")")
    }

    @Test func showsAnEmptyInstanceWhenTheKeyHasNone() throws {
        let exposed = try PushFixtures.key("/metrics/job/ci").exposedLabels
        #expect(exposed == [PushFixtures.label("instance", ""), PushFixtures.label("job", "ci")])
        #expect(
            try PushFixtures.key("/metrics/job/ci").exposedLabels
                == PushFixtures.key("/metrics/job/ci/instance@base64/=").labels
        )
    }
}
