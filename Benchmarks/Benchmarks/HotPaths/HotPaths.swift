import Benchmark

// One benchmark per stage of a push (and of a scrape); the malloc counts are per operation (scaling .kilo: each
// iteration runs the body a thousand times and the counts are divided back).

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .mallocBytesCount, .instructions],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )
    let paths = try! PushPaths()

    Benchmark("push: parse the HTTP request") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(paths.parsePushRequest()) }
    }
    Benchmark("push: decode the form body") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(paths.decodePushForm()) }
    }
    Benchmark("push: decode the form body, general decoder") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try paths.decodePushFormGenerally()) }
    }
    Benchmark("push: validate labels, find the series, observe") { benchmark in
        for _ in benchmark.scaledIterations { try paths.observe() }
    }
    Benchmark("push: format a Go float") { benchmark in
        for index in benchmark.scaledIterations { blackHole(paths.formatFloat(Double(index) * 0.25 + 14_400)) }
    }
    Benchmark("push: route, screen, handle, answer (no socket)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(paths.push()) }
    }
    // The responder the stage above makes for each run (a connection reuses its own): its one allocation.
    Benchmark("push: the stage's own detached responder alone") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(paths.detachedResponder()) }
    }

    let scrapes = try! ScrapePaths()
    let scrapeConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal, .mallocBytesCount],
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 200
    )
    Benchmark("scrape: 10,000 series unchanged, plain", configuration: scrapeConfiguration) { _ in
        blackHole(scrapes.scrape(gzip: false))
    }
    Benchmark("scrape: 10,000 series unchanged, gzip", configuration: scrapeConfiguration) { _ in
        blackHole(scrapes.scrape(gzip: true))
    }
    // The writes are part of the measure; the next benchmark measures them alone, to subtract.
    Benchmark("scrape: write every series, then scrape plain", configuration: scrapeConfiguration) { _ in
        try scrapes.changeEverySeries()
        blackHole(scrapes.scrape(gzip: false))
    }
    Benchmark("scrape: write every series only", configuration: scrapeConfiguration) { _ in
        try scrapes.changeEverySeries()
    }
}
