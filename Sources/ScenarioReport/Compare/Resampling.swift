import Primitives
import Foundation

/// A distribution of observed values with their counts (a latency histogram's recorded
/// values), for resampling.
struct EmpiricalDistribution {
    let values: [Double]
    /// Running totals of the counts.
    let cumulative: [UInt64]
    var total: UInt64 { cumulative.last ?? 0 }

    /// From (value, count) pairs in any order; values are scaled by `scale` (µs → ms: 0.001).
    init(pairs: [[UInt64]], scale: Double) {
        let sorted = pairs.filter { $0.count == 2 && $0[1] > 0 }.sorted { $0[0] < $1[0] }
        values = sorted.map { Double($0[0]) * scale }
        var running: UInt64 = 0
        cumulative = sorted.map { running += $0[1]; return running }
    }

    /// The value at rank ⌈u × total⌉ (1-based), for u in (0, 1].
    func value(atFraction u: Double) -> Double {
        guard total > 0 else { return 0 }
        let rank = min(total, max(1, UInt64((u * Double(total)).rounded(.up))))
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] >= rank { hi = mid } else { lo = mid + 1 }
        }
        return values[lo]
    }

    var mean: Double {
        guard total > 0 else { return 0 }
        var sum = 0.0, previous: UInt64 = 0
        for (v, c) in zip(values, cumulative) { sum += v * Double(c - previous); previous = c }
        return sum / Double(total)
    }

    var variance: Double {
        guard total > 1 else { return 0 }
        let m = mean
        var sum = 0.0, previous: UInt64 = 0
        for (v, c) in zip(values, cumulative) { sum += (v - m) * (v - m) * Double(c - previous); previous = c }
        return sum / Double(total - 1)
    }

    /// The `p`-th percentile of a resample of `total` values drawn with replacement, drawn
    /// directly: the k-th smallest of n uniform draws follows Beta(k, n − k + 1), and the
    /// resample's k-th smallest value is the distribution's value at that fraction — the
    /// same as resampling every query, in one draw instead of n.
    func resampledPercentile(_ p: Double, using g: inout SeededRandom) -> Double {
        let n = Double(total)
        let k = max(1, min(n, (p / 100 * n).rounded(.up)))
        return value(atFraction: g.beta(k, n - k + 1))
    }
}

extension Array where Element == Double {
    /// The `q`-quantile (0–1) by linear interpolation between order statistics.
    func quantile(_ q: Double) -> Double {
        guard !isEmpty else { return .nan }
        let s = sorted()
        let pos = q * Double(s.count - 1)
        let i = Int(pos.rounded(.down)), j = Swift.min(i + 1, s.count - 1)
        return s[i] + (s[j] - s[i]) * (pos - Double(i))
    }

    var median: Double { quantile(0.5) }

    /// Median absolute deviation from the median.
    var medianAbsoluteDeviation: Double {
        let m = median
        return map { abs($0 - m) }.median
    }
}
