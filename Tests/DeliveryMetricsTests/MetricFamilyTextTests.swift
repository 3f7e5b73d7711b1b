import TestSupport
import Testing

@testable import DeliveryMetrics

private func parse(_ text: String, maxSeries: Int = .max) throws(PushBodyError) -> [PushedFamily] {
    try MetricFamilyText.parse(Array(text.utf8), maxSeries: maxSeries)
}

private func label(_ name: String, _ value: String) -> PushedLabel {
    PushedLabel(name: Array(name.utf8), value: Array(value.utf8))
}

private func family(
    _ name: String,
    help: String? = nil,
    _ kind: PushedFamily.Kind,
    _ metrics: [PushedMetric]
) -> PushedFamily {
    PushedFamily(name: Array(name.utf8), help: help.map { Array($0.utf8) }, kind: kind, metrics: metrics)
}

/// The refusal's message, or nil when the body is accepted.
private func refusal(_ body: [UInt8]) -> String? {
    do {
        _ = try MetricFamilyText.parse(body)
        return nil
    } catch {
        return error.message
    }
}

private func refusal(_ text: String) -> String? { refusal(Array(text.utf8)) }

@Suite("Pushed text bodies")
struct MetricFamilyTextTests {
    // MARK: What clients send

    /// The Pushgateway README's example, as `curl --data-binary @-` sends it.
    @Test func readsWhatCurlUsersWrite() throws {
        #expect(
            try parse("# TYPE some_metric counter\nsome_metric{label=\"val1\"} 42\n") == [
                family("some_metric", .counter, [PushedMetric(labels: [label("label", "val1")], counter: 42)])
            ]
        )
        #expect(try parse("some_metric 3.14\n") == [family("some_metric", .untyped, [PushedMetric(untyped: 3.14)])])
        let readme = """
            # TYPE some_metric counter
            some_metric{label="val1"} 42
            # TYPE another_metric gauge
            # HELP another_metric Just an example.
            another_metric 2398.283

            """
        #expect(
            try parse(readme) == [
                family("some_metric", .counter, [PushedMetric(labels: [label("label", "val1")], counter: 42)]),
                family("another_metric", help: "Just an example.", .gauge, [PushedMetric(gauge: 2398.283)]),
            ]
        )
    }

    /// What Python's prometheus_client 0.26.0 `generate_latest` wrote for a counter (with a label value holding a
    /// quote, a backslash-n and a line feed), a gauge, a histogram and a summary, each with its `_created` gauge:
    /// the bytes as written, floats with `.0`, counts as floats.
    private static let pythonBody = #"""
        # HELP deploys_total Deployments finished.
        # TYPE deploys_total counter
        deploys_total{env="prod",note="say \"hi\"\\n\nbye"} 3.0
        # HELP deploys_created Deployments finished.
        # TYPE deploys_created gauge
        deploys_created{env="prod",note="say \"hi\"\\n\nbye"} 1.796285975423295e+09
        # HELP queue_depth Jobs waiting.
        # TYPE queue_depth gauge
        queue_depth 7.5
        # HELP build_seconds Build duration.
        # TYPE build_seconds histogram
        build_seconds_bucket{le="1.0",stage="compile"} 1.0
        build_seconds_bucket{le="5.0",stage="compile"} 2.0
        build_seconds_bucket{le="10.0",stage="compile"} 2.0
        build_seconds_bucket{le="+Inf",stage="compile"} 3.0
        build_seconds_count{stage="compile"} 3.0
        build_seconds_sum{stage="compile"} 15.5
        # HELP build_seconds_created Build duration.
        # TYPE build_seconds_created gauge
        build_seconds_created{stage="compile"} 1.796285975423371e+09
        # HELP wait_seconds Time waiting\nin queue \\ overall.
        # TYPE wait_seconds summary
        wait_seconds_count 2.0
        wait_seconds_sum 2.25
        # HELP wait_seconds_created Time waiting\nin queue \\ overall.
        # TYPE wait_seconds_created gauge
        wait_seconds_created 1.7962859754234138e+09

        """#

    @Test func readsWhatPythonsClientWrites() throws {
        let note = label("note", "say \"hi\"\\n\nbye")
        let waitHelp = "Time waiting\nin queue \\ overall."
        #expect(
            try parse(Self.pythonBody) == [
                family(
                    "deploys_total",
                    help: "Deployments finished.",
                    .counter,
                    [PushedMetric(labels: [label("env", "prod"), note], counter: 3)]
                ),
                family(
                    "deploys_created",
                    help: "Deployments finished.",
                    .gauge,
                    [PushedMetric(labels: [label("env", "prod"), note], gauge: 1.796285975423295e+09)]
                ),
                family("queue_depth", help: "Jobs waiting.", .gauge, [PushedMetric(gauge: 7.5)]),
                family(
                    "build_seconds",
                    help: "Build duration.",
                    .histogram,
                    [
                        PushedMetric(
                            labels: [label("stage", "compile")],
                            histogram: PushedHistogram(
                                count: 3,
                                sum: 15.5,
                                buckets: [
                                    .init(cumulativeCount: 1, upperBound: 1), .init(cumulativeCount: 2, upperBound: 5),
                                    .init(cumulativeCount: 2, upperBound: 10),
                                    .init(cumulativeCount: 3, upperBound: .infinity),
                                ]
                            )
                        )
                    ]
                ),
                family(
                    "build_seconds_created",
                    help: "Build duration.",
                    .gauge,
                    [PushedMetric(labels: [label("stage", "compile")], gauge: 1.796285975423371e+09)]
                ),
                family(
                    "wait_seconds",
                    help: waitHelp,
                    .summary,
                    [PushedMetric(summary: PushedSummary(count: 2, sum: 2.25))]
                ),
                family("wait_seconds_created", help: waitHelp, .gauge, [PushedMetric(gauge: 1.7962859754234138e+09)]),
            ]
        )
    }

    /// What Go's `expfmt` text encoder writes (`expfmt.FmtText`, Debian's client_golang 1.14) for the five families
    /// of the protobuf tests: the body `push.New(…).Format(expfmt.FmtText)` sends. It seeds the text fuzzer too.
    static let goClientBody = """
        # HELP build_seconds How long the build took.
        # TYPE build_seconds gauge
        build_seconds{stage="compile"} 42.5
        # HELP builds_total Builds.
        # TYPE builds_total counter
        builds_total 3
        # HELP plain Untyped.
        # TYPE plain untyped
        plain -1
        # HELP step_seconds Steps.
        # TYPE step_seconds histogram
        step_seconds_bucket{le="1"} 1
        step_seconds_bucket{le="5"} 2
        step_seconds_bucket{le="+Inf"} 3
        step_seconds_sum 10.5
        step_seconds_count 3
        # HELP wait_seconds Waits.
        # TYPE wait_seconds summary
        wait_seconds{quantile="0.5"} 2
        wait_seconds{quantile="0.9"} 4
        wait_seconds_sum 6
        wait_seconds_count 2

        """

    @Test func readsWhatGosTextEncoderWrites() throws {
        let families = try parse(Self.goClientBody)
        #expect(families.map(\.kind) == [.gauge, .counter, .untyped, .histogram, .summary])
        #expect(families[0].metrics == [PushedMetric(labels: [label("stage", "compile")], gauge: 42.5)])
        #expect(families[1].metrics == [PushedMetric(counter: 3)])
        #expect(families[2].metrics == [PushedMetric(untyped: -1)])
        #expect(
            families[3].metrics == [
                PushedMetric(
                    histogram: PushedHistogram(
                        count: 3,
                        sum: 10.5,
                        buckets: [
                            .init(cumulativeCount: 1, upperBound: 1), .init(cumulativeCount: 2, upperBound: 5),
                            .init(cumulativeCount: 3, upperBound: .infinity),
                        ]
                    )
                )
            ]
        )
        #expect(
            families[4].metrics == [
                PushedMetric(
                    summary: PushedSummary(
                        count: 2,
                        sum: 6,
                        quantiles: [.init(quantile: 0.5, value: 2), .init(quantile: 0.9, value: 4)]
                    )
                )
            ]
        )
    }

    // MARK: Lines and blanks

    @Test func skipsBlankLinesAndReadsTokensSeparatedByBlanksAndTabs() throws {
        let body = "\n   \n\t\n  \tx \t{ a = \"1\" ,\tb=\"2\" , } \t 5\t 1700000000000\n\t# TYPE y gauge\n  y\t7\n \t"
        #expect(
            try parse(body) == [
                family(
                    "x",
                    .untyped,
                    [
                        PushedMetric(
                            labels: [label("a", "1"), label("b", "2")],
                            untyped: 5,
                            timestampMilliseconds: 1_700_000_000_000
                        )
                    ]
                ),
                family("y", .gauge, [PushedMetric(gauge: 7)]),
            ]
        )
        #expect(try parse("").isEmpty)
        #expect(try parse("\n\n  \n").isEmpty)
        #expect(try parse("x{} 1\n") == [family("x", .untyped, [PushedMetric(untyped: 1)])])
    }

    /// expfmt's tokens end where their grammar does, so a value may follow a name or a `}` without a blank.
    @Test func endsTokensWhereTheirGrammarEndsAsGoDoes() throws {
        #expect(try parse("x{a=\"b\"}1\n")[0].metrics == [PushedMetric(labels: [label("a", "b")], untyped: 1)])
        #expect(try parse("x-1 2\n")[0].metrics == [PushedMetric(untyped: -1, timestampMilliseconds: 2)])
    }

    @Test(arguments: [
        ("x 1", 1), ("x 1\ny 2", 2), ("# a comment", 1), ("# HELP x text", 1), ("x{a=\"b", 1), ("x{a=\"b\"}", 1),
        ("x 1 2", 1), ("#", 1), ("\n\n#HELP", 3), ("x", 1),
    ])
    func refusesALastLineWithoutALineFeed(body: String, line: Int) {
        #expect(refusal(body) == "text format: line \(line): unexpected end of input stream")
    }

    @Test func refusesACarriageReturn() {
        #expect(refusal("x 1\r\n") == "text format: line 1: expected a float as value, got \"1\\x0D\"")
        #expect(refusal("# TYPE x gauge\r\n") == "text format: line 1: unknown metric type \"gauge\\x0D\"")
    }

    // MARK: Comments, HELP and TYPE

    @Test func ignoresOtherCommentsAndOpenMetricsEOF() throws {
        let body = "# just a comment\n#\n#   \n# HELPER x y\n# EOF\nx 1\n# EOF\n"
        #expect(try parse(body) == [family("x", .untyped, [PushedMetric(untyped: 1)])])
    }

    @Test func readsHELPAndTYPEWithTheirEscapesAndAnyCase() throws {
        let body = "#HELP x a \\\\ b\\nc  \n#\tTYPE\tx\tCounter\nx 1\n"
        #expect(try parse(body) == [family("x", help: "a \\ b\nc  ", .counter, [PushedMetric(counter: 1)])])
        #expect(try parse("# TYPE x UNTYPED\nx 1\n")[0].kind == .untyped)
        #expect(try parse("# TYPE x summary\nx_sum 1\n")[0].kind == .summary)
        #expect(try parse("# TYPE x histogram\nx_sum 1\n")[0].kind == .histogram)
    }

    /// A directive that stops after its word or name says nothing, in Go too: no help, no type, no family.
    @Test func skipsDirectivesWithoutText() throws {
        #expect(
            try parse("# HELP\n# TYPE\n# HELP x\n# HELP x \t\n# TYPE x\nx 1\n") == [
                family("x", .untyped, [PushedMetric(untyped: 1)])
            ]
        )
        #expect(try parse("# HELP x A help.\n# TYPE x gauge\n").isEmpty)
    }

    @Test func acceptsHELPAfterSamplesButNotTYPE() throws {
        #expect(try parse("x 1\n# HELP x Later.\n")[0].help == Array("Later.".utf8))
        #expect(
            refusal("x 1\n# TYPE x gauge\n")
                == "text format: line 2: second TYPE line for metric name \"x\", or TYPE reported after samples"
        )
    }

    @Test(arguments: [
        ("# HELP x a\n# HELP x b\n", "line 2: second HELP line for metric name \"x\""),
        (
            "# TYPE x gauge\n# TYPE x gauge\n",
            "line 2: second TYPE line for metric name \"x\", or TYPE reported after samples"
        ),
        ("# TYPE x gauges\n", "line 1: unknown metric type \"gauges\""),
        ("# TYPE x gauge \n", "line 1: unknown metric type \"gauge \""),
        ("# TYPE x gauge_histogram\n", "line 1: unknown metric type \"gauge_histogram\""),
        ("# HELP x a\\tb\n", "line 1: invalid escape sequence \"\\\\t\""),
        ("# HELP x a\\\n", "line 1: invalid escape sequence \"\\\\\\x0A\""),
        ("# HELP 1x text\n", "line 1: invalid metric name in comment: \"1x text\""),
        ("# TYPE x-y gauge\n", "line 1: invalid metric name in comment: \"x-y gauge\""),
    ])
    func refusesWrongDirectives(body: String, reason: String) {
        #expect(refusal(body) == "text format: \(reason)")
    }

    // MARK: Names and labels

    @Test func readsMetricAndLabelNamesOfTheirGrammar() throws {
        let families = try parse("a:b_C9 1\n_x{_A9=\"\"} 2\n:c 3\n")
        #expect(families.map(\.name) == [Array("a:b_C9".utf8), Array("_x".utf8), Array(":c".utf8)])
        #expect(families[1].metrics[0].labels == [label("_A9", "")])
    }

    @Test func unescapesLabelValuesAndKeepsTheirBytes() throws {
        let families = try parse(#"x{a="q\"b\\s\nl",b="é☃"} 1"# + "\n")
        #expect(families[0].metrics[0].labels == [label("a", "q\"b\\s\nl"), label("b", "é☃")])
        // Not UTF-8, and kept so: the checks refuse it for both formats.
        let invalid = try MetricFamilyText.parse(Array("x{a=\"".utf8) + [0xFF, 0xC3] + Array("\"} 1\n".utf8))
        #expect(invalid[0].metrics[0].labels == [PushedLabel(name: [97], value: [0xFF, 0xC3])])
    }

    @Test(arguments: [
        (#"x{a="1",a="2"} 1"#, "line 1: duplicate label name \"a\" for metric \"x\""),
        (#"x{__name__="y"} 1"#, "line 1: label name \"__name__\" is reserved (metric \"x\")"),
        (#"x{a-b="1"} 1"#, "line 1: expected '=' after label name \"a\", found \"-b=\\\"1\\\"} 1\""),
        (#"x{1a="1"} 1"#, "line 1: invalid label name for metric \"x\": found \"1a=\\\"1\\\"} 1\""),
        (#"x{,} 1"#, "line 1: invalid label name for metric \"x\": found \",} 1\""),
        (#"x{a=1} 1"#, "line 1: expected '\"' at start of label value, found \"1} 1\""),
        (#"x{a="1" b="2"} 1"#, "line 1: expected ',' or '}' after a label value of \"x\", found \"b=\\\"2\\\"} 1\""),
        (#"x{a="\t"} 1"#, "line 1: invalid escape sequence \"\\\\t\""),
        (#"x{a="\x"} 1"#, "line 1: invalid escape sequence \"\\\\x\""),
        ("x{a=\"1\n\"} 1", "line 1: label value \"1\" contains an unescaped line feed"),
        ("-x 1", "line 1: invalid metric name: a sample starts \"-x 1\""),
        ("{a=\"1\"} 1", "line 1: invalid metric name: a sample starts \"{a=\\\"1\\\"} 1\""),
        (#"x{a="1"} {b="2"} 1"#, "line 1: expected a float as value, got \"{b=\\\"2\\\"}\""),
    ])
    func refusesWrongLabels(line: String, reason: String) {
        #expect(refusal(line + "\n") == "text format: \(reason)")
    }

    /// Go compares every label name with every other at each label: a hundred thousand labels on one line must not
    /// take 10^10 steps here (the check hashes them).
    @Test(.timeLimit(.minutes(1)))
    func readsAHundredThousandLabelsOnOneLine() throws {
        let labels = (0..<100_000).map { "l\($0)=\"v\"" }.joined(separator: ",")
        let families = try parse("x{\(labels)} 1\n")
        #expect(families[0].metrics[0].labels.count == 100_000)
        #expect(
            refusal("x{\(labels),l99999=\"w\"} 1\n")
                == "text format: line 1: duplicate label name \"l99999\" for metric \"x\""
        )
        // A summary sorts them to find its metric.
        let summary = try parse("# TYPE s summary\ns_sum{\(labels)} 1\ns_count{\(labels)} 2\n")
        #expect(summary[0].metrics.count == 1)
        #expect(summary[0].metrics[0].summary == PushedSummary(count: 2, sum: 1))
    }

    @Test(.timeLimit(.minutes(1)))
    func readsAMebibyteLabelValueAndHelp() throws {
        let long = String(repeating: "ab\\\\", count: 1 << 18)
        let families = try parse("# HELP x \(long)\nx{a=\"\(long)\"} 1\n")
        #expect(families[0].metrics[0].labels[0].value.count == 3 << 18)
        #expect(families[0].help?.count == 3 << 18)
        let plain = String(repeating: "v", count: 1 << 20)
        #expect(try parse("x{a=\"\(plain)\"} 1\n")[0].metrics[0].labels[0].value.count == 1 << 20)
    }

    // MARK: Values and timestamps

    @Test(arguments: [
        ("1", 1.0), ("-1", -1), ("+1", 1), ("1.5e3", 1500), ("1.5E+3", 1500), ("2.5e-3", 0.0025), (".5", 0.5),
        ("5.", 5), ("-.5e1", -5), ("00012", 12), ("1.e2", 100), ("0", 0), ("1e-400", 0), ("-1e-400", -0.0),
        ("1e-330", 0), ("3e-324", 5e-324),
        ("4.9e-324", 5e-324), ("2.4703282292062328e-324", 5e-324), ("2.4703282292062327e-324", 0),
        ("1.7976931348623157e308", .greatestFiniteMagnitude), ("1.7976931348623158e308", .greatestFiniteMagnitude),
        ("0.1", 0.1), ("0.30000000000000004", 0.30000000000000004),
        ("123456789012345678901234567890", 1.2345678901234568e29),
        ("9007199254740993", 9_007_199_254_740_992), ("9007199254740995", 9_007_199_254_740_996),
        ("0e99999999999999999999", 0), ("1e-99999999999999999999", 0), ("1795557111.6031327", 1795557111.6031327),
        ("Inf", .infinity), ("+Inf", .infinity), ("-Inf", -.infinity), ("inf", .infinity), ("INFINITY", .infinity),
        ("-infinity", -.infinity), ("+Infinity", .infinity),
    ])
    func readsValuesAsGosParseFloat(token: String, expected: Double) throws {
        let value = try #require(TextFloat.parse(Array(token.utf8)[...]), "\(token)")
        #expect(value == expected && value.sign == expected.sign, "\(token) gave \(value)")
        #expect(try parse("x \(token)\n")[0].metrics[0].untyped == expected)
    }

    @Test func readsNaNInAnyCaseWithoutASign() throws {
        for token in ["NaN", "nan", "NAN", "nAn"] {
            #expect(TextFloat.parse(Array(token.utf8)[...])?.isNaN == true, "\(token)")
        }
        #expect(try parse("x NaN\n")[0].metrics[0].untyped?.isNaN == true)
    }

    /// What expfmt refuses: hexadecimal (`0x10` lacks Go's `p`, `0x1p3` has the `p` expfmt refuses), digit
    /// separators, signed NaN, C's spellings that `strtod` would take, half-words, a value too large for a double
    /// (Go's ErrRange), blanks and other digits.
    @Test(arguments: [
        "", "0x10", "0x1p3", "0X1P3", "1p3", "1_000", "0x_1p0", "+NaN", "-nan", "nan(1)", "nan(0x1)", "infin",
        "infinit",
        "infinityy", "+", "-", ".", "-.", "e5", ".e5", "1e", "1e+", "1e-", "1.5.", "1..5", "1e5.5", "1e5e5", "--1",
        "+-1",
        "1e400", "-1e400", "1e309", "1e310", "1.7976931348623159e308", "1e99999999999999999999", "١", "１", "1\r", "1,5",
        "0b1", "Inf1",
        "in", "na", "∞",
    ])
    func refusesWhatGoRefuses(token: String) {
        #expect(TextFloat.parse(Array(token.utf8)[...]) == nil, "\(token)")
    }

    /// Beyond 800 significant digits only whether a non-zero digit follows is kept, which decides a halfway case as
    /// every digit would: 2^53 + 1 is halfway between two doubles.
    @Test(.timeLimit(.minutes(1)))
    func roundsLongDigitStringsCorrectly() throws {
        let half = "9007199254740993"
        let zeros = String(repeating: "0", count: 1_000)
        let cases: [(String, Double)] = [
            (half + zeros + "e-1000", 9_007_199_254_740_992), (half + zeros + "1e-1001", 9_007_199_254_740_994),
            (half + "." + zeros, 9_007_199_254_740_992), (half + "." + zeros + "1", 9_007_199_254_740_994),
            ("0." + zeros + half + "e1016", 9_007_199_254_740_992),
            ("0." + zeros + half + "1e1016", 9_007_199_254_740_994),
        ]
        for (text, expected) in cases {
            #expect(TextFloat.parse(Array(text.utf8)[...]) == expected, "\(text.prefix(20))… \(text.suffix(20))")
        }
        let mebibyte = String(repeating: "7", count: 1 << 20)
        #expect(TextFloat.parse(Array(mebibyte.utf8)[...]) == nil)
        #expect(TextFloat.parse(Array(("0." + mebibyte).utf8)[...]) == 0.7777777777777778)
        #expect(try parse("x 0.\(mebibyte)\n")[0].metrics[0].untyped == 0.7777777777777778)
    }

    /// Random doubles written out in full and shortest, random digit strings: the same double as `Double(String)`
    /// (glibc's correctly rounded `strtod`) gives for them.
    @Test func agreesWithStrtodOnRandomValues() {
        var random = SplitMix64(seed: 0x7E47)
        for _ in 0..<20_000 {
            let bits = Double(bitPattern: random.next())
            guard bits.isFinite else { continue }
            let shortest = "\(bits)"
            #expect(TextFloat.parse(Array(shortest.utf8)[...]) == bits, "\(shortest)")
            var digits = String(random.next() % 1_000_000_007)
            let length = Int(random.next() % 40)
            for _ in 0..<length { digits += String(random.next() % 10) }
            let point = Int(random.next() % UInt64(digits.count + 1))
            var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            if text == "." { text = "0" }
            text += "e\(Int(random.next() % 700) - 350)"
            #expect(
                TextFloat.parse(Array(text.utf8)[...]) == Double(text).flatMap { $0.isFinite ? $0 : nil },
                "\(text)"
            )
        }
    }

    @Test func keepsTimestamps() throws {
        let families = try parse(
            "# TYPE x gauge\nx 1 1700000000000\nx{a=\"b\"} 2 -9223372036854775808\nx 3 +9223372036854775807\n"
        )
        #expect(families[0].metrics.map(\.timestampMilliseconds) == [1_700_000_000_000, .min, .max])
        let summary = try parse("# TYPE s summary\ns_sum 1 5\ns_count 2\n")
        #expect(summary[0].metrics[0].timestampMilliseconds == 5)
    }

    @Test(arguments: [
        ("x 1 9223372036854775808", "line 1: expected integer as timestamp, got \"9223372036854775808\""),
        ("x 1 -9223372036854775809", "line 1: expected integer as timestamp, got \"-9223372036854775809\""),
        ("x 1 1.5", "line 1: expected integer as timestamp, got \"1.5\""),
        ("x 1 0x10", "line 1: expected integer as timestamp, got \"0x10\""),
        ("x 1 1_0", "line 1: expected integer as timestamp, got \"1_0\""),
        ("x 1 +", "line 1: expected integer as timestamp, got \"+\""),
        ("x 1 ", "line 1: expected integer as timestamp, got \"\""),
        ("x 1\t", "line 1: expected integer as timestamp, got \"\""),
        ("x 1 2 ", "line 1: spurious string after timestamp: \" \""),
        ("x 1 2 3", "line 1: spurious string after timestamp: \" 3\""),
        ("x", "line 1: expected a float as value, got \"\""),
        ("x ", "line 1: expected a float as value, got \"\""),
        ("x 0x10", "line 1: expected a float as value, got \"0x10\""),
        ("x 1_000", "line 1: expected a float as value, got \"1_000\""),
    ])
    func refusesWrongValuesAndTimestamps(line: String, reason: String) {
        #expect(refusal(line + "\n") == "text format: \(reason)")
    }

    // MARK: Families, summaries, histograms

    @Test func mergesSamplesOfANameWhereverTheyStand() throws {
        let body = "# TYPE b gauge\n# TYPE a counter\na 1\nb{x=\"1\"} 2\nc 9\na{y=\"2\"} 3\nb 4\n"
        #expect(
            try parse(body) == [
                family("a", .counter, [PushedMetric(counter: 1), PushedMetric(labels: [label("y", "2")], counter: 3)]),
                family("b", .gauge, [PushedMetric(labels: [label("x", "1")], gauge: 2), PushedMetric(gauge: 4)]),
                family("c", .untyped, [PushedMetric(untyped: 9)]),
            ]
        )
        // The same name and labels twice are two metrics: the checks refuse the duplicate.
        #expect(try parse("x 1\nx 2\n")[0].metrics.count == 2)
    }

    @Test func gathersASummaryByItsLabelsInAnyOrder() throws {
        let body = """
            # TYPE s summary
            s{a="1",quantile="0.5",b="2"} 10
            s{quantile="0.5"} 20
            s_sum{b="2",a="1"} 30
            s{b="2",quantile="0.99",a="1"} 11
            other 1
            s_count{quantile="0.1",b="2",a="1"} 4
            s_count 1

            """
        let families = try parse(body)
        #expect(families.map(\.name) == [Array("s".utf8), Array("other".utf8)])
        #expect(
            families[0].metrics == [
                PushedMetric(
                    labels: [label("a", "1"), label("b", "2")],
                    summary: PushedSummary(
                        count: 4,
                        sum: 30,
                        quantiles: [.init(quantile: 0.5, value: 10), .init(quantile: 0.99, value: 11)]
                    )
                ),
                PushedMetric(summary: PushedSummary(count: 1, quantiles: [.init(quantile: 0.5, value: 20)])),
            ]
        )
    }

    @Test func gathersAHistogramByItsLabels() throws {
        let body = """
            # TYPE h histogram
            h_bucket{le="0.5",x="a"} 1
            h_bucket{x="a",le="+Inf"} 2
            h_bucket{le="1"} 7
            h{le="2",x="a"} 2
            h_count{x="a"} 2
            h_sum{x="a"} 1.25

            """
        #expect(
            try parse(body)[0].metrics == [
                PushedMetric(
                    labels: [label("x", "a")],
                    histogram: PushedHistogram(
                        count: 2,
                        sum: 1.25,
                        buckets: [
                            .init(cumulativeCount: 1, upperBound: 0.5),
                            .init(cumulativeCount: 2, upperBound: .infinity),
                            .init(cumulativeCount: 2, upperBound: 2),
                        ]
                    )
                ),
                PushedMetric(histogram: PushedHistogram(buckets: [.init(cumulativeCount: 7, upperBound: 1)])),
            ]
        )
    }

    /// `quantile` and `le` are labels like any other outside a summary or a histogram.
    @Test func keepsQuantileAndLeAsLabelsElsewhere() throws {
        let families = try parse(
            "x{quantile=\"a\",le=\"b\"} 1\n# TYPE h histogram\nh_bucket{le=\"1\",quantile=\"q\"} 1\n"
        )
        #expect(families[0].metrics[0].labels == [label("quantile", "a"), label("le", "b")])
        #expect(families[1].metrics[0].labels == [label("quantile", "q")])
    }

    /// expfmt's name rules: a family of the very name wins; `x_count` and `x_sum` belong to a summary or histogram
    /// `x`, `x_bucket` to a histogram; anything else is a family of its own, untyped without a TYPE.
    @Test func resolvesSuffixedNamesAsExpfmtDoes() throws {
        let families = try parse(
            "# TYPE c counter\nc_count 1\nc 2\n# TYPE s summary\ns_bucket 3\n# HELP s_sum Sums.\ns_sum 4\n"
        )
        #expect(families.map { String(decoding: $0.name, as: UTF8.self) } == ["c_count", "c", "s_bucket", "s"])
        #expect(families.map(\.kind) == [.untyped, .counter, .untyped, .summary])
        #expect(families[3].help == Array("Sums.".utf8))
        // An own family named x_count, made before x became a summary, keeps its samples.
        let own = try parse("# HELP x_count Own.\n# TYPE x summary\nx_count 1\n")
        #expect(own == [family("x_count", help: "Own.", .untyped, [PushedMetric(untyped: 1)])])
        #expect(
            refusal("# TYPE x summary\n# TYPE x_count gauge\n")
                == "text format: line 2: second TYPE line for metric name \"x_count\", or TYPE reported after samples"
        )
        // `_count` alone is a name, not a suffix; `x_count_count` is not the summary x's.
        let bare = try parse("# TYPE x summary\nx_count 1\n_count 1\nx_count_count 2\n")
        #expect(bare.map(\.kind) == [.summary, .untyped, .untyped])
    }

    @Test(arguments: [
        ("# TYPE h histogram\nh_bucket 1\n", "line 2: histogram \"h_bucket\" sample without an 'le' label"),
        ("# TYPE h histogram\nh{a=\"b\"} 1\n", "line 2: histogram \"h\" sample without an 'le' label"),
        ("# TYPE s summary\ns 1\n", "line 2: summary \"s\" sample without a 'quantile' label"),
        (
            "# TYPE s summary\ns{quantile=\"x\"} 1\n",
            "line 2: expected a float as the 'quantile' label of \"s\", got \"x\""
        ),
        ("# TYPE s summary\ns{quantile=\"NaN\"} 1\n", "line 2: the 'quantile' label of \"s\" is NaN"),
        ("# TYPE h histogram\nh_bucket{le=\"nan\"} 1\n", "line 2: the 'le' label of \"h_bucket\" is NaN"),
        ("# TYPE h histogram\nh_bucket{le=\"1\",le=\"2\"} 1\n", "line 2: a second 'le' label of \"h_bucket\""),
        (
            "# TYPE h histogram\nh_bucket{le=\" 1\"} 1\n",
            "line 2: expected a float as the 'le' label of \"h_bucket\", got \" 1\""
        ),
        (
            "# TYPE s summary\ns_count 2.5\n",
            "line 2: summary count must be a whole number from 0 to 2^64 - 1, got \"2.5\""
        ),
        (
            "# TYPE s summary\ns_count -1\n",
            "line 2: summary count must be a whole number from 0 to 2^64 - 1, got \"-1\""
        ),
        (
            "# TYPE s summary\ns_count NaN\n",
            "line 2: summary count must be a whole number from 0 to 2^64 - 1, got \"NaN\""
        ),
        (
            "# TYPE h histogram\nh_count +Inf\n",
            "line 2: histogram count must be a whole number from 0 to 2^64 - 1, got \"+Inf\""
        ),
        (
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1.5\n",
            "line 2: histogram bucket count must be a whole number from 0 to 2^64 - 1, got \"1.5\""
        ),
        (
            "# TYPE h histogram\nh_count 18446744073709551616\n",
            "line 2: histogram count must be a whole number from 0 to 2^64 - 1, got \"18446744073709551616\""
        ),
    ])
    func refusesWhatGoWouldMakeUp(body: String, reason: String) {
        #expect(refusal(body) == "text format: \(reason)")
    }

    @Test func readsTheLargestCounts() throws {
        let families = try parse("# TYPE h histogram\nh_count 18446744073709549568\nh_bucket{le=\"1\"} 0\n")
        #expect(families[0].metrics[0].histogram?.count == 18_446_744_073_709_549_568)
        #expect(families[0].metrics[0].histogram?.buckets == [.init(cumulativeCount: 0, upperBound: 1)])
    }

    // MARK: The series budget

    /// Every new metric is spent as it is made, so the refusal comes at the limit, before the rest of the body is
    /// read (here, a line that would be refused otherwise).
    @Test func refusesMoreSeriesThanTheLimitWhileReading() throws {
        let gauges = (0..<11).map { "g{i=\"\($0)\"} 1\n" }.joined()
        #expect(try parse(gauges, maxSeries: 11)[0].metrics.count == 11)
        #expect(throws: PushBodyError.tooManySeries(10)) { try parse(gauges + "not a sample\n", maxSeries: 10) }
        // A summary's lines of one label set are one series.
        let summary = "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 1\ns_count 1\ns_sum{a=\"b\"} 1\n"
        #expect(try parse(summary, maxSeries: 2)[0].metrics.count == 2)
        let refused = #expect(throws: PushBodyError.self) { try parse(summary, maxSeries: 1) }
        #expect(refused?.kind == .tooManySeries)
        // HELP and TYPE lines alone make no series.
        #expect(try parse("# TYPE a gauge\n# TYPE b gauge\n# HELP c C.\nd 1\n", maxSeries: 1).count == 1)
    }

    // MARK: Refusals and robustness

    @Test func quotesInputCutAndEscaped() throws {
        let token = String(repeating: "é", count: 100)
        let message = try #require(refusal("x \(token)\n"))
        #expect(
            message == "text format: line 1: expected a float as value, got \""
                + String(repeating: "\\xC3\\xA9", count: 20) + "...\""
        )
        #expect(message.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
        #expect(refusal("x \u{7}\n") == "text format: line 1: expected a float as value, got \"\\x07\"")
    }

    /// A hundred thousand lines, on a 256 KiB stack: nothing grows with the count of lines.
    @Test(.timeLimit(.minutes(1)))
    func readsAHundredThousandLinesOnASmallStack() {
        let lines = (0..<100_000).map { "m\($0 % 100){i=\"\($0)\"} \($0)\n" }.joined()
        let sums = (0..<100_000).map { "s_sum{i=\"\($0)\"} \($0)\n" }.joined()
        let body = Array(("# TYPE m0 gauge\n# TYPE s summary\n" + lines + sums).utf8)
        var count = -1
        SmallStack.run { count = (try? MetricFamilyText.parse(body))?.reduce(0) { $0 + $1.metrics.count } ?? -2 }
        #expect(count == 200_000)
    }

    /// Whatever the bytes, families or a refusal: never a trap (the fuzzer runs this for longer).
    @Test func readsOrRefusesRandomBytes() {
        var random = SplitMix64(seed: 0x7E57)
        let valid = Array(
            (Self.goClientBody + "x{a=\"b\\\\\",c=\"\\n\"} -Inf 1\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\n").utf8
        )
        let alphabet = Array(" \t\n#{}=,\"\\._:-+eE0123456789aInNfxp".utf8)
        for _ in 0..<3_000 {
            var body = valid
            for _ in 0..<Int(random.next() % 6) {
                let byte =
                    random.next() % 2 == 0
                    ? alphabet[Int(random.next() % UInt64(alphabet.count))] : UInt8(truncatingIfNeeded: random.next())
                body[Int(random.next() % UInt64(body.count))] = byte
            }
            _ = try? MetricFamilyText.parse(Array(body.prefix(Int(random.next() % UInt64(body.count + 1)))))
        }
    }
}
