import Foundation
import Testing

/// `flush` against the real standalone server: rows inserted without a flush are sealed and
/// persisted by the step, which then counts the persisted segments and their rows. Part of the
/// serialized `RunTests` suite (other tests there restart the shared server).
extension RunTests {
    @Test("flush: inserted rows without a flush are persisted by the step; its segments and rows are counted",
          .enabled(if: standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func flushStep() throws {
        let dir = try Self.temporaryFolder()
        let scenario = try Self.scenario("""
            version: 1
            name: flush_step
            collection: flush_step
            cleanup: always
            target: {uri: "${MILVUS_URI}", metrics: "${MILVUS_METRICS}"}
            steps:
              - create:
                  recreate: true
                  fields:
                    - {name: id, type: int64, primary: true}
                    - {name: embedding, type: floatVector, dim: 8}
              - insert: {rows: 3000, batch: 1000, flush: false}
              - flush: {id: sealed}
              - flush: {id: again, wait: false}
              - drop
            thresholds:
              - sealed.rows == 3000
            """, in: dir)
        let r = try CLITests.run(["run", scenario, "--report-dir", dir.path], environment: Self.environment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let steps = Self.steps(try Self.record(dir))
        func metrics(_ id: String) -> [String: Double] { (steps.first { $0["id"] as? String == id }?["metrics"] as? [String: Double]) ?? [:] }
        let sealed = metrics("sealed")
        // Every inserted row is in a persisted segment once the waiting flush returns.
        #expect(sealed["rows"] == 3000 && (sealed["segments"] ?? 0) >= 1, "\(sealed)")
        #expect((sealed["flushTime"] ?? 0) > 0 && sealed["sealTime"] != nil && (sealed["totalTime"] ?? 0) >= (sealed["flushTime"] ?? 0), "\(sealed)")
        // Without the wait: the request only, nothing new to seal, the same rows persisted.
        let again = metrics("again")
        #expect(again["sealTime"] == nil && again["flushTime"] != nil && again["rows"] == 3000, "\(again)")
        let report = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("3000 rows"), "\(report)")
    }
}
