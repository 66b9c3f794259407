import Foundation
import Primitives
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import ScenarioReport
import ScenarioRecord
import ScenarioSpec
import Testing

/// The regression gate's statistics and verdicts, on synthetic records whose truth is known.
/// (How often it flags identical runs on a real server is measured in bench/regression-gate.)
@Suite("regression gate")
struct RegressionGateTests {
    // MARK: Building records

    /// `count` latencies (ms) around `medianMs`, log-normally spread, drawn with `seed`.
    static func latencies(_ count: Int, medianMs: Double, spread: Double = 0.35, seed: UInt64) -> [Double] {
        var g = SeededRandom(seed: seed)
        return (0..<count).map { _ in medianMs * exp(spread * g.normal()) }
    }

    static func histogram(_ ms: [Double]) -> EncodedHistogram {
        var counts: [UInt64: UInt64] = [:]
        // Three significant digits, like the runner's HdrHistograms.
        for v in ms {
            let us = v * 1000
            let magnitude = pow(10, floor(log10(max(us, 1))) - 2)
            counts[UInt64((us / magnitude).rounded() * magnitude), default: 0] += 1
        }
        return EncodedHistogram(significantDigits: 3, counts: counts.sorted { $0.key < $1.key }.map { [$0.key, $0.value] })
    }

    /// A concurrentSearch step as the runner records it: metrics, histogram and QPS series.
    static func search(_ id: String, latencies ms: [Double], qpsPerInterval: [Double], errors: Int = 0, recall: [Double]? = nil) -> StepRecord {
        var s = StepRecord(path: "1", id: id, kind: "concurrentSearch", collection: "c", startedAt: Date(timeIntervalSince1970: 0))
        let sorted = ms.sorted()
        func at(_ p: Double) -> Double { sorted[max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)] }
        let spanMs = Double(qpsPerInterval.count) * 100
        s.metrics = ["queries": Double(ms.count + errors), "errors": Double(errors), "errorRate": Double(errors) / Double(ms.count + errors) * 100,
                     "qps": qpsPerInterval.reduce(0, +) / (spanMs / 1000), "avg": ms.reduce(0, +) / Double(ms.count),
                     "min": sorted.first!, "max": sorted.last!, "p50": at(50), "p95": at(95), "p99": at(99), "totalTime": spanMs]
        s.search = SearchDetails(loop: "closed", concurrency: 10, warmupQueries: 0, latency: histogram(ms), errorsByCode: [:])
        s.rates = [RateSamples(metric: "qps", counts: qpsPerInterval, intervalMs: 100, spanMs: spanMs)]
        if let recall {
            s.updateDetails(of: ConcurrentSearchStep.self) {
                $0.recall = RecallDetails(queries: recall.count, k: 10, metric: "L2", source: "test", rows: 1000, groundTruthMs: 1, reused: false, kernel: "test", perQuery: recall)
            }
            s.metrics["recall"] = recall.reduce(0, +) / Double(recall.count)
        }
        return s
    }

    /// Completions per 100 ms around `mean`, with noise.
    static func series(_ count: Int, mean: Double, seed: UInt64) -> [Double] {
        var g = SeededRandom(seed: seed)
        return (0..<count).map { _ in max(0, (mean + mean * 0.08 * g.normal()).rounded()) }
    }

    static func run(_ steps: [StepRecord], version: String = "v2.3.5", sha: String = "abc", regressions: [RegressionGateRule]? = nil) -> RunRecord {
        var info = RunRecord.ScenarioInfo(name: "gate", file: "gate.yaml", sha256: sha, language: "en")
        info.regressions = regressions
        return RunRecord(tool: "milvus-scenario", toolVersion: "test", scenario: info,
                         target: .init(uri: "http://x", database: "default", serverVersion: version, deployMode: "standalone", authenticated: false),
                         host: "h", startedAt: Date(timeIntervalSince1970: 0), status: .passed, steps: steps, thresholds: [])
    }

    static func typical(seed: UInt64, scale: Double = 1, queries: Int = 3000, qpsScale: Double = 1) -> RunRecord {
        run([search("s", latencies: latencies(queries, medianMs: 20 * scale, seed: seed), qpsPerInterval: series(150, mean: 50 * qpsScale, seed: seed + 1000))])
    }

    /// The resampling alone, without the allowance for drift between single runs.
    static let statisticsOnly = RunComparison.Settings(runNoisePercent: 0)

    static func verdict(_ c: RunComparison, _ metric: String, step: String = "s") -> RunComparison.Verdict? {
        c.rows.first { $0.step == step && $0.metric == metric }?.verdict
    }

    // MARK: Resampling

    @Test("the one-draw percentile resample matches resampling every query")
    func orderStatisticShortcut() {
        let ms = Self.latencies(2000, medianMs: 20, seed: 1)
        let d = EmpiricalDistribution(pairs: Self.histogram(ms).counts, scale: 0.001)
        var g = SeededRandom(seed: 2)
        let fast = (0..<2000).map { _ in d.resampledPercentile(99, using: &g) }
        let slow = (0..<400).map { _ -> Double in
            let resample = (0..<Int(d.total)).map { _ in d.value(atFraction: g.openUnit()) }.sorted()
            return resample[Int((0.99 * Double(resample.count)).rounded(.up)) - 1]
        }
        for q in [0.05, 0.5, 0.95] {
            let a = fast.quantile(q), b = slow.quantile(q)
            #expect(abs(a - b) / b < 0.03, "quantile \(q): \(a) vs \(b)")
        }
    }

    @Test("beta draws have the right mean; the generator is seeded")
    func betaAndSeeds() {
        var g = SeededRandom(seed: 7)
        let draws = (0..<20000).map { _ in g.beta(3, 7) }
        #expect(abs(draws.reduce(0, +) / 20000 - 0.3) < 0.005)
        var a = SeededRandom(text: "baseline.p99"), b = SeededRandom(text: "baseline.p99")
        #expect(a.next() == b.next())
    }

    // MARK: Pairs

    @Test("two runs of the same distribution: nothing significant, nothing min/max gated")
    func identicalRunsPass() {
        let c = RunComparison(old: Self.typical(seed: 10), new: Self.typical(seed: 20))
        #expect(c.regressions.isEmpty, "\(c.markdown(.init(old: "a", new: "b")))")
        #expect(Set(c.gatedRows.map(\.metric)) == ["qps", "p50", "p95", "p99", "errorRate"])
        #expect(c.rows.contains { $0.metric == "max" && !$0.gated } && c.rows.contains { $0.metric == "min" && !$0.gated })
        #expect(c.gateSource == .defaults)
    }

    @Test("a 40 % slower server is a significant regression of every latency and of QPS")
    func slowdownIsCaught() {
        let c = RunComparison(old: Self.typical(seed: 10), new: Self.typical(seed: 20, scale: 1.4, qpsScale: 0.7), settings: Self.statisticsOnly)
        for m in ["p50", "p95", "p99", "qps"] { #expect(Self.verdict(c, m) == .regression, "\(m)") }
        #expect(Self.verdict(c, "errorRate") == .withinTolerance)
        let faster = RunComparison(old: Self.typical(seed: 20, scale: 1.4, qpsScale: 0.7), new: Self.typical(seed: 10), settings: Self.statisticsOnly)
        #expect(faster.regressions.isEmpty && Self.verdict(faster, "p99") == .improvement && Self.verdict(faster, "qps") == .improvement)
    }

    @Test("between two single runs, the drift identical runs show is allowed on top of a relative tolerance")
    func runNoiseAllowance() {
        // +25 % at P50, significant on its own samples: a regression without the allowance, within
        // 10 % + the default 30 % with it (inconclusive, saying why); +60 % is beyond both.
        let old = Self.typical(seed: 10), drifted = Self.typical(seed: 20, scale: 1.25)
        #expect(Self.verdict(RunComparison(old: old, new: drifted, settings: Self.statisticsOnly), "p50") == .regression)
        let c = RunComparison(old: old, new: drifted)
        let p50 = c.rows.first { $0.metric == "p50" }!
        #expect(p50.verdict == .inconclusive && p50.note == "within the tolerance plus the 30% two single runs may drift apart", "\(p50.verdict) \(p50.note ?? "")")
        #expect(Self.verdict(RunComparison(old: old, new: Self.typical(seed: 20, scale: 1.6)), "p50") == .regression)
        // Absolute tolerances (recall, error rate) get no allowance: they do not drift with the machine.
        #expect(c.markdown(.init(old: "a", new: "b")).contains("plus the 30 % two identical runs may drift apart"))
    }

    @Test("beyond the tolerance but not significant is inconclusive and does not fail")
    func inconclusive() {
        // 12 % slower with 1,500 queries: P99 rests on 15 of them, its interval spans the tolerance.
        let c = RunComparison(old: Self.typical(seed: 10, queries: 1500), new: Self.typical(seed: 20, scale: 1.12, queries: 1500), settings: Self.statisticsOnly)
        let row = c.rows.first { $0.metric == "p99" }!
        #expect(row.change! > 10 && row.interval!.low < 10, "\(row.change!) \(row.interval!)")
        #expect(row.verdict == .inconclusive)
        #expect(!c.regressions.contains { $0.metric == "p99" })
    }

    @Test("P99 of a few hundred queries is 'too few samples', never a regression")
    func tooFewSamples() {
        let c = RunComparison(old: Self.typical(seed: 10, queries: 300), new: Self.typical(seed: 20, scale: 1.5, queries: 300), settings: Self.statisticsOnly)
        let row = c.rows.first { $0.metric == "p99" }!
        #expect(row.verdict == .tooFewSamples && row.note == "too few samples: 300 and 300 queries", "\(row.verdict) \(row.note ?? "")")
        #expect(Self.verdict(c, "p50") == .regression)   // 150 queries above P50: enough
        #expect(c.markdown(.init(old: "a", new: "b")).contains("❔ inconclusive (too few samples: 300 and 300 queries)"))
    }

    @Test("recall is gated on an absolute drop, error rate in percentage points, both resampled")
    func recallAndErrors() {
        let good = (0..<200).map { $0 % 10 == 0 ? 0.8 : 1.0 }          // mean 0.98
        let worse = (0..<200).map { $0 % 10 < 4 ? 0.8 : 1.0 }          // mean 0.92
        let slightly = (0..<200).map { $0 % 20 == 0 || $0 % 10 == 0 ? 0.8 : 1.0 } // still 0.98
        func with(_ recall: [Double], errors: Int) -> RunRecord {
            Self.run([Self.search("s", latencies: Self.latencies(3000, medianMs: 20, seed: 5), qpsPerInterval: Self.series(150, mean: 50, seed: 6), errors: errors, recall: recall)])
        }
        let c = RunComparison(old: with(good, errors: 0), new: with(worse, errors: 90))  // 3 % errors
        #expect(Self.verdict(c, "recall") == .regression && Self.verdict(c, "errorRate") == .regression)
        #expect(c.rows.first { $0.metric == "recall" }!.tolerance == .absolute(0.01))
        let same = RunComparison(old: with(good, errors: 0), new: with(slightly, errors: 3))   // 0.1 % errors
        #expect(Self.verdict(same, "recall") == .withinTolerance && Self.verdict(same, "errorRate") == .withinTolerance)
    }

    // MARK: What is gated

    @Test("the scenario's regressions block, then --metric, choose what is gated")
    func chosenMetrics() {
        let old = Self.typical(seed: 10)
        var new = Self.typical(seed: 20, scale: 1.4, qpsScale: 0.7)
        new.scenario.regressions = [RegressionGateRule(step: "s", metric: "qps", relativePercent: 50)]
        let byScenario = RunComparison(old: old, new: new)
        #expect(byScenario.gateSource == .scenario && byScenario.gatedRows.map(\.metric) == ["qps"])
        #expect(byScenario.regressions.isEmpty)          // −30 % is within the 50 % the scenario allows
        let byOption = RunComparison(old: old, new: new, settings: .init(rules: [RegressionRule(step: "*", metric: "p99", tolerance: nil)], runNoisePercent: 0))
        #expect(byOption.gateSource == .options && byOption.gatedRows.map(\.metric) == ["p99"] && byOption.regressions.count == 1)
        #expect(byOption.gatedRows[0].tolerance == .relative(percent: 10))
        // A metric without samples (max) is judged on the tolerance alone, and says so.
        let maxOnly = RunComparison(old: old, new: new, settings: .init(rules: [RegressionRule(step: "s", metric: "max", tolerance: .relative(percent: 5))]))
        #expect(maxOnly.gatedRows.first?.note == "no samples to resample: judged on the tolerance alone, with the runs' drift")
    }

    // MARK: History

    @Test("against a baseline history, a change inside the runs' own spread is not a regression")
    func history() {
        // Five baseline runs whose P50 wanders between 18 and 24 ms (machine noise between runs).
        let baseline = [1.0, 0.9, 1.2, 1.05, 0.95].enumerated().map { Self.typical(seed: UInt64(100 + $0.offset), scale: $0.element) }
        let today = Self.typical(seed: 300, scale: 1.18)   // +18 %: beyond 10 %, inside the spread
        let c = RunComparison(baseline: baseline, new: today)
        let p50 = c.rows.first { $0.metric == "p50" }!
        #expect(p50.baseline?.runs == 5 && p50.verdict == .inconclusive, "\(p50.verdict)")
        #expect(p50.note?.hasPrefix("within the baseline runs' own spread") == true)
        let slow = RunComparison(baseline: baseline, new: Self.typical(seed: 300, scale: 1.8, qpsScale: 0.55))
        #expect(Self.verdict(slow, "p50") == .regression && Self.verdict(slow, "qps") == .regression)
        #expect(c.markdown(.init(old: "dir", new: "b")).contains("baseline median (min – max, runs)"))
        // Fewer runs than the minimum: the latest one, as a pair.
        let two = RunComparison(baseline: Array(baseline.prefix(2)), new: today)
        #expect(two.rows.first { $0.metric == "p50" }!.baseline == nil)
    }

    @Test("another server version or scenario file is flagged, not silently compared")
    func warnings() {
        let old = Self.run([], version: "v2.3.5", sha: "aaa"), new = Self.run([], version: "v2.4.0", sha: "bbb")
        let w = RunComparison(old: old, new: new).warnings
        #expect(w.count == 2 && w[0].contains("v2.3.5") && w[0].contains("v2.4.0") && w[1].contains("another version of the scenario file"), "\(w)")
    }

    @Test("JUnit: a failing case per significant regression, skipped for inconclusive")
    func junit() throws {
        let c = RunComparison(old: Self.typical(seed: 10, queries: 300), new: Self.typical(seed: 20, scale: 1.5, queries: 300), settings: Self.statisticsOnly)
        let xmlText = c.junit(.init(old: "a.json", new: "b.json"))
        let doc = try XMLDocument(data: Data(xmlText.utf8))
        let cases = try doc.nodes(forXPath: "//testcase")
        #expect(cases.count == c.gatedRows.count)
        #expect(try doc.nodes(forXPath: "//testcase[@name='p99']/skipped").count == 1)
        #expect(try doc.nodes(forXPath: "//testcase[@name='p50']/failure").count == 1)
        #expect(try doc.nodes(forXPath: "//testcase[@name='errorRate']/failure").isEmpty)
    }
}
