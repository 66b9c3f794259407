import Foundation
import Testing

/// `parallel` against the real standalone server: scenarios/mixed_workload.yaml, shortened —
/// a streaming insert with freshness, an open-loop search and an open-loop query, side by side.
/// Part of the serialized `RunTests` suite (others there restart the shared server).
extension RunTests {
    @Test("mixed_workload: streaming inserts, searches and queries run side by side, each measured; every streamed row is counted",
          .enabled(if: standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func mixedWorkload() throws {
        let dir = try Self.temporaryFolder()
        let r = try CLITests.run(["run", "scenarios/mixed_workload.yaml", "--var", "duration=10s", "--report-dir", dir.path],
                                 environment: Self.environment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let record = try Self.record(dir)
        let mixed = try #require(Self.steps(record).first { $0["id"] as? String == "mixed" })
        let nested = try #require(mixed["parallel"] as? [[String: Any]])
        #expect(nested.map { $0["id"] as? String } == ["stream", "search", "lookup"] && nested.map { $0["path"] as? String } == ["5.1", "5.2", "5.3"])
        #expect(nested.allSatisfy { $0["status"] as? String == "ok" }, "\(nested.map { $0["failure"] ?? "" })")
        func metrics(_ id: String) -> [String: Double] {
            (nested.first { $0["id"] as? String == id }?["metrics"] as? [String: Double]) ?? [:]
        }
        let stream = metrics("stream"), search = metrics("search"), lookup = metrics("lookup")
        let streamed = try #require(stream["rows"])
        #expect(streamed > 0 && streamed.truncatingRemainder(dividingBy: 200) == 0, "\(stream)")
        // Freshness: probed rows were all found, and it took time (the server's time tick at least).
        #expect((stream["freshness.samples"] ?? 0) >= 1 && stream["freshness.timeouts"] == 0 && (stream["freshness.p50"] ?? 0) > 0, "\(stream)")
        #expect((stream["freshness.max"] ?? 0) >= (stream["freshness.p50"] ?? 0))
        #expect((search["queries"] ?? 0) > 0 && search["errors"] == 0 && (search["p99"] ?? 0) > 0, "\(search)")
        #expect((lookup["queries"] ?? 0) > 0 && lookup["errors"] == 0 && lookup["rowsPerQuery"] == 50, "\(lookup)")
        // No per-node traffic inside parallel: the counters cannot tell the loads apart.
        #expect(nested.allSatisfy { $0["traffic"] == nil })
        // Every streamed row is in the collection afterwards.
        let total = try #require(Self.steps(record).first { $0["id"] as? String == "total" }?["metrics"] as? [String: Double])
        #expect(total["rowsPerQuery"] == 20000 + streamed, "\(total), streamed \(streamed)")
        // Thresholds on the nested steps were evaluated against them.
        let thresholds = try #require(record["thresholds"] as? [[String: Any]])
        let fresh = try #require(thresholds.first { $0["expression"] as? String == "stream.freshness.p99 < 5s" })
        #expect(fresh["observed"] as? Double == stream["freshness.p99"] && fresh["passed"] as? Bool == true, "\(fresh)")
        let report = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("## Freshness of written rows") && report.contains("| 5.2 | search | concurrentSearch | ok |"), "\(report)")
    }
}
