// swift-tools-version: 6.0
// milvus-scenario: declarative YAML scenarios against Milvus.
import PackageDescription

let package = Package(
    name: "milvus-scenario",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "milvus-scenario", targets: ["MilvusScenarioCLI"]),
        .library(name: "ScenarioSpec", targets: ["ScenarioSpec"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // libyaml from the system (Debian: libyaml-dev); the scenario reader is built on its event API.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // The scenario language: YAML reader with marks, model, validation, thresholds, JSON Schema.
        .target(
            name: "ScenarioSpec",
            dependencies: ["CYAML"]
        ),
        // The command-line tool; thin: parses arguments, maps outcomes to exit codes.
        .executableTarget(
            name: "MilvusScenarioCLI",
            dependencies: [
                "ScenarioSpec",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "ScenarioSpecTests",
            dependencies: ["ScenarioSpec"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "MilvusScenarioCLITests",
            dependencies: ["MilvusScenarioCLI"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
