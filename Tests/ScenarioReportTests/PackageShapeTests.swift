import Foundation
import ScenarioRecord
import Testing

/// The layering the reports rely on, read from the manifest as SwiftPM sees it
/// (`swift package dump-package`): the run record is Foundation only, and the reports read the
/// record and the scenario language — never the runner, the Milvus client, NIO or gRPC.
@Suite("package shape")
struct PackageShapeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every target's direct dependencies by name (targets and products alike).
    static func dependencies() throws -> [String: [String]] {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dump-package-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // A scratch path of its own: the package's .build is locked by the `swift test` running this.
        process.arguments = ["swift", "package", "--package-path", root.path, "--scratch-path", scratch.path, "dump-package"]
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("dump-package-\(UUID().uuidString).json")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        try #require(process.terminationStatus == 0, "swift package dump-package failed")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any])
        let targets = try #require(json["targets"] as? [[String: Any]])
        var result: [String: [String]] = [:]
        for target in targets {
            let name = try #require(target["name"] as? String)
            let deps = (target["dependencies"] as? [[String: Any]] ?? []).compactMap { dep -> String? in
                for key in ["byName", "target", "product"] {
                    if let entry = dep[key] as? [Any], let first = entry.first as? String { return first }
                }
                return nil
            }
            result[name] = deps
        }
        return result
    }

    /// Targets reachable from `target` through target dependencies, products included by name.
    static func closure(of target: String, in deps: [String: [String]]) -> Set<String> {
        var seen: Set<String> = []
        var queue = deps[target] ?? []
        while let next = queue.popLast() {
            guard seen.insert(next).inserted else { continue }
            queue += deps[next] ?? []
        }
        return seen
    }

    /// What the record side may reach: the scenario language, the record, the reports and pure
    /// computation — never a network stack.
    static func forbidden(_ name: String) -> Bool {
        ["ScenarioRunner", "MilvusClient", "LoadEngine", "ClusterObservation", "Alerting", "AsyncHTTPClient", "Crypto", "SwiftProtobuf"].contains(name)
            || name.hasPrefix("NIO") || name.hasPrefix("GRPC")
    }

    @Test("the reports depend on the record and the scenario language only; the record on the language and pure computation")
    func layering() throws {
        let deps = try Self.dependencies()
        #expect(Set(deps["ScenarioRecord"] ?? []) == ["ScenarioSpec", "Primitives", "Histogram"], "\(deps["ScenarioRecord"] ?? [])")
        #expect(Set(deps["ScenarioSpec"] ?? []) == ["CYAML", "Primitives"], "\(deps["ScenarioSpec"] ?? [])")
        #expect(Set(deps["ScenarioReport"] ?? []) == ["ScenarioRecord", "ScenarioSpec", "Primitives"], "\(deps["ScenarioReport"] ?? [])")
        let reachable = Self.closure(of: "ScenarioReport", in: deps)
        #expect(reachable.filter(Self.forbidden).isEmpty, "ScenarioReport reaches \(reachable.filter(Self.forbidden).sorted())")
        #expect(reachable == ["ScenarioRecord", "ScenarioSpec", "CYAML", "Primitives", "Histogram"], "\(reachable.sorted())")
    }

    /// The runner's parts stand alone: the load engine drives any executor (it knows no client and
    /// no network stack), what observes the cluster knows no alerts, and neither knows the runner
    /// that composes them — so each can be tested, benchmarked and reused on its own.
    @Test("the load engine, cluster observation and alerting do not reach the runner or each other upwards")
    func runnerParts() throws {
        let deps = try Self.dependencies()
        let engine = Self.closure(of: "LoadEngine", in: deps)
        #expect(engine.filter(Self.forbidden).isEmpty, "LoadEngine reaches \(engine.filter(Self.forbidden).sorted())")
        let observation = Self.closure(of: "ClusterObservation", in: deps)
        #expect(!observation.contains("ScenarioRunner") && !observation.contains("Alerting") && !observation.contains("LoadEngine"),
                "ClusterObservation reaches \(observation.sorted())")
        let alerting = Self.closure(of: "Alerting", in: deps)
        #expect(!alerting.contains("ScenarioRunner") && !alerting.contains("LoadEngine"), "Alerting reaches \(alerting.sorted())")
        // Alerting uses ClusterObservation's HTTP client; it has no business with Milvus's own API.
        #expect(!(deps["Alerting"] ?? []).contains("MilvusClient"), "\(deps["Alerting"] ?? [])")
        let runner = Set(deps["ScenarioRunner"] ?? [])
        #expect(runner.isSuperset(of: ["LoadEngine", "ClusterObservation", "Alerting"]), "\(runner.sorted())")
    }

    /// `merge`, `compare`, `report`, `baseline`, `schema` and `reference` live in ScenarioCommands;
    /// the executable adds `run` and `validate`. A binary of the record commands alone would link
    /// none of the client: nothing they reach can.
    @Test("merge, compare and report cannot reach the client, the runner, NIO or gRPC")
    func recordCommands() throws {
        let deps = try Self.dependencies()
        let reachable = Self.closure(of: "ScenarioCommands", in: deps)
        #expect(reachable.filter(Self.forbidden).isEmpty, "ScenarioCommands reaches \(reachable.filter(Self.forbidden).sorted())")
        #expect(reachable == ["ScenarioReport", "ScenarioRecord", "ScenarioSpec", "CYAML", "Primitives", "Histogram", "ArgumentParser"],
                "\(reachable.sorted())")
        // And the commands are where the CLI takes them from (not copies of its own).
        let sources = Self.root.appendingPathComponent("Sources/ScenarioCommands")
        let files = try FileManager.default.contentsOfDirectory(atPath: sources.path)
        for command in ["MergeCommand", "ReportCommand", "CompareCommand", "BaselineCommand", "SchemaCommand", "ReferenceCommand"] {
            let declared = try files.contains { try String(contentsOf: sources.appendingPathComponent($0), encoding: .utf8).contains("public struct \(command):") }
            #expect(declared, "\(command) is not declared in Sources/ScenarioCommands")
        }
    }
}
