import Foundation
import ScenarioRecord
import Testing
@testable import LoadEngine

/// The second-by-second timeline of a phase: its counts add up to the phase's totals, its
/// percentiles come from each interval's own latencies, and it stays small.
@Suite("load timeline")
struct TimelineTests {
    struct Refused: Error {}

    @Test("a phase's intervals add up to its totals: sent = completed + failed, failures by code")
    func countsAddUp() async {
        let load = LoadDriver(shape: .constantRate(perSecond: 400, maxInFlight: 8)) { i in
            if i % 10 == 0 { throw Refused() }
            try await Task.sleep(for: .milliseconds(1))
        }
        let result = await load.run(.time(.milliseconds(1500)))
        let t = try! #require(result.timeline)
        #expect(t.intervalMs == 1000 && t.slots.count == 2)
        #expect(t.slots.reduce(0) { $0 + $1.completed } == result.completed)
        #expect(t.slots.reduce(0) { $0 + $1.errors } == result.errors)
        #expect(t.slots.reduce(0) { $0 + $1.sent } == result.completed + result.errors)
        #expect(t.slots.reduce(0) { $0 + ($1.errorsByCode["Refused"] ?? 0) } == result.errors && result.errors > 0)
        let record = t.record()
        #expect(record.sent.count == 2 && record.errorsByCode?["Refused"]?.reduce(0, +) == result.errors)
        // A 1.5 s phase keeps its histograms (under 2 minutes); their counts are the completions.
        #expect(record.histograms?.map { h in stride(from: 1, to: h.count, by: 2).reduce(0) { $0 + h[$1] } } == t.slots.map(\.completed))
        #expect(t.record(histograms: false).histograms == nil)
        #expect(record.seconds(1) > 0.4 && record.seconds(1) < 0.7, "the last second is cut short by the end: \(record.seconds(1))")
    }

    @Test("each interval's percentiles are its own latencies', to the bucket")
    func percentilesPerInterval() {
        let start = ContinuousClock.now
        let recorder = TimelineRecorder(start: start)
        // Second 0: 100 operations of 2 ms; second 1: 99 of 10 ms and one of 300 ms.
        for _ in 0..<100 { recorder.sent(at: start); recorder.completed(at: start + .milliseconds(500), latency: .milliseconds(2)) }
        for _ in 0..<99 { recorder.completed(at: start + .milliseconds(1500), latency: .milliseconds(10)) }
        recorder.completed(at: start + .milliseconds(1600), latency: .milliseconds(300))
        recorder.failed(at: start + .milliseconds(2100), code: "timedOut")
        let t = recorder.series(wall: .milliseconds(2500)).record()
        #expect(t.completed == [100, 100, 0] && t.sent == [100, 0, 0] && t.errors == [0, 0, 1])
        func near(_ v: Double?, _ want: Double) -> Bool { v.map { abs($0 - want) / want < 0.1 } ?? false }
        #expect(near(t.p50Ms[0], 2) && near(t.p99Ms[0], 2), "\(t.p50Ms) \(t.p99Ms)")
        #expect(near(t.p50Ms[1], 10) && near(t.p99Ms[1], 10) && t.maxMs[1] == 300, "\(t.p99Ms) \(t.maxMs)")
        #expect(t.p50Ms[2] == nil && t.maxMs[2] == nil)
        #expect(t.errorsByCode == ["timedOut": [0, 0, 1]])
    }

    @Test("a long phase doubles its intervals and keeps no more than the limit")
    func coarsens() {
        let start = ContinuousClock.now
        let recorder = TimelineRecorder(start: start)
        for s in 0..<3000 { recorder.completed(at: start + .seconds(s), latency: .milliseconds(1)) }
        let t = recorder.series(wall: .seconds(3000))
        #expect(t.intervalMs == 4000 && t.slots.count <= TimelineRecorder.maxIntervals)
        #expect(t.slots.reduce(0) { $0 + $1.completed } == 3000)
    }

    @Test("a 10-minute step's timeline: about 25 KB of JSON without histograms")
    func recordSize() throws {
        let start = ContinuousClock.now
        let recorder = TimelineRecorder(start: start)
        var random = SystemRandomNumberGenerator()
        for ms in stride(from: 0, to: 600_000, by: 5) {
            let at = start + .milliseconds(ms)
            recorder.sent(at: at)
            recorder.completed(at: at, latency: .microseconds(Int64.random(in: 2_000...40_000, using: &random)))
        }
        let series = recorder.series(wall: .seconds(600))
        let without = try JSONEncoder().encode(series.record(histograms: false)).count
        let with = try JSONEncoder().encode(series.record(histograms: true)).count
        print("a 10-minute timeline in run.json: \(without) bytes without histograms, \(with) with")
        #expect(without < 40_000, "\(without) bytes")
        #expect(with < 300_000, "\(with) bytes")
    }
}
