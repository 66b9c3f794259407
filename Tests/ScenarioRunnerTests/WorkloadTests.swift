import Foundation
import Histogram
import Testing
import MilvusClient
import ScenarioRecord
import ScenarioSpec
@testable import ScenarioRunner

/// The workload engine with stand-in queries (pure timing logic; the real server is exercised
/// by the run tests).
@Suite("workload engine")
struct WorkloadTests {
    @Test("MILVUS_SCENARIO_SEARCH_TRANSPORT picks the search transport; anything else is refused with the choices")
    func searchTransportVariable() throws {
        #expect(try ScenarioExecution.searchTransport([:]) == .direct)
        #expect(try ScenarioExecution.searchTransport(["MILVUS_SCENARIO_SEARCH_TRANSPORT": ""]) == .direct)
        #expect(try ScenarioExecution.searchTransport(["MILVUS_SCENARIO_SEARCH_TRANSPORT": "GRPC"]) == .grpc)
        #expect(try ScenarioExecution.searchTransport(["MILVUS_SCENARIO_SEARCH_TRANSPORT": "direct"]) == .direct)
        let error = #expect(throws: MilvusError.self) { try ScenarioExecution.searchTransport(["MILVUS_SCENARIO_SEARCH_TRANSPORT": "http3"]) }
        #expect(error?.reason.contains("'http3'") == true)
        #expect(error?.hint == "set it to direct (the default) or grpc")
    }

    @Test("closed loop runs exactly the requested number of queries across workers")
    func closedCount() async {
        let load = SearchLoad(shape: .closed(workers: 4)) { _ in try await Task.sleep(for: .milliseconds(1)) }
        let result = await load.run(.queries(200))
        #expect(result.completed == 200)
        #expect(result.errors == 0)
        #expect(result.latency.totalCount == 200)
    }

    /// Timing is the benchmarks' business; this checks the structure, which holds however busy
    /// the machine is: the load lasts at least its duration, and no more queries run than fit in it.
    @Test("closed loop by duration runs for the duration and no longer")
    func closedDuration() async {
        let load = SearchLoad(shape: .closed(workers: 2)) { _ in try await Task.sleep(for: .milliseconds(5)) }
        let result = await load.run(.time(.milliseconds(500)))
        #expect(result.wall >= .milliseconds(500))
        // Each query sleeps ≥ 5 ms and a worker starts none after the deadline: at most 2 × 100.
        #expect(result.completed <= 200)
    }

    @Test("errors are counted by code, and do not stop the load")
    func errors() async {
        let load = SearchLoad(shape: .closed(workers: 2)) { i in
            if i % 4 == 0 { throw MilvusError(rpc: "Search", kind: .server(errorCode: 1, code: 101), reason: "collection not loaded") }
        }
        let result = await load.run(.queries(100))
        #expect(result.completed == 75 && result.errors == 25)
        #expect(result.errorsByCode == ["server 101": 25])
        #expect(result.errorRate == 25)
    }

    /// The achieved rate is measured by the benchmark; here: the schedule of a 1 s run at 200/s
    /// holds exactly 200 queries, and each one either ran or was counted as dropped.
    @Test("open loop accounts for every scheduled query")
    func openSchedule() async {
        let load = SearchLoad(shape: .open(perSecond: 200, maxInFlight: 8)) { _ in try await Task.sleep(for: .milliseconds(2)) }
        let result = await load.run(.time(.seconds(1)))
        #expect(result.completed + result.errors + result.dropped == 200, "ran \(result.completed), dropped \(result.dropped)")
        let counted = await SearchLoad(shape: .open(perSecond: 500, maxInFlight: 4)) { _ in }.run(.queries(300))
        #expect(counted.completed == 300 && counted.dropped == 0)
    }

    /// A server that stalls for 300 ms once: the closed loop hides it (one slow query), the
    /// open loop shows it, because the queries scheduled during the stall are measured from
    /// when they should have started (coordinated omission).
    @Test("open loop shows a stall in the percentiles; closed loop hides it")
    func coordinatedOmission() async {
        let stall: @Sendable (Int) async throws -> Void = { i in
            try await Task.sleep(for: i == 20 ? .milliseconds(300) : .milliseconds(1))
        }
        let closed = await SearchLoad(shape: .closed(workers: 1), query: stall).run(.queries(200))
        let open = await SearchLoad(shape: .open(perSecond: 100, maxInFlight: 1), query: stall).run(.queries(200))
        let closedP90 = closed.latency.valueAtPercentile(90)
        let openP90 = open.latency.valueAtPercentile(90)
        // Side by side in one run: the open loop's P90 carries the stall, the closed loop's does not.
        #expect(openP90 > 100_000, "open-loop P90 \(openP90) µs should include the queries delayed by the stall")
        #expect(openP90 > closedP90 * 3, "open-loop P90 \(openP90) µs vs closed-loop \(closedP90) µs")
        #expect(open.late >= 20, "queries scheduled during the stall start late: \(open.late)")
    }

    @Test("a stop request ends the load early")
    func stop() async {
        let flag = StopFlag()
        let load = SearchLoad(shape: .closed(workers: 2), shouldStop: { flag.isSet }) { i in
            if i == 50 { flag.set() }
            try await Task.sleep(for: .milliseconds(1))
        }
        let result = await load.run(.queries(10_000))
        #expect(result.completed < 200)
    }

    @Test("per-worker histograms are merged, not their percentiles combined")
    func merging() {
        var a = WorkerTally(), b = WorkerTally()
        for v in 1...900 { _ = a.latency.record(UInt64(v)) }        // fast worker
        for v in 0..<100 { _ = b.latency.record(UInt64(10_000 + v)) } // slow worker
        var merged = LoadResult.empty
        merged.merge(a)
        merged.merge(b)
        var all = LatencyHistogram.latency()
        for v in 1...900 { _ = all.record(UInt64(v)) }
        for v in 0..<100 { _ = all.record(UInt64(10_000 + v)) }
        #expect(merged.latency.valueAtPercentile(50) == all.valueAtPercentile(50))
        #expect(merged.latency.valueAtPercentile(95) == all.valueAtPercentile(95))
        #expect(merged.latency.totalCount == 1000)
        // The max of per-worker medians would say ~10 ms; the true median is ~0.45 ms.
        #expect(merged.latency.valueAtPercentile(50) < 1000)
    }

    @Test("histograms survive encoding into the run record")
    func encoding() {
        var h = LatencyHistogram.latency()
        for v in [1, 5, 5, 100, 2500, 1_000_000] as [UInt64] { _ = h.record(v) }
        let decoded = LatencyHistogram(decoding: h.encoded)
        // Values come back to the histogram's own precision (3 significant digits).
        #expect(decoded.totalCount == h.totalCount)
        for p in [50.0, 90.0, 99.0, 100.0] {
            #expect(h.valuesAreEquivalent(decoded.valueAtPercentile(p), h.valueAtPercentile(p)), "P\(p)")
        }
    }
}

final class StopFlag: Sendable {
    private let box = Mutex(false)
    var isSet: Bool { box.withLock { $0 } }
    func set() { box.withLock { $0 = true } }
}

import Synchronization

@Suite("generators")
struct GeneratorTests {
    @Test("the same seed gives the same vectors, whatever the batch size")
    func deterministic() throws {
        let field = FieldSchema("v", .floatVector(dim: 4))
        var a = FieldValueGenerator(field: field, generator: .uniform(low: 0, high: 1), seed: 42)
        var b = FieldValueGenerator(field: field, generator: .uniform(low: 0, high: 1), seed: 42)
        guard case .floatVector(_, let whole) = try a.next(10) else { Issue.record("not vectors"); return }
        var parts: [Float] = []
        for n in [3, 3, 4] {
            guard case .floatVector(_, let v) = try b.next(n) else { Issue.record("not vectors"); return }
            parts += v
        }
        #expect(whole == parts)
        #expect(whole.allSatisfy { $0 >= 0 && $0 < 1 })
        var c = FieldValueGenerator(field: field, generator: .uniform(low: 0, high: 1), seed: 43)
        if case .floatVector(_, let other) = try c.next(10) { #expect(other != whole) }
    }

    @Test("cycles and sequences continue across batches, like the document's categories")
    func cycles() throws {
        var cat = FieldValueGenerator(field: FieldSchema("category", .varchar(maxLength: 20)),
                                      generator: .cycle(["electronics", "books", "clothing", "food", "toys"]), seed: 1)
        var values: [String] = []
        for n in [3, 4] { if case .varchar(let v) = try cat.next(n) { values += v } }
        #expect(values == ["electronics", "books", "clothing", "food", "toys", "electronics", "books"])
        var ids = FieldValueGenerator(field: FieldSchema("id", .int64), generator: .sequence(start: 10), seed: 1)
        _ = try ids.next(5)
        guard case .int64(let v) = try ids.next(3) else { Issue.record("not int64"); return }
        #expect(v == [15, 16, 17])
    }

    @Test("gaussian values have the asked mean and spread; normalized vectors have length 1")
    func gaussian() throws {
        var g = FieldValueGenerator(field: FieldSchema("x", .double), generator: .gaussian(mean: 5, stddev: 2), seed: 3)
        guard case .double(let v) = try g.next(20_000) else { Issue.record("not doubles"); return }
        let mean = v.reduce(0, +) / Double(v.count)
        let sd = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count)).squareRoot()
        #expect(abs(mean - 5) < 0.05 && abs(sd - 2) < 0.05)
        var n = FieldValueGenerator(field: FieldSchema("v", .floatVector(dim: 8)), generator: .gaussian(mean: 0, stddev: 1), seed: 3, normalize: true)
        guard case .floatVector(_, let values) = try n.next(1) else { Issue.record("not vectors"); return }
        #expect(values.count == 8 && abs(values.map { $0 * $0 }.reduce(0, +) - 1) < 1e-5)
    }

    @Test("SHA-256 of the scenario file")
    func sha256() {
        #expect(SHA256Digest.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}

@Suite("what compare resamples")
struct RateSampleTests {
    @Test("a write's requests: every row and millisecond kept when neighbours are added together")
    func requestSamples() throws {
        var samples = RequestSamples()
        for i in 0..<4_001 { samples.add(rows: 10, time: .milliseconds(1 + i % 3)) }
        let s = try #require(samples.samples(metric: "rowsPerSecond"))
        #expect(s.counts.count <= RequestSamples.limit + 1 && s.counts.count > 1_000)
        #expect(s.counts.reduce(0, +) == 40_010)
        #expect(s.durationsMs?.reduce(0, +) == Double((0..<4_001).map { 1 + $0 % 3 }.reduce(0, +)))
    }

    @Test("completions per interval: intervals double beyond 600 and nothing is lost")
    func completionSeries() {
        let start = ContinuousClock.now
        var a = CompletionSeries(start: start), b = CompletionSeries(start: start)
        for ms in stride(from: 0, to: 90_000, by: 50) { a.add(at: start + .milliseconds(ms)) }   // 90 s: 100 ms → 200 ms
        for ms in stride(from: 0, to: 30_000, by: 10) { b.add(at: start + .milliseconds(ms)) }   // 30 s: stays at 100 ms
        a.merge(b)
        let counts = a.padded(to: .seconds(90))
        #expect(a.intervalMs == 200 && counts.count == 450)
        #expect(counts.reduce(0, +) == 1_800 + 3_000)
        #expect(counts[0] == 4 + 20 && counts[449] == 4)
    }
}
