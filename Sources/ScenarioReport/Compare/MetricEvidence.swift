import Primitives
import Foundation
import ScenarioRecord

/// What a step's record says about the uncertainty of one of its metrics: resampled values of
/// the metric (a bootstrap), and whether they rest on enough observations to judge.
struct MetricEvidence {
    /// The metric recomputed on each resample of the step's own observations.
    var replicates: [Double]
    /// The observations behind the metric (queries in the histogram, spans of a rate, …).
    var observations: Int
    /// What they are, for the report: "queries", "1 s intervals", "requests".
    var what: String
    /// Too few observations for the metric to be judged: P99 of 300 queries rests on 3 of them.
    var tooFew: Bool

    /// Resamples used for every interval.
    static let resamples = 2000
    /// A percentile needs this many queries beyond it (P99: 1,000 queries).
    static let minimumTail = 10.0
    /// Rates need this many spans, recall this many queries, error rates this many queries.
    static let minimumSpans = 10
    static let minimumRecallQueries = 20
    static let minimumQueries = 100

    /// The evidence for `metric` of `step`, or nil when the record keeps nothing to resample
    /// (then only the tolerance can judge the change).
    static func of(_ metric: String, in step: StepRecord, seed: String) -> MetricEvidence? {
        var g = SeededRandom(text: seed)
        let n = resamples
        // Latency percentiles and means, from the step's histogram (hot or cold ones apart).
        let (histogram, name): (EncodedHistogram?, String) = {
            let histograms = step.details?.latencyHistograms ?? [:]
            if let dot = metric.firstIndex(of: "."), let h = histograms[String(metric[..<dot])] {
                return (h, String(metric[metric.index(after: dot)...]))
            }
            return (histograms[""], metric)
        }()
        let percentiles = ["p50": 50.0, "p90": 90, "p95": 95, "p99": 99, "p999": 99.9]
        if let histogram, let p = percentiles[name] ?? (name == "avg" ? -1 : nil) {
            let d = EmpiricalDistribution(pairs: histogram.counts, scale: histogram.unit == "us" ? 0.001 : 1)
            guard d.total > 0 else { return nil }
            let count = Int(d.total)
            if p < 0 {
                // The mean of a resample: normal by the central limit theorem.
                let se = (d.variance / Double(count)).squareRoot(), m = d.mean
                return MetricEvidence(replicates: (0..<n).map { _ in m + se * g.normal() }, observations: count, what: "queries",
                                      tooFew: count < minimumRecallQueries)
            }
            let tail = Double(count) * (1 - p / 100)
            return MetricEvidence(replicates: (0..<n).map { _ in d.resampledPercentile(p, using: &g) }, observations: count, what: "queries",
                                  tooFew: tail < minimumTail)
        }
        if let samples = step.rates?.first(where: { $0.metric == metric }) {
            return rate(samples, &g)
        }
        switch metric {
        case "errorRate":
            guard let errors = step.metrics["errors"], let total = step.metrics["queries"], total > 0 else { return nil }
            // Jeffreys' interval: Beta(errors + ½, successes + ½), in percent.
            let reps = (0..<n).map { _ in g.beta(errors + 0.5, total - errors + 0.5) * 100 }
            return MetricEvidence(replicates: reps, observations: Int(total), what: "queries", tooFew: Int(total) < minimumQueries)
        case "recall":
            guard let perQuery = step.recall?.perQuery, !perQuery.isEmpty else { return nil }
            let reps = (0..<n).map { _ in
                var sum = 0.0
                for _ in perQuery.indices { sum += perQuery[g.index(below: perQuery.count)] }
                return sum / Double(perQuery.count)
            }
            return MetricEvidence(replicates: reps, observations: perQuery.count, what: "queries scored", tooFew: perQuery.count < minimumRecallQueries)
        default:
            return nil
        }
    }

    /// A rate's resamples: a moving-block bootstrap over its spans (blocks of ∛n spans keep
    /// neighbouring seconds together, which are not independent), the rate of each resample
    /// being its events over its time.
    static func rate(_ s: RateSamples, _ g: inout SeededRandom) -> MetricEvidence {
        let counts = s.counts, seconds = s.seconds
        let k = counts.count
        let what = s.durationsMs != nil ? "requests" : "\(ScenarioNumberText.ms(s.intervalMs ?? 0)) intervals"
        guard k > 0 else { return MetricEvidence(replicates: [], observations: 0, what: what, tooFew: true) }
        let block = max(1, Int(pow(Double(k), 1.0 / 3).rounded()))
        let starts = max(1, k - block + 1)
        let reps = (0..<resamples).map { _ -> Double in
            var events = 0.0, time = 0.0, taken = 0
            while taken < k {
                let s = g.index(below: starts)
                for i in s..<min(s + block, k) where taken < k {
                    events += counts[i]
                    time += seconds[i]
                    taken += 1
                }
            }
            return time > 0 ? events / time : 0
        }
        return MetricEvidence(replicates: reps, observations: k, what: what, tooFew: k < minimumSpans)
    }
}

/// Short texts for spans in the report.
enum ScenarioNumberText {
    static func ms(_ v: Double) -> String {
        v >= 1000 && v.truncatingRemainder(dividingBy: 1000) == 0 ? "\(Int(v / 1000)) s" : "\(Int(v)) ms"
    }
}
