import Foundation
import Testing

/// What a server lacks is found after connecting and before the first step: milvus-lite 3.2.2
/// has no GetReplicas, so a verified multi-replica load cannot run there. The real 2.3.5
/// standalone has everything these scenarios need.
extension RunTests {
    static func capabilityScenario(topLevelReplicas: Int) -> String {
        """
        collection: capability_probe
        target: {uri: "${MILVUS_URI}", metrics: "${MILVUS_METRICS}"}
        cleanup: always
        steps:
          - create:
              recreate: true
              fields:
                - {name: id, type: int64, primary: true}
                - {name: v, type: floatVector, dim: 8}
          - insert: {rows: 200}
          - index: {type: FLAT, metric: L2}
          - load: {replicas: \(topLevelReplicas)}
          - sweep:
              over: {replicas: [1, 2]}
              steps:
                - release
                - load: {replicas: "${replicas}"}
                - concurrentSearch: {queries: 20, concurrency: 2}
          # The last row released the collection; delete verifies with a query.
          - load
          - upsert: {rows: 10}
          - delete: {rows: 5}
          - drop
        """
    }

    static var liteEnvironment: [String: String] {
        var environment = Self.environment
        environment["MILVUS_URI"] = "http://127.0.0.1:21530"
        environment["MILVUS_METRICS"] = "http://127.0.0.1:9"
        return environment
    }

    @Test("a step the server cannot do stops the run before its first step: file:line:col, the server and the RPC, exit 2, nothing run",
          .enabled(if: liteUp, "milvus-lite is not running (scripts/milvus-local lite up)"))
    func refusedBeforeTheRun() throws {
        let dir = try Self.temporaryFolder()
        let file = try Self.scenario(Self.capabilityScenario(topLevelReplicas: 2), in: dir)
        let reports = dir.appendingPathComponent("reports")
        let r = try CLITests.run(["run", file, "--report-dir", reports.path], environment: Self.liteEnvironment)
        #expect(r.status == 2, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.contains("\(file):12:5: error: not supported by this server (milvus_lite-3.2.2): GetReplicas — the load step verifies its 2 replicas"), "\(r.stderr)")
        #expect(r.stderr.contains("not run") && !FileManager.default.fileExists(atPath: reports.appendingPathComponent("run.json").path))
        #expect(!FileManager.default.fileExists(atPath: reports.path), "nothing ran, so no empty report folder is left behind")

        // `validate --target` finds the same without running anything; the standalone has it all.
        let v = try CLITests.run(["validate", file, "--target", "http://127.0.0.1:21530"], environment: Self.liteEnvironment)
        #expect(v.status == 2 && v.stderr.contains("\(file):12:5: error: not supported by this server (milvus_lite-3.2.2): GetReplicas"), "\(v.stdout)\n\(v.stderr)")
        if Self.standaloneUp {
            let ok = try CLITests.run(["validate", file, "--target", "http://127.0.0.1:19530"], environment: Self.environment)
            #expect(ok.status == 0 && ok.stdout.contains("has what it needs"), "\(ok.stdout)\n\(ok.stderr)")
        }
        let unreachable = try CLITests.run(["validate", file, "--target", "http://127.0.0.1:\(try Self.freePort())"], environment: Self.environment)
        #expect(unreachable.status == 3 && unreachable.stderr.contains("cannot check"), "\(unreachable.stderr)")
    }

    @Test("inside a sweep, a row that needs what the server lacks is 'not supported' and the sweep and the run go on",
          .enabled(if: liteUp, "milvus-lite is not running (scripts/milvus-local lite up)"))
    func unsupportedSweepRow() throws {
        let dir = try Self.temporaryFolder()
        let r = try CLITests.run(["run", try Self.scenario(Self.capabilityScenario(topLevelReplicas: 1), in: dir), "--report-dir", dir.path],
                                 environment: Self.liteEnvironment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let sweep = try #require(Self.steps(try Self.record(dir)).first { $0["kind"] as? String == "sweep" })
        let rows = try #require((sweep["sweep"] as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(rows.map { $0["status"] as? String } == ["ok", "unsupported"], "\(rows)")
        #expect((rows.last?["reason"] as? String)?.contains("not supported by this server (milvus_lite-3.2.2): GetReplicas") == true, "\(rows)")
        // The row stopped before its load sent anything: only release ran.
        let rowSteps = try #require(rows.last?["steps"] as? [[String: Any]])
        #expect(rowSteps.map { $0["status"] as? String } == ["ok", "unsupported", "skipped"], "\(rowSteps.map { $0["status"] ?? "" })")
    }
}
