// swift-tools-version: 6.1
import PackageDescription

/// Settings shared by every Swift target: Swift 6 language mode (strict concurrency) plus
/// `ExistentialAny`, so existential types are always spelled `any P`.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "Jupiter",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "JupiterCore", targets: ["JupiterCore"]),
        .library(name: "JupiterCurate", targets: ["JupiterCurate"]),
        .library(name: "JupiterSynth", targets: ["JupiterSynth"]),
        .library(name: "JupiterTokenize", targets: ["JupiterTokenize"]),
        .library(name: "JupiterLLM", targets: ["JupiterLLM"]),
        .library(name: "JupiterMix", targets: ["JupiterMix"]),
        .library(name: "JupiterEval", targets: ["JupiterEval"]),
        .library(name: "JupiterReport", targets: ["JupiterReport"]),
        .library(name: "JupiterTesting", targets: ["JupiterTesting"]),
        .library(name: "Jupiter", targets: ["Jupiter"]),
        .executable(name: "jupiter", targets: ["jupiter"]),
        .executable(name: "jupiter-bench", targets: ["jupiter-bench"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0")
    ],
    targets: [
        // System zlib (Debian: zlib1g-dev) for gzip streams.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // System zstd (Debian: libzstd-dev) for zstd-compressed Parquet pages.
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", providers: [.apt(["libzstd-dev"])]),
        // System OpenSSL libcrypto (Debian: libssl-dev) for SHA-256 with the CPU's SHA extensions.
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", providers: [.apt(["libssl-dev"])]),
        // System libdeflate (Debian: libdeflate-dev) for gzip compression (zlib still inflates).
        .systemLibrary(name: "CDeflate", path: "Sources/CDeflate", providers: [.apt(["libdeflate-dev"])]),
        // System xxHash (Debian: libxxhash-dev) for XXH3's 128-bit hash (exact-dedup keys).
        .systemLibrary(name: "CXXHash", path: "Sources/CXXHash", providers: [.apt(["libxxhash-dev"])]),

        // Record model, format adapters, streaming JSONL (+gzip) and Parquet, hashing, stage protocol. No NIO.
        .target(
            name: "JupiterCore", dependencies: ["CZlib", "CZstd", "CCrypto", "CDeflate", "CXXHash", "CTextScan", "CFastDeflate"],
            swiftSettings: strict),
        // JSON byte scans sixteen bytes at a time (SSE2, NEON), inlined into JupiterCore; a prefetch hint.
        .target(name: "CTextScan"),
        // Jupiter's own fast deflate encoder (drop records): reproducible, 1.3–1.5× libdeflate's level 1.
        .target(name: "CFastDeflate"),
        // The MinHash signature kernel, compiled per CPU level and picked at run time.
        .target(name: "CMinHash"),
        // Filters, language ID, dedup, decontamination.
        .target(name: "JupiterCurate", dependencies: ["JupiterCore", "CMinHash", "CTextScan"], swiftSettings: strict),
        // Hugging Face tokenizer.json and chat templates.
        .target(name: "JupiterTokenize", dependencies: ["JupiterCore"], swiftSettings: strict),
        // Every stage that calls a model (generate, uncertainty, replay, translation, culture) plus
        // parallel->chat; reaches models only through JupiterCore's ModelClient (no NIO here).
        .target(name: "JupiterSynth", dependencies: ["JupiterCore", "JupiterCurate"], swiftSettings: strict),
        // Forget-Me-Not mixer: weights in tokens or records, reasoning balance, shards, dataset card.
        .target(name: "JupiterMix", dependencies: ["JupiterCore", "JupiterTokenize"], swiftSettings: strict),
        // Evaluation: tasks (OpenAI-evals JSONL, multiple choice by log-likelihood, GSM8K, IFEval),
        // scorers, the runner (models reached only through JupiterCore's ModelClient: no NIO), the
        // results and the paired comparison.
        .target(name: "JupiterEval", dependencies: ["JupiterCore"], swiftSettings: strict),
        // Self-contained HTML reports (inline CSS and SVG): page, table and chart blocks, the eval page.
        .target(name: "JupiterReport", dependencies: ["JupiterCore"], swiftSettings: strict),
        // OpenAI-compatible client, endpoint pool, retries, response cache, llama.cpp backend.
        .target(
            name: "JupiterLLM",
            dependencies: [
                "JupiterCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift")
            ],
            swiftSettings: strict),
        // Test support: scripted OpenAI-compatible server with fault injection.
        .target(
            name: "JupiterTesting",
            dependencies: [
                "JupiterCore", "JupiterLLM",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift")
            ],
            swiftSettings: strict),
        // Recipe (YAML) -> plan -> resumable run.
        .target(
            name: "Jupiter",
            dependencies: [
                "JupiterCore", "JupiterCurate", "JupiterSynth", "JupiterTokenize", "JupiterLLM", "JupiterMix",
                "JupiterEval", "JupiterReport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift")
            ],
            swiftSettings: strict),
        // The CLI: parses options, calls `Jupiter`, prints diagnostics and progress.
        .executableTarget(
            name: "jupiter",
            dependencies: ["Jupiter", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        // Benchmarks driven by bench/*.sh (compare against Python or C peers in the same run).
        .executableTarget(
            name: "jupiter-bench",
            dependencies: [
                "Jupiter", "JupiterCore", "JupiterCurate", "JupiterTokenize", "JupiterLLM", "JupiterMix", "JupiterTesting",
                "CDeflate", .product(name: "ArgumentParser", package: "swift-argument-parser")
            ],
            swiftSettings: strict),

        .testTarget(
            name: "JupiterCoreTests", dependencies: ["JupiterCore", "JupiterTesting", "CFastDeflate"], swiftSettings: strict),
        .testTarget(name: "JupiterCurateTests", dependencies: ["JupiterCurate", "JupiterTesting"], swiftSettings: strict),
        .testTarget(
            name: "JupiterSynthTests", dependencies: ["JupiterSynth", "JupiterLLM", "JupiterTesting"],
            swiftSettings: strict),
        .testTarget(name: "JupiterTokenizeTests", dependencies: ["JupiterTokenize", "JupiterTesting"], swiftSettings: strict),
        .testTarget(name: "JupiterMixTests", dependencies: ["JupiterMix", "JupiterTesting"], swiftSettings: strict),
        .testTarget(
            name: "JupiterEvalTests",
            dependencies: ["JupiterEval", "JupiterLLM", "JupiterTesting", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(name: "JupiterReportTests", dependencies: ["JupiterReport", "JupiterTesting"], swiftSettings: strict),
        .testTarget(name: "JupiterLLMTests", dependencies: ["JupiterLLM", "JupiterTesting"], swiftSettings: strict),
        .testTarget(name: "JupiterTests", dependencies: ["Jupiter", "JupiterTesting"], swiftSettings: strict),
        .testTarget(
            name: "JupiterCLITests",
            dependencies: ["Jupiter", "JupiterLLM", "JupiterTesting", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict)
    ]
)
