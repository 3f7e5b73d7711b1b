// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "delivery-metrics",
    products: [
        .executable(name: "delivery-metrics", targets: ["DeliveryMetricsServer"]),
        // For the Benchmarks and Fuzz packages only: SwiftPM lets another package import a library, never an
        // executable.
        .library(name: "DeliveryMetrics", targets: ["DeliveryMetrics"]),
        .library(name: "Loop", targets: ["Loop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2")
    ],
    targets: [
        // libuv from Debian's libuv1-dev, found through pkg-config.
        .systemLibrary(
            name: "CUV",
            path: "Sources/CUV",
            pkgConfig: "libuv",
            providers: [.apt(["libuv1-dev"])]
        ),
        // zlib from Debian's zlib1g-dev, for gzip-encoded scrapes.
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // libcurl's headers from Debian's libcurl4-openssl-dev: HTTPS for the API scraper (TLS is not to be
        // hand-written). Not linked (no pkgConfig, whose flags would link it): HTTPClient opens libcurl.so.4 with
        // dlopen when the scraper is on, so a service without it never maps curl and its TLS libraries.
        .systemLibrary(
            name: "CCurl",
            path: "Sources/CCurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // The Swift face of libuv plus HTTP/1.1; knows nothing of metrics.
        .target(name: "Loop", dependencies: ["CUV", "CCurl"]),
        // The service, as a library: the executable below is one line, so the Benchmarks package can import this.
        .target(
            name: "DeliveryMetrics",
            dependencies: [
                "Loop",
                "CZlib",
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["ExperimentListPlugin"]
        ),
        .executableTarget(name: "DeliveryMetricsServer", dependencies: ["DeliveryMetrics"]),
        // Experiments are one file each: this plugin and its tool list them at build time, so adding or removing an
        // experiment touches nothing else (Swift has no Go-style init() to register them).
        .executableTarget(name: "ExperimentListGenerator"),
        .plugin(
            name: "ExperimentListPlugin",
            capability: .buildTool(),
            dependencies: ["ExperimentListGenerator"]
        ),
        // A raw-socket HTTP client and a loop-on-its-own-thread runner, shared by all three test targets.
        .target(name: "TestSupport", dependencies: ["Loop"], path: "Tests/TestSupport"),
        .testTarget(name: "LoopTests", dependencies: ["Loop", "TestSupport"]),
        .testTarget(
            name: "DeliveryMetricsTests",
            dependencies: ["DeliveryMetrics", "Loop", "CZlib", "TestSupport"],
            exclude: ["Golden", "Fixtures"]
        ),
        // Black-box tests against a running binary; skipped unless DELIVERY_METRICS_URL is set (see `make acceptance`).
        .testTarget(
            name: "AcceptanceTests",
            dependencies: ["Loop", "TestSupport"],
            path: "Acceptance",
            exclude: ["promtool-lint-allowed.txt"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
