import Foundation
import Histogram
import ScenarioRecord
import Synchronization
import TestSupport
import Testing
@testable import LoadEngine

/// The load engine with stand-in operations (pure timing logic; the real server is exercised
/// by the run tests).
@Suite("load engine")
struct LoadDriverTests {
    struct Unloaded: Error {}

    @Test("closed loop runs exactly the requested number of queries across workers")
    func closedCount() async {
        let load = LoadDriver(shape: .closed(workers: 4)) { _ in try await Task.sleep(for: .milliseconds(1)) }
        let result = await load.run(.operations(200))
        #expect(result.completed == 200)
        #expect(result.errors == 0)
        #expect(result.latency.totalCount == 200)
    }

    /// Timing is the benchmarks' business; this checks the structure, which holds however busy
    /// the machine is: the load lasts at least its duration, and no more queries run than fit in it.
    @Test("closed loop by duration runs for the duration and no longer")
    func closedDuration() async {
        let load = LoadDriver(shape: .closed(workers: 2)) { _ in try await Task.sleep(for: .milliseconds(5)) }
        let result = await load.run(.time(.milliseconds(500)))
        #expect(result.wall >= .milliseconds(500))
        // Each query sleeps ≥ 5 ms and a worker starts none after the deadline: at most 2 × 100.
        #expect(result.completed <= 200)
    }

    @Test("errors are counted by code, and do not stop the load")
    func errors() async {
        let load = LoadDriver(shape: .closed(workers: 2)) { i in
            if i % 4 == 0 { throw Unloaded() }
        }
        let result = await load.run(.operations(100))
        #expect(result.completed == 75 && result.errors == 25)
        #expect(result.errorsByCode == ["Unloaded": 25])
        #expect(result.errorRate == 25)
    }

    /// The achieved rate is measured by the benchmark; here: the schedule of a 1 s run at 200/s
    /// holds exactly 200 queries, and each one either ran or was counted as dropped.
    @Test("open loop accounts for every scheduled query")
    func openSchedule() async {
        let load = LoadDriver(shape: .constantRate(perSecond: 200, maxInFlight: 8)) { _ in try await Task.sleep(for: .milliseconds(2)) }
        let result = await load.run(.time(.seconds(1)))
        #expect(result.completed + result.errors + result.dropped == 200, "ran \(result.completed), dropped \(result.dropped)")
        let counted = await LoadDriver(shape: .constantRate(perSecond: 500, maxInFlight: 4)) { _ in }.run(.operations(300))
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
        let closed = await LoadDriver(shape: .closed(workers: 1), operation: stall).run(.operations(200))
        let open = await LoadDriver(shape: .constantRate(perSecond: 100, maxInFlight: 1), operation: stall).run(.operations(200))
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
        let load = LoadDriver(shape: .closed(workers: 2), shouldStop: { flag.isSet }) { i in
            if i == 50 { flag.set() }
            try await Task.sleep(for: .milliseconds(1))
        }
        let result = await load.run(.operations(10_000))
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

final class StopFlag: Sendable {
    private let box = Mutex(false)
    var isSet: Bool { box.withLock { $0 } }
    func set() { box.withLock { $0 = true } }
}

