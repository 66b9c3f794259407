/// The samples a rate metric (QPS, rows per second) was made of: events counted in each of
/// several consecutive spans of the step. `compare` resamples them to judge whether a change of
/// the rate is beyond the step's own second-to-second variation.
public struct RateSamples: Codable, Sendable, Equatable {
    /// The metric these samples add up to, e.g. `qps` or `rowsPerSecond`.
    public var metric: String
    /// Events in each span (completed queries, written rows).
    public var counts: [Double]
    /// Fixed-length spans: each lasts this long, the last one whatever is left of `spanMs`.
    public var intervalMs: Double?
    /// The whole measured phase, for fixed-length spans.
    public var spanMs: Double?
    /// Spans of their own lengths (one per insert request), when not fixed.
    public var durationsMs: [Double]?

    /// Fixed-length spans over a phase of `spanMs`.
    public init(metric: String, counts: [Double], intervalMs: Double, spanMs: Double) {
        self.metric = metric
        self.counts = counts
        self.intervalMs = intervalMs
        self.spanMs = spanMs
    }

    /// Spans of their own lengths.
    public init(metric: String, counts: [Double], durationsMs: [Double]) {
        self.metric = metric
        self.counts = counts
        self.durationsMs = durationsMs
    }

    /// Each span's length in seconds, in order (as many as `counts`).
    public var seconds: [Double] {
        if let durationsMs, durationsMs.count == counts.count { return durationsMs.map { $0 / 1000 } }
        guard let intervalMs, intervalMs > 0, !counts.isEmpty else { return counts.map { _ in 0 } }
        let last = max(0, (spanMs ?? intervalMs * Double(counts.count)) - intervalMs * Double(counts.count - 1))
        return counts.indices.map { $0 == counts.count - 1 ? last / 1000 : intervalMs / 1000 }
    }

    /// Events per second over all spans.
    public var rate: Double {
        let s = seconds.reduce(0, +)
        return s > 0 ? counts.reduce(0, +) / s : 0
    }
}
