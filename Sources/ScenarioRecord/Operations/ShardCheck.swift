import Foundation

/// After `merge`: does the merged record, as written, hold exactly the shards' load? For every
/// load step (one with latency histograms): the queries and errors are the shards' sums, and each
/// latency histogram's counts are the sum of the shards' counts, bucket by bucket (HdrHistograms
/// add without loss, so anything but equality is a defect).
public enum ShardCheck {
    public struct Step: Sendable {
        public var id: String
        /// Each shard's completed queries, in shard order.
        public var shardQueries: [Int]
        public var mergedQueries: Int
        public var shardErrors: Int
        public var mergedErrors: Int
        /// Histograms (by prefix: "" for the load's own, "hot"/"cold") whose buckets differ.
        public var differingHistograms: [String]
        /// The merged step's QPS, P50 and P99 (ms), as its report shows them.
        public var qps: Double?
        public var p50: Double?
        public var p99: Double?

        public var isExact: Bool {
            differingHistograms.isEmpty && mergedQueries == shardQueries.reduce(0, +) && mergedErrors == shardErrors
        }
    }

    /// One row per top-level load step of the merged record that every shard ran.
    public static func check(merged: RunRecord, shards: [RunRecord]) -> [Step] {
        merged.steps.compactMap { m in
            guard let histograms = m.details?.latencyHistograms, !histograms.isEmpty else { return nil }
            let parts = shards.compactMap { shard in shard.steps.first { $0.id == m.id } }
            guard parts.count == shards.count else { return nil }
            func count(_ s: StepRecord, _ key: String) -> Int { Int(s.metrics[key] ?? 0) }
            let differing = histograms.keys.sorted().filter { prefix in
                var sum: [UInt64: UInt64] = [:]
                for p in parts { add(p.details?.latencyHistograms[prefix], into: &sum) }
                var mine: [UInt64: UInt64] = [:]
                add(histograms[prefix], into: &mine)
                return mine != sum
            }
            return Step(id: m.id, shardQueries: parts.map { count($0, "queries") }, mergedQueries: count(m, "queries"),
                        shardErrors: parts.map { count($0, "errors") }.reduce(0, +), mergedErrors: count(m, "errors"),
                        differingHistograms: differing, qps: m.metrics["qps"], p50: m.metrics["p50"], p99: m.metrics["p99"])
        }
    }

    static func add(_ h: EncodedHistogram?, into sum: inout [UInt64: UInt64]) {
        for pair in h?.counts ?? [] where pair.count == 2 { sum[pair[0], default: 0] += pair[1] }
    }

    /// The check as a table for the console: one line per step.
    public static func table(_ steps: [Step]) -> String {
        func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, n - s.count))
            return right ? fill + s : s + fill
        }
        func ms(_ v: Double?) -> String { v.map { String(format: "%.1f ms", $0) } ?? "—" }
        var out = pad("step", 16) + pad("shards: queries", 28) + pad("sum", 8, right: true) + pad("merged", 8, right: true)
            + pad("check", 9, right: true) + "  merged QPS, P50, P99\n"
        for s in steps {
            let qps = s.qps.map { String(format: "%.0f/s", $0) } ?? "—"
            out += pad(s.id, 16) + pad(s.shardQueries.map(String.init).joined(separator: " + "), 28)
                + pad(String(s.shardQueries.reduce(0, +)), 8, right: true) + pad(String(s.mergedQueries), 8, right: true)
                + pad(s.isExact ? "exact" : "DIFFERS", 9, right: true) + "  \(qps), \(ms(s.p50)), \(ms(s.p99))\n"
        }
        return out
    }
}
