import Foundation
import Histogram
import Primitives

/// Latencies in microseconds, up to one hour, three significant digits: what every load records
/// and what `merge` and `compare` add up and read percentiles from.
public typealias LatencyHistogram = Histogram<UInt64>

extension Histogram where Count == UInt64 {
    public static func latency() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    /// Records a duration (clamped to the trackable range).
    public mutating func record(_ d: Duration) {
        let us = Swift.max(1, Swift.min(3_600_000_000, d.microseconds))
        _ = record(UInt64(us))
    }

    /// The recorded values as (value, count) pairs, for the run record.
    public var encoded: EncodedHistogram {
        var pairs: [[UInt64]] = []
        for v in recordedValues() { pairs.append([v.value, UInt64(v.count)]) }
        return EncodedHistogram(significantDigits: 3, counts: pairs)
    }

    /// A histogram as the run record kept it.
    public init(decoding e: EncodedHistogram) {
        self = .latency()
        for pair in e.counts where pair.count == 2 { _ = record(pair[0], count: Count(pair[1])) }
    }
}

/// Mean, extremes and percentiles of a latency histogram (recorded in microseconds).
public struct LatencySummary: Sendable {
    public var mean, min, max, p50, p90, p95, p99, p999: Duration

    public init?(_ h: LatencyHistogram) {
        guard h.totalCount > 0 else { return nil }
        func at(_ p: Double) -> Duration { .microseconds(Int64(h.valueAtPercentile(p))) }
        mean = .nanoseconds(Int64((h.mean * 1000).rounded()))
        min = .microseconds(Int64(h.min))
        max = .microseconds(Int64(h.max))
        p50 = at(50); p90 = at(90); p95 = at(95); p99 = at(99); p999 = at(99.9)
    }
}
