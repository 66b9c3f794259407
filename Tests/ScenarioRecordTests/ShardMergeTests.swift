import Foundation
import Testing
@testable import ScenarioRecord
import ScenarioSpec


/// `merge` on made-up shard records: what is added, what is taken once, what is refused.
@Suite("merging shards")
struct ShardMergeTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A shard's record: one search step of `latencies` (ms) measured from `from` for `seconds`.
    static func shard(_ index: Int, of count: Int, latencies: [Int], errors: Int = 0, from: Double = 0, seconds: Double = 10,
                      sha: String = "abc", status: RunRecord.Status = .passed) -> RunRecord {
        var h = LatencyHistogram.latency()
        for ms in latencies { h.record(.milliseconds(ms)) }
        var step = StepRecord(path: "2", id: "s", kind: "concurrentSearch", collection: "c", startedAt: t0.addingTimeInterval(from - 1))
        step.measuredFrom = t0.addingTimeInterval(from)
        step.metrics = ["queries": Double(latencies.count + errors), "errors": Double(errors), "totalTime": seconds * 1000,
                        "qps": Double(latencies.count) / seconds, "p99": 999]
        step.search = SearchDetails(loop: "closed", concurrency: 2, warmupQueries: 5, latency: h.encoded, errorsByCode: errors > 0 ? ["server 1": errors] : [:],
                                    errorReasons: errors > 0 ? [ErrorReason(code: "server 1", reason: "busy", count: errors)] : nil)
        if index == 0 { step.updateDetails(of: ConcurrentSearchStep.self) { $0.traffic = NodeTrafficDetails(nodes: [], groups: [], intervals: [], intervalMs: 1000, durationMs: 10_000) } }
        var setup = StepRecord(path: "1", id: "load1", kind: "load", collection: "c", startedAt: t0.addingTimeInterval(-30))
        if index != 0 {
            setup.status = .skipped
            setup.notes = [StepNote(.shardLeadOnly, ["shard": "\(index)/\(count)"])]
        }
        return RunRecord(tool: "milvus-scenario", toolVersion: "test",
                         scenario: .init(name: "d", file: "d.yaml", sha256: sha, language: "en"),
                         target: .init(uri: "http://x", database: "default", authenticated: false), host: "h\(index)",
                         startedAt: t0.addingTimeInterval(-40), endedAt: t0.addingTimeInterval(from + seconds + 1), status: status,
                         steps: [setup, step],
                         thresholds: [ThresholdResult(expression: "s.p99 < 50ms", stepId: "s", metric: "p99", unit: "ms", limit: 50, observed: 999,
                                                      passed: false, op: "<")],
                         failure: nil, client: .init(cpuMs: 100, peakRSSMB: 50 + Double(index)))
            .withShard(index, count)
    }

    static func inputs(_ records: [RunRecord]) -> [ShardMerge.Input] {
        records.enumerated().map { ShardMerge.Input(source: "s\($0.offset)/run.json", record: $0.element) }
    }

    @Test("histograms added, counts summed, QPS over the common window, thresholds judged again, traffic from shard 0")
    func sums() throws {
        let a = Self.shard(0, of: 2, latencies: Array(repeating: 10, count: 90) + [40], from: 0)
        let b = Self.shard(1, of: 2, latencies: Array(repeating: 20, count: 99) + [45], errors: 3, from: 0.5)
        let m = try ShardMerge.merge(Self.inputs([a, b]))
        let s = try #require(m.steps.first { $0.id == "s" })
        #expect(s.metrics["queries"] == 194 && s.metrics["errors"] == 3)
        #expect(abs(s.metrics["errorRate"]! - 3.0 / 194 * 100) < 1e-9)
        // 191 completed over 0 … 10.5 s.
        #expect(abs(s.metrics["qps"]! - 191 / 10.5) < 1e-9 && s.metrics["totalTime"] == 10_500)
        let merged = LatencyHistogram(decoding: try #require(s.search?.latency))
        #expect(merged.totalCount == 191)
        // P50 is a 20 ms query (100 of 191 are), P99 in the tail: not either shard's number.
        #expect(abs(s.metrics["p50"]! - 20) < 0.1 && s.metrics["p99"]! >= 40)
        #expect(s.search?.concurrency == 4 && s.search?.warmupQueries == 10 && s.search?.errorsByCode == ["server 1": 3])
        #expect(s.search?.errorReasons == [ErrorReason(code: "server 1", reason: "busy", count: 3)])
        #expect(s.traffic != nil, "shard 0's per-node traffic")
        #expect(m.steps[0].status == .ok, "setup as shard 0 ran it")
        #expect(m.thresholds.first?.observed == s.metrics["p99"] && m.thresholds.first?.passed == true && m.status == .passed)
        #expect(m.shard == .init(index: nil, count: 2, merged: [0, 1]) && m.host == "h0, h1")
        #expect(m.client?.cpuMs == 200 && m.client?.peakRSSMB == 51)
        #expect(!s.notes.contains { $0.code == .shardOverlap }, "95 % overlap is side by side")
    }

    @Test("the shards' timelines: shifted to where each phase started, counts added, percentiles again from the added histograms")
    func timelines() throws {
        var a = Self.shard(0, of: 2, latencies: [10], from: 0)
        var b = Self.shard(1, of: 2, latencies: [10], from: 1)
        // Shard 0: two seconds of 10 searches at 2 ms; shard 1, a second later: two seconds of 10 at 50 ms, 1 timeout.
        func timeline(_ ms: Double, errors: [Int]) -> LoadTimelineRecord {
            let bucket = LogBuckets.index(.microseconds(Int64(ms * 1000)))
            return LoadTimelineRecord(intervalMs: 1000, spanMs: 2000, sent: [10, 10], completed: [10, 10], errors: errors,
                                      errorsByCode: errors.contains { $0 > 0 } ? ["timedOut": errors] : nil,
                                      p50Ms: [ms, ms], p99Ms: [ms, ms], maxMs: [ms, ms], histograms: [[bucket, 10], [bucket, 10]])
        }
        a.steps[1].timeline = timeline(2, errors: [0, 0])
        b.steps[1].timeline = timeline(50, errors: [0, 1])
        let s = try #require(try ShardMerge.merge(Self.inputs([a, b])).steps.first { $0.id == "s" })
        let t = try #require(s.timeline)
        #expect(t.sent == [10, 20, 10] && t.completed == [10, 20, 10] && t.errors == [0, 0, 1] && t.errorsByCode == ["timedOut": [0, 0, 1]])
        #expect(t.maxMs == [2, 50, 50] && t.spanMs == 3000)
        // Second 1 holds 10 of each: its median is the faster half's, its P99 the slower's.
        func near(_ v: Double?, _ want: Double) -> Bool { v.map { abs($0 - want) / want < 0.1 } ?? false }
        #expect(near(t.p50Ms[1], 2) && near(t.p99Ms[1], 50) && near(t.p50Ms[2], 50), "\(t.p50Ms) \(t.p99Ms)")
        // Without every shard's histograms, no percentiles: they do not add.
        b.steps[1].timeline?.histograms = nil
        let without = try #require(try ShardMerge.merge(Self.inputs([a, b])).steps.first { $0.id == "s" }?.timeline)
        #expect(without.p99Ms.allSatisfy { $0 == nil } && without.completed == [10, 20, 10])
    }

    @Test("merge --check: the merged totals and histogram buckets are the shards' sums; a changed merged record is caught")
    func check() throws {
        let a = Self.shard(0, of: 2, latencies: Array(repeating: 10, count: 90) + [40], from: 0)
        let b = Self.shard(1, of: 2, latencies: Array(repeating: 20, count: 99) + [45], errors: 3, from: 0.5)
        let m = try ShardMerge.merge(Self.inputs([a, b]))
        let ok = ShardCheck.check(merged: m, shards: [a, b])
        #expect(ok.map(\.id) == ["s"] && ok.allSatisfy(\.isExact), "\(ok)")
        #expect(ok.first?.shardQueries == [91, 103] && ok.first?.mergedQueries == 194)
        #expect(ShardCheck.table(ok).contains("91 + 103") && ShardCheck.table(ok).contains("exact"))

        // One query's latency moved to another bucket behind the merge's back: same count, other histogram.
        var moved = m
        moved.steps[1].updateDetails(of: ConcurrentSearchStep.self) { d in
            var h = LatencyHistogram(decoding: d.search!.latency)
            h.record(.milliseconds(500))
            d.search!.latency = h.encoded
        }
        let wrong = ShardCheck.check(merged: moved, shards: [a, b])
        #expect(wrong.first?.isExact == false && wrong.first?.differingHistograms == [""], "\(wrong)")
        #expect(ShardCheck.table(wrong).contains("DIFFERS"))

        // A shard's queries lost from the merged count.
        var fewer = m
        fewer.steps[1].metrics["queries"] = 100
        #expect(ShardCheck.check(merged: fewer, shards: [a, b]).first?.isExact == false)
    }

    @Test("shards that did not send at the same time are flagged")
    func overlap() throws {
        let m = try ShardMerge.merge(Self.inputs([Self.shard(0, of: 2, latencies: [10], from: 0), Self.shard(1, of: 2, latencies: [10], from: 5)]))
        let note = try #require(m.steps[1].notes.first { $0.code == .shardOverlap })
        #expect(note["overlap"] == "33" && note["window"] == "15.0")
    }

    @Test("refused: another scenario file, a shard twice, a missing or unfinished shard, a record not from a shard")
    func refused() throws {
        func problem(_ records: [RunRecord], partial: Bool = false) -> String {
            do {
                _ = try ShardMerge.merge(Self.inputs(records), allowPartial: partial)
                return ""
            } catch { return "\(error)" }
        }
        #expect(problem([Self.shard(0, of: 2, latencies: [1]), Self.shard(1, of: 2, latencies: [1], sha: "def")]).contains("ran different versions of 'd'"))
        #expect(problem([Self.shard(0, of: 2, latencies: [1]), Self.shard(0, of: 2, latencies: [1])]) == "shard 0/2 is given twice: s0/run.json and s1/run.json")
        #expect(problem([Self.shard(0, of: 3, latencies: [1])]).hasPrefix("shards 1/3, 2/3 missing"))
        #expect(problem([Self.shard(0, of: 2, latencies: [1]), Self.shard(1, of: 2, latencies: [1], status: .running)])
            .hasPrefix("shard 1/2 did not finish: s1/run.json is still marked running, after step 2 's'"))
        var plain = Self.shard(0, of: 1, latencies: [1])
        plain.shard = nil
        #expect(problem([plain]).contains("is not a shard's record"))
        // --allow-partial: merged without it, and the record says so.
        let partial = try ShardMerge.merge(Self.inputs([Self.shard(0, of: 2, latencies: [1]), Self.shard(1, of: 2, latencies: [1], status: .running)]),
                                           allowPartial: true)
        #expect(partial.shard?.merged == [0] && partial.steps[0].notes.contains { $0.code == .shardsMissing && $0["shards"] == "1/2" })
    }

    @Test("a failed shard fails the merged run; its failure is kept")
    func failed() throws {
        var b = Self.shard(1, of: 2, latencies: [10])
        b.status = .failed
        b.failure = StepFailure(stepPath: "2", stepId: "s", kind: "concurrentSearch", reason: "unavailable")
        b.steps[1].status = .failed
        let m = try ShardMerge.merge(Self.inputs([Self.shard(0, of: 2, latencies: [10]), b]))
        #expect(m.status == .failed && m.failure?.reason == "unavailable" && m.steps[1].status == .failed)
    }
}

extension RunRecord {
    func withShard(_ index: Int, _ count: Int) -> RunRecord {
        var r = self
        r.shard = .init(index: index, count: count)
        return r
    }
}
