import Testing

@_spi(Harness) @testable import DeliveryMetrics

@Suite("GitLab times")
struct GitLabTimeTests {
    @Test(arguments: [
        ("2023-01-10 13:50:05 UTC", 1_673_358_605.0),
        ("2023-01-10T13:50:05.886Z", 1_673_358_605.886),
        ("2023-01-10T13:50:05Z", 1_673_358_605.0),
        ("2023-01-10T14:50:05+01:00", 1_673_358_605.0),
        ("2023-01-10T13:20:05-00:30", 1_673_358_605.0),
        ("2023-01-10T13:50:05.5+0000", 1_673_358_605.5),
    ])
    func readsEveryShapeGitLabSends(text: String, seconds: Double) throws {
        let parsed = try #require(GitLabTime.parse(text))
        #expect(abs(parsed - seconds) < 0.0005)
    }

    @Test(arguments: ["", "2023-01-10", "2023-13-10 13:50:05 UTC", "2023-01-10 13:50:05 CET", "yesterday at noon"])
    func refusesOtherText(text: String) {
        #expect(GitLabTime.parse(text) == nil)
    }
}
