// swift-tools-version: 6.0
// milvus-scenario: declarative YAML scenarios against Milvus.
import PackageDescription

let package = Package(
    name: "milvus-scenario",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "milvus-scenario", targets: ["MilvusScenarioCLI"]),
        .library(name: "ScenarioSpec", targets: ["ScenarioSpec"]),
        .library(name: "MilvusClient", targets: ["MilvusClient"]),
        .executable(name: "milvus-client-bench", targets: ["MilvusClientBench"]),
        .executable(name: "ground-truth-bench", targets: ["GroundTruthBench"]),
        .executable(name: "shadow-bench", targets: ["ShadowBench"]),
        .executable(name: "instant-milvus", targets: ["InstantMilvus"]),
        .executable(name: "runner-ceiling", targets: ["RunnerCeiling"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // gRPC: the versions the generated code in Sources/MilvusClient/Generated was made with
        // (scripts/generate-proto builds the protoc plugins from these same versions).
        .package(url: "https://github.com/grpc/grpc-swift-2", exact: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", exact: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        // Direct dependencies for the connection's PING responder (see ServerPingResponder.swift).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // STARTTLS / TLS for the SMTP notifier (already in the graph through the gRPC transport).
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // SHA-256 of the scenario file (already in the graph through the gRPC transport's TLS).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // HTTP for /metrics, /healthz and webhook / Alertmanager deliveries (on the same NIO as gRPC;
        // FoundationNetworking's URLSession leaked NSError dumps and did not survive cancellation).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // libyaml from the system (Debian: libyaml-dev); the scenario reader is built on its event API.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // HDF5 and a CBLAS (OpenBLAS), loaded with dlopen when first needed rather than linked:
        // the binary starts without them (a `make dist` binary needs only the C library); an
        // .hdf5 data set then asks for libhdf5, and exact nearest neighbours use their SIMD kernel
        // without OpenBLAS. Building needs HDF5's header (Debian: libhdf5-dev), for its types.
        .target(
            name: "HDF5Runtime",
            cSettings: [.unsafeFlags(["-I/usr/include/hdf5/serial"])]
        ),
        .target(name: "BLASRuntime"),
        // Vector data set files read in row ranges, never whole: TEXMEX .fvecs/.bvecs/.ivecs,
        // NumPy .npy and ann-benchmarks HDF5.
        .target(
            name: "VectorFiles",
            dependencies: ["HDF5Runtime"]
        ),
        // Exact k nearest neighbours by brute force over streamed row blocks, and recall@k.
        // No Milvus, no scenario: pure numerics, benchmarked in bench/ground-truth.
        .target(
            name: "GroundTruth",
            dependencies: ["BLASRuntime"]
        ),
        // Small building blocks every layer shares and nothing else provides: JSON string
        // quoting, the seeded random generator, Duration in milliseconds. Standard library only.
        .target(name: "Primitives"),
        // The scenario language: YAML reader with marks, model, validation, thresholds, JSON Schema.
        .target(
            name: "ScenarioSpec",
            dependencies: ["CYAML", "Primitives"]
        ),
        // Typed async Milvus API over gRPC (own .proto subset, generated code committed).
        .target(
            name: "MilvusClient",
            dependencies: [
                "Primitives",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Proto"]
        ),
        // The run record (`run.json`): plain Codable data, reading with a format check, writing,
        // and every operation on records — the latency histogram codec, thresholds, `merge`.
        // Pure computation over the scenario language (HdrHistogram, no I/O but files): `merge`,
        // `compare` and `report` never reach the runner, the client, NIO or gRPC (PackageShapeTests).
        .target(
            name: "ScenarioRecord",
            dependencies: [
                "ScenarioSpec",
                "Primitives",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            plugins: ["StepKindRegistry"]
        ),
        // The load engine: closed workers, constant and ramping rates (the one open-loop
        // scheduler), the lifecycle of a load (warm-up, measured phase, progress, per-interval
        // series) and its outcome. A load supplies only its operation; the engine knows no server.
        .target(
            name: "LoadEngine",
            dependencies: [
                "ScenarioRecord",
                "Primitives",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // Observing a cluster: the servers' own per-node counters (Prometheus text from each
        // process's /metrics), resources and traffic, server-side latency, health probes.
        .target(
            name: "ClusterObservation",
            dependencies: [
                "ScenarioSpec",
                "ScenarioRecord",
                "MilvusClient",
                "Primitives",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // Alerting and actions: alert rules, notifiers (webhook, Alertmanager, SMTP over NIOSSL),
        // commands (faults, recoveries, scaling) and the auto-scaler's decisions.
        .target(
            name: "Alerting",
            dependencies: [
                "ScenarioSpec",
                "ScenarioRecord",
                "ClusterObservation",
                "Primitives",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // Executes scenarios: the step runners, composed of the parts above; produces the RunRecord.
        .target(
            name: "ScenarioRunner",
            dependencies: [
                "ScenarioSpec",
                "ScenarioRecord",
                "LoadEngine",
                "ClusterObservation",
                "Alerting",
                "MilvusClient",
                "Primitives",
                "GroundTruth",
                "VectorFiles",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            plugins: ["StepKindRegistry"]
        ),
        // RunRecord → report files (Markdown, CSV, JUnit, SVG) and `compare`: pure functions of
        // the record and the scenario language — never the runner, the client, NIO or gRPC
        // (PackageShapeTests checks it).
        .target(
            name: "ScenarioReport",
            dependencies: ["ScenarioRecord", "ScenarioSpec", "Primitives"],
            plugins: ["StepKindRegistry"]
        ),
        // Client CPU microbenchmark, driven by bench/client-cpu next to pymilvus.
        .executableTarget(
            name: "MilvusClientBench",
            dependencies: ["MilvusClient"],
            path: "bench/ClientBench"
        ),
        // A gRPC server that answers every Milvus call at once (no Milvus): the client's ceiling,
        // driven by bench/client-ceiling.
        .executableTarget(
            name: "InstantMilvus",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            ],
            path: "bench/InstantMilvus"
        ),
        // The runner's search engine against instant-milvus: searches per client core.
        .executableTarget(
            name: "RunnerCeiling",
            dependencies: ["MilvusClient", "ScenarioRunner", "LoadEngine"],
            path: "bench/RunnerCeiling"
        ),
        // Exact ground truth at benchmark size (1,000,000 × 128-d), driven by bench/ground-truth.
        .executableTarget(
            name: "GroundTruthBench",
            dependencies: ["GroundTruth", "ScenarioRunner", "ScenarioSpec", "MilvusClient"],
            path: "bench/GroundTruthBench"
        ),
        // The shadow of a 10,000,000-row collection after deletes and upserts: memory and
        // ground truth over its live rows, driven by bench/shadow.
        .executableTarget(
            name: "ShadowBench",
            dependencies: ["ScenarioRunner"],
            path: "bench/ShadowBench"
        ),
        // The commands that read and write records and scenario files without a server —
        // report, compare, baseline, merge, schema, reference — and what every command shares.
        // They never reach the runner, the client, NIO or gRPC (PackageShapeTests).
        .target(
            name: "ScenarioCommands",
            dependencies: [
                "ScenarioSpec",
                "ScenarioRecord",
                "ScenarioReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The command-line tool; thin: `run` and `validate` (which may ask a server) beside the
        // record commands; parses arguments, maps outcomes to exit codes.
        .executableTarget(
            name: "MilvusScenarioCLI",
            dependencies: [
                "ScenarioCommands",
                "ScenarioSpec",
                "ScenarioRunner",
                "ScenarioRecord",
                "ScenarioReport",
                "MilvusClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Each layer's list of step kinds, generated from the one list (`StepKinds.all`).
        .executableTarget(
            name: "StepKindRegistryGenerator",
            path: "Plugins/StepKindRegistryGenerator"
        ),
        .plugin(
            name: "StepKindRegistry",
            capability: .buildTool(),
            dependencies: ["StepKindRegistryGenerator"]
        ),
        // What several test targets share: running a program to its end, starting a helper server.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "ScenarioSpecTests",
            dependencies: ["ScenarioSpec", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "ScenarioRecordTests",
            dependencies: ["ScenarioRecord", "ScenarioSpec"]
        ),
        .testTarget(
            name: "LoadEngineTests",
            dependencies: ["LoadEngine", "ScenarioRecord", "TestSupport", .product(name: "Histogram", package: "hdrhistogram-swift")]
        ),
        .testTarget(
            name: "MilvusClientTests",
            dependencies: [
                "MilvusClient", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            ]
        ),
        .testTarget(
            name: "ScenarioRunnerTests",
            dependencies: ["ScenarioRunner", "ScenarioRecord", "ScenarioSpec", "MilvusClient", "GroundTruth", "VectorFiles", "TestSupport", "Primitives", "LoadEngine", "ClusterObservation", "Alerting",
                           .product(name: "NIOPosix", package: "swift-nio"), .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Histogram", package: "hdrhistogram-swift")]
        ),
        .testTarget(
            name: "ClusterObservationTests",
            dependencies: ["ClusterObservation", "ScenarioRecord"]
        ),
        .testTarget(
            name: "ScenarioReportTests",
            dependencies: ["ScenarioReport", "ScenarioRecord", "ScenarioSpec", "Primitives"],
            resources: [.copy("Golden")]
        ),
        .testTarget(
            name: "MilvusScenarioCLITests",
            dependencies: ["MilvusScenarioCLI", "ScenarioRunner", "ScenarioRecord", "ScenarioReport", "ClusterObservation", "TestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
