// swift-tools-version:6.1
import PackageDescription

// Micro-benchmarks of the hot paths, apart from the service's package so that its build (and CI's) never fetches or
// compiles the benchmark framework. Run with `make micro-bench`.
// A path dependency is known by its folder's name, which is whatever the clone was called.
let service = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "main").lowercased()

let package = Package(
    name: "delivery-metrics-benchmarks",
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Only the malloc interposer trait: the ARC runtime interposer it also enables by default for Swift 6.3 is
        // not among the packages this machine can reach, and the malloc counts are what the targets ask for.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DeliveryMetrics", package: service),
                .product(name: "Loop", package: service),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
