import Foundation
import ScenarioRecord

/// A Prometheus histogram's cumulative buckets (`le` upper bounds, counts), summed over every
/// series that matches (one per proxy or query node).
public struct BucketHistogram: Sendable, Equatable {
    /// Upper bounds, ascending; the last is +Inf.
    public var bounds: [Double]
    /// Cumulative counts, one per bound.
    public var counts: [Double]
    public var sum: Double

    public var total: Double { counts.last ?? 0 }

    /// The histogram `name` in `text`, over the series whose labels include `matching`; nil when
    /// there is no such series.
    public init?(_ text: PrometheusText, _ name: String, matching: [String: String]) {
        var byBound: [Double: Double] = [:]
        for s in text.samples(named: name + "_bucket") where matching.allSatisfy({ s.labels[$0.key] == $0.value }) {
            guard let le = s.labels["le"].flatMap(PrometheusText.parseValue) else { continue }
            byBound[le, default: 0] += s.value
        }
        guard !byBound.isEmpty else { return nil }
        bounds = byBound.keys.sorted()
        counts = bounds.map { byBound[$0]! }
        sum = text.sum(name + "_sum", matching: matching) ?? 0
    }

    public init(bounds: [Double], counts: [Double], sum: Double) {
        self.bounds = bounds
        self.counts = counts
        self.sum = sum
    }

    /// What happened between two readings of the same histogram: the bucket-wise increase.
    /// A decrease means the process restarted; then the later reading is the increase.
    public static func increase(from a: BucketHistogram?, to b: BucketHistogram) -> BucketHistogram {
        guard let a, a.bounds == b.bounds, zip(a.counts, b.counts).allSatisfy({ $0 <= $1 }) else { return b }
        return BucketHistogram(bounds: b.bounds, counts: zip(a.counts, b.counts).map { $1 - $0 }, sum: b.sum - a.sum)
    }

    /// The q-quantile (0…1), linearly interpolated within its bucket as Prometheus'
    /// `histogram_quantile` does: exact only to the bucket's width. nil without observations.
    public func quantile(_ q: Double) -> Double? {
        guard total > 0 else { return nil }
        let rank = q * total
        var lower = 0.0, below = 0.0
        for (bound, count) in zip(bounds, counts) {
            if count >= rank {
                // In the +Inf bucket the upper bound is unknown: the last finite bound is all we know.
                guard bound.isFinite else { return lower }
                let inBucket = count - below
                return inBucket > 0 ? lower + (bound - lower) * (rank - below) / inBucket : bound
            }
            lower = bound.isFinite ? bound : lower
            below = count
        }
        return lower
    }
}

/// Search latency as the server measured it: the proxy's `milvus_proxy_sq_latency` (request in
/// to reply out, in milliseconds) and the shard leaders' `milvus_querynode_sq_req_latency`
/// (`scope="OnLeader"`), each differenced over a step.
public enum ServerLatency {
    public static let proxyHistogram = "milvus_proxy_sq_latency"
    public static let nodeHistogram = "milvus_querynode_sq_req_latency"

    /// Whether an endpoint serves the proxy's search latency.
    public static func isProxy(_ text: PrometheusText) -> Bool {
        !text.samples(named: proxyHistogram + "_bucket").isEmpty
    }

    public static func proxy(_ text: PrometheusText) -> BucketHistogram? {
        BucketHistogram(text, proxyHistogram, matching: ["query_type": "search"])
    }

    public static func leaders(_ text: PrometheusText) -> BucketHistogram? {
        BucketHistogram(text, nodeHistogram, matching: ["query_type": "search", "scope": "OnLeader"])
            ?? BucketHistogram(text, nodeHistogram, matching: ["query_type": "search"])
    }

    /// Adds histograms with the same buckets (several proxies or nodes); nil when there are none.
    public static func merged(_ histograms: [BucketHistogram]) -> BucketHistogram? {
        guard var out = histograms.first else { return nil }
        for h in histograms.dropFirst() where h.bounds == out.bounds {
            out.counts = zip(out.counts, h.counts).map(+)
            out.sum += h.sum
        }
        return out
    }

    public static func record(_ h: BucketHistogram, source: String) -> ServerLatencyDetails? {
        guard h.total > 0 else { return nil }
        return ServerLatencyDetails(source: source, searches: Int(h.total), meanMs: h.sum / h.total,
                                    p50Ms: h.quantile(0.5), p99Ms: h.quantile(0.99),
                                    bucketBoundsMs: h.bounds.filter(\.isFinite))
    }
}
