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

/// Latency buckets of an eighth of a power of two of microseconds: bucket *b* holds
/// [2^(b/8), 2^((b+1)/8)) µs; the first holds everything under 1 µs, the last everything from
/// about 67 s up.
public enum LogBuckets {
    public static let perOctave = 8
    public static let count = 26 * perOctave + 1

    public static func index(_ d: Duration) -> Int {
        let us = Double(d.components.seconds) * 1_000_000 + Double(d.components.attoseconds) / 1e12
        guard us >= 1 else { return 0 }
        return Swift.min(count - 1, Int(log2(us) * Double(perOctave)))
    }

    /// The lower bound of bucket `b`, in microseconds.
    public static func lowerMicroseconds(_ b: Int) -> Double { b == 0 ? 0 : pow(2, Double(b) / Double(perOctave)) }

    public static func quantile(_ buckets: [UInt32], _ q: Double) -> Duration? {
        let n = buckets.reduce(0) { $0 + Int($1) }
        guard n > 0 else { return nil }
        let rank = Swift.max(1, Int((q * Double(n)).rounded(.up)))
        var seen = 0
        for (b, c) in buckets.enumerated() where c > 0 {
            if seen + Int(c) >= rank {
                let lo = lowerMicroseconds(b), hi = lowerMicroseconds(b + 1)
                let within = (Double(rank - seen) - 0.5) / Double(c)
                return .microseconds(Int64((lo + (hi - lo) * within).rounded()))
            }
            seen += Int(c)
        }
        return nil
    }
}


extension LoadTimelineRecord {
    /// The shards' timelines of one step, merged (`merge`): each shifted to where its phase
    /// started in the common window (`offsetsMs`), counts added; P50/P99 again from the added
    /// histograms when every shard kept them, else left out (percentiles do not add). nil when
    /// the shards used different intervals.
    public static func merged(_ parts: [(timeline: LoadTimelineRecord, offsetMs: Double)]) -> LoadTimelineRecord? {
        guard let interval = parts.first?.timeline.intervalMs, interval > 0, parts.allSatisfy({ $0.timeline.intervalMs == interval }) else { return nil }
        let shifts = parts.map { Int(($0.offsetMs / interval).rounded()) }
        let n = zip(parts, shifts).map { $0.0.timeline.sent.count + $0.1 }.max() ?? 0
        var sent = [Int](repeating: 0, count: n), completed = sent, errors = sent
        var byCode: [String: [Int]] = [:]
        var maxMs = [Double?](repeating: nil, count: n)
        var buckets: [[Int: Int]]? = parts.allSatisfy({ $0.timeline.histograms != nil }) ? Array(repeating: [:], count: n) : nil
        for ((t, _), shift) in zip(parts, shifts) {
            for i in t.sent.indices {
                let k = i + shift
                guard k >= 0 else { continue }
                sent[k] += t.sent[i]; completed[k] += t.completed[i]; errors[k] += t.errors[i]
                for (code, counts) in t.errorsByCode ?? [:] { byCode[code, default: [Int](repeating: 0, count: n)][k] += counts[i] }
                if let m = t.maxMs[i] { maxMs[k] = max(maxMs[k] ?? 0, m) }
                if let h = t.histograms?[i] {
                    for j in stride(from: 0, to: h.count - 1, by: 2) { buckets?[k][h[j], default: 0] += h[j + 1] }
                }
            }
        }
        func percentile(_ q: Double) -> [Double?] {
            (0..<n).map { k in
                guard let b = buckets?[k], !b.isEmpty else { return nil }
                var dense = [UInt32](repeating: 0, count: LogBuckets.count)
                for (bucket, count) in b where bucket < dense.count { dense[bucket] += UInt32(count) }
                return LogBuckets.quantile(dense, q).map { ($0.milliseconds * 1000).rounded() / 1000 }
            }
        }
        let span = zip(parts, shifts).map { $0.0.timeline.spanMs + Double($0.1) * interval }.max() ?? 0
        return LoadTimelineRecord(intervalMs: interval, spanMs: span, sent: sent, completed: completed, errors: errors,
                                  errorsByCode: byCode.isEmpty ? nil : byCode, p50Ms: percentile(0.5), p99Ms: percentile(0.99), maxMs: maxMs,
                                  histograms: buckets.map { $0.map { $0.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] } } },
                                  faults: parts.first?.timeline.faults)
    }
}
