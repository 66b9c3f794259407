import Foundation
import ScenarioRecord
import Synchronization

/// A load's measured phase second by second: per interval, the operations sent, completed and
/// failed (by code), and the latency distribution of those that completed in it. Workers count
/// into one shared recorder (two short locks per operation); the phase ends with `series`.
///
/// Intervals are 1 s and double whenever there would be more than `maxIntervals` of them, so a
/// 20-minute step keeps 1 s and a day-long one stays small. Latencies go into log buckets of an
/// eighth of a power of two (each about 9 % wide): percentiles are interpolated within a bucket.
public final class TimelineRecorder: Sendable {
    public static let maxIntervals = 1200
    let start: ContinuousClock.Instant
    private let state: Mutex<State>

    struct State {
        var intervalMs: Int
        var slots: [TimelineSlot] = []
    }

    public init(start: ContinuousClock.Instant, intervalMs: Int = 1000) {
        self.start = start
        state = Mutex(State(intervalMs: intervalMs))
    }

    private func update(at instant: ContinuousClock.Instant, _ body: (inout TimelineSlot) -> Void) {
        let ms = max(0, Int((instant - start).milliseconds))
        state.withLock { s in
            var i = ms / s.intervalMs
            while i >= Self.maxIntervals {
                s.slots = TimelineSlot.coarsened(s.slots)
                s.intervalMs *= 2
                i = ms / s.intervalMs
            }
            if i >= s.slots.count { s.slots.append(contentsOf: repeatElement(TimelineSlot(), count: i + 1 - s.slots.count)) }
            body(&s.slots[i])
        }
    }

    public func sent(at instant: ContinuousClock.Instant) { update(at: instant) { $0.sent += 1 } }

    public func completed(at instant: ContinuousClock.Instant, latency: Duration) {
        update(at: instant) { $0.record(latency) }
    }

    public func failed(at instant: ContinuousClock.Instant, code: String) {
        update(at: instant) { $0.errors += 1; $0.errorsByCode[code, default: 0] += 1 }
    }

    /// The series so far, padded with quiet intervals up to `wall`.
    public func series(wall: Duration) -> TimelineSeries {
        state.withLock { s in
            let n = max(s.slots.count, Int((wall.milliseconds / Double(s.intervalMs)).rounded(.up)))
            return TimelineSeries(intervalMs: s.intervalMs, spanMs: wall.milliseconds, slots: s.slots + repeatElement(TimelineSlot(), count: n - s.slots.count))
        }
    }
}

/// One interval of a timeline.
public struct TimelineSlot: Sendable, Equatable {
    public var sent = 0
    public var completed = 0
    public var errors = 0
    public var errorsByCode: [String: Int] = [:]
    /// Completions by latency bucket (`LogBuckets`); empty until the first completion.
    public var buckets: [UInt32] = []
    public var max: Duration = .zero

    public init() {}

    mutating func record(_ latency: Duration) {
        completed += 1
        if buckets.isEmpty { buckets = Array(repeating: 0, count: LogBuckets.count) }
        buckets[LogBuckets.index(latency)] += 1
        if latency > max { max = latency }
    }

    mutating func add(_ o: TimelineSlot) {
        sent += o.sent
        completed += o.completed
        errors += o.errors
        for (k, v) in o.errorsByCode { errorsByCode[k, default: 0] += v }
        if !o.buckets.isEmpty {
            if buckets.isEmpty { buckets = o.buckets } else { for i in buckets.indices { buckets[i] += o.buckets[i] } }
        }
        if o.max > max { max = o.max }
    }

    static func coarsened(_ slots: [TimelineSlot]) -> [TimelineSlot] {
        stride(from: 0, to: slots.count, by: 2).map { i in
            var s = slots[i]
            if i + 1 < slots.count { s.add(slots[i + 1]) }
            return s
        }
    }

    /// The latency at quantile `q` (0…1) of the completions in this interval, interpolated
    /// within its bucket; nil when none completed.
    public func latency(at q: Double) -> Duration? {
        LogBuckets.quantile(buckets, q)
    }
}

/// A measured phase's timeline, as the phase ended.
public struct TimelineSeries: Sendable, Equatable {
    public var intervalMs: Int
    /// The phase's wall time: the last interval may be shorter than `intervalMs`.
    public var spanMs: Double
    public var slots: [TimelineSlot]

}

extension TimelineSeries {
    /// For run.json: the counts, failures by code and P50/P99/max per interval, and the
    /// histograms too when `histograms` (nil: when the phase lasts at most
    /// `LoadTimelineRecord.histogramLimit`).
    public func record(histograms keep: Bool? = nil) -> LoadTimelineRecord {
        let codes = Set(slots.flatMap(\.errorsByCode.keys))
        let byCode = Dictionary(uniqueKeysWithValues: codes.map { code in (code, slots.map { $0.errorsByCode[code] ?? 0 }) })
        func ms(_ d: Duration?) -> Double? { d.map { ($0.milliseconds * 1000).rounded() / 1000 } }
        let keepHistograms = keep ?? (spanMs <= LoadTimelineRecord.histogramLimit)
        return LoadTimelineRecord(
            intervalMs: Double(intervalMs), spanMs: spanMs,
            sent: slots.map(\.sent), completed: slots.map(\.completed), errors: slots.map(\.errors),
            errorsByCode: byCode.isEmpty ? nil : byCode,
            p50Ms: slots.map { ms($0.latency(at: 0.5)) }, p99Ms: slots.map { ms($0.latency(at: 0.99)) },
            maxMs: slots.map { $0.completed > 0 ? ms($0.max) : nil },
            histograms: keepHistograms ? slots.map { s in s.buckets.enumerated().flatMap { b, c in c > 0 ? [b, Int(c)] : [] } } : nil)
    }
}
