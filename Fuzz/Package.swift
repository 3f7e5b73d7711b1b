// swift-tools-version:6.1
import PackageDescription

// The libFuzzer targets, a package of their own over the service's: each fuzzer imports the real Loop and
// DeliveryMetrics modules, so no file list is kept by hand and no library file needs a guard. `make fuzz` builds it
// with AddressSanitizer and libFuzzer's coverage instrumentation on every module, and `-enable-testing`, for the
// fuzzers reach internal decoders through `@testable import` (docs/testing.md#fuzzing).
// A path dependency is known by its folder's name, which is whatever the clone was called.
let service = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "main").lowercased()

// libFuzzer's runtime only in the fuzzers: the build tool the service's plugin runs has a `main` of its own, which
// is why `make fuzz` instruments with `-sanitize-coverage` rather than `--sanitize=fuzzer`.
let fuzzerLink: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer"])]

let package = Package(
    name: "delivery-metrics-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .systemLibrary(name: "LibFuzzer", path: "LibFuzzer"),
        .executableTarget(
            name: "parser-fuzzer",
            dependencies: ["LibFuzzer", .product(name: "Loop", package: service)],
            path: "parser",
            linkerSettings: fuzzerLink
        ),
        .executableTarget(
            name: "forms-fuzzer",
            dependencies: [
                "LibFuzzer",
                .product(name: "Loop", package: service),
                .product(name: "DeliveryMetrics", package: service),
            ],
            path: "forms",
            linkerSettings: fuzzerLink
        ),
        .executableTarget(
            name: "protobuf-fuzzer",
            dependencies: ["LibFuzzer", .product(name: "DeliveryMetrics", package: service)],
            path: "protobuf",
            linkerSettings: fuzzerLink
        ),
        .executableTarget(
            name: "text-fuzzer",
            dependencies: ["LibFuzzer", .product(name: "DeliveryMetrics", package: service)],
            path: "text",
            linkerSettings: fuzzerLink
        ),
        .executableTarget(
            name: "json-fuzzer",
            dependencies: ["LibFuzzer", .product(name: "DeliveryMetrics", package: service)],
            path: "json",
            linkerSettings: fuzzerLink
        ),
    ],
    swiftLanguageModes: [.v6]
)
