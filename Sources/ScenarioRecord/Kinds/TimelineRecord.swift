import Foundation

/// A load step's measured phase second by second (run.json's `timeline`): per interval the
/// operations sent and completed, the failures by code, and the latency of the completions —
/// P50, P99 and max always, the whole distribution where kept. The query nodes' part of each
/// interval is in the step's `traffic.intervals` (its own readings, on the same clock: see
/// `trafficOffsetMs`), and the faults the step injected are in `faults`.
public struct LoadTimelineRecord: Codable, Sendable {
    /// Length of every interval but maybe the last (cut short by the phase's end at `spanMs`).
    public var intervalMs: Double
    public var spanMs: Double
    /// Operations started, completed and failed in each interval.
    public var sent: [Int]
    public var completed: [Int]
    public var errors: [Int]
    /// Failures per interval by code (only codes that occurred); nil when nothing failed.
    public var errorsByCode: [String: [Int]]?
    /// Latency of the operations that completed in each interval (nil where none did), from
    /// the interval's histogram: exact to its bucket (about 9 %), `maxMs` exact.
    public var p50Ms: [Double?]
    public var p99Ms: [Double?]
    public var maxMs: [Double?]
    /// Per interval, the latency histogram as `[bucket, count, bucket, count, …]` (non-empty
    /// buckets only): bucket *b* holds [2^(b/8), 2^((b+1)/8)) µs. Kept when the measured phase
    /// lasts at most `LoadTimelineRecord.histogramLimit` or the step asks (`intervalHistograms`).
    public var histograms: [[Int]]?
    /// Where the nodes' readings start on this clock: `traffic.intervals[k].atMs` plus this is
    /// milliseconds into this timeline. nil without traffic.
    public var trafficOffsetMs: Double?
    /// Commands the step ran during the phase (`faults`), `startedAtMs` from its start.
    public var faults: [ActionRecord]?

    /// Phases up to this long keep their per-interval histograms unless told otherwise.
    public static let histogramLimit: Double = 120_000

    public init(intervalMs: Double, spanMs: Double, sent: [Int], completed: [Int], errors: [Int], errorsByCode: [String: [Int]]?,
                p50Ms: [Double?], p99Ms: [Double?], maxMs: [Double?], histograms: [[Int]]? = nil, trafficOffsetMs: Double? = nil,
                faults: [ActionRecord]? = nil) {
        self.intervalMs = intervalMs
        self.spanMs = spanMs
        self.sent = sent
        self.completed = completed
        self.errors = errors
        self.errorsByCode = errorsByCode
        self.p50Ms = p50Ms
        self.p99Ms = p99Ms
        self.maxMs = maxMs
        self.histograms = histograms
        self.trafficOffsetMs = trafficOffsetMs
        self.faults = faults
    }

    /// How long interval `i` is, in seconds.
    public func seconds(_ i: Int) -> Double {
        max(0.001, min(intervalMs, spanMs - Double(i) * intervalMs) / 1000)
    }

    /// The end of interval `i`, in milliseconds from the phase's start.
    public func endMs(_ i: Int) -> Double { min(spanMs, Double(i + 1) * intervalMs) }
}
