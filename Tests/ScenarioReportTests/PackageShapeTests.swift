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

    @Test("the reports depend on the record and the scenario language only; the record on Foundation only")
    func layering() throws {
        let deps = try Self.dependencies()
        #expect(deps["ScenarioRecord"] == [], "\(deps["ScenarioRecord"] ?? [])")
        #expect(Set(deps["ScenarioReport"] ?? []) == ["ScenarioRecord", "ScenarioSpec", "Primitives"], "\(deps["ScenarioReport"] ?? [])")
        let reachable = Self.closure(of: "ScenarioReport", in: deps)
        let forbidden = reachable.filter {
            ["ScenarioRunner", "MilvusClient"].contains($0) || $0.hasPrefix("NIO") || $0.hasPrefix("GRPC") || $0 == "SwiftProtobuf"
        }
        #expect(forbidden.isEmpty, "ScenarioReport reaches \(forbidden.sorted())")
        #expect(reachable == ["ScenarioRecord", "ScenarioSpec", "CYAML", "Primitives"], "\(reachable.sorted())")
    }
}
