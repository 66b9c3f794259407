import Foundation
import ScenarioRecord
import ScenarioSpec

/// `compare`: today's run against an earlier run, or against a history of baseline runs.
///
/// Only the gated metrics are judged — those a scenario's `regressions:` block or
/// `compare --metric` names, or by default QPS, P50/P95/P99, error rate, recall and rows/s — and
/// a gated metric regresses only when its change is beyond the tolerance **and** significant:
/// the whole one-sided 95 % bound of the change, resampled from the runs' own histograms and
/// per-interval series, lies beyond the tolerance (with a history, beyond the baseline's
/// run-to-run spread too). Everything else is shown, not judged. docs/regression-gate.md
/// explains the method and its assumptions.
public struct RunComparison: Sendable {
    public enum Verdict: String, Sendable {
        /// Beyond the tolerance in the worse direction, and significant.
        case regression
        /// Beyond the tolerance in the better direction, and significant.
        case improvement
        /// Beyond the tolerance, but the interval reaches back within it.
        case inconclusive
        /// Beyond the tolerance, but the metric rests on too few observations to say.
        case tooFewSamples
        case withinTolerance
        /// Shown, not judged.
        case notGated
    }

    /// The baseline history's values of a metric.
    public struct Spread: Sendable {
        public var runs: Int
        public var median: Double
        public var min: Double
        public var max: Double
        /// 1.4826 × the median absolute deviation: a robust standard deviation of the runs.
        public var robustSD: Double
    }

    public struct Row: Sendable {
        public var step: String
        public var kind: String
        public var metric: String
        public var unit: MetricUnit
        public var better: MetricSpec.Better
        /// The earlier run's value, or the baseline runs' median.
        public var old: Double
        public var new: Double
        /// (new − old) ÷ |old| × 100; nil when old is 0.
        public var changePercent: Double?
        public var tolerance: RegressionTolerance?
        /// The change as the tolerance measures it (percent for a relative tolerance, the
        /// metric's unit for an absolute one) and its 90 % interval (5th to 95th percentile of
        /// the resampled changes: each end is a one-sided 95 % bound).
        public var change: Double?
        public var interval: (low: Double, high: Double)?
        public var verdict: Verdict
        /// How the verdict was reached when not by resampling (e.g. "no samples: tolerance alone").
        public var note: String?
        public var baseline: Spread?

        public var gated: Bool { verdict != .notGated }
    }

    /// What the gate judges and with which tolerances.
    public struct Settings: Sendable {
        /// The metrics to gate on; empty: the new run's `regressions:` block, else the defaults.
        public var rules: [RegressionRule]
        /// Default tolerance of durations, rates and counts, in percent of the earlier value.
        public var relativePercent: Double
        /// Default tolerance of recall (and other 0–1 metrics): an absolute drop.
        public var fractionDrop: Double
        /// Default tolerance of error rates (and other percents), in percentage points.
        public var percentPoints: Double
        /// One-sided confidence of "significant".
        public var confidence: Double
        /// Between two single runs: how far identical runs drift apart, in percent, allowed on top
        /// of a relative tolerance. One run's own samples cannot show it (a shared machine runs
        /// the whole of one run faster than another); a history measures it instead.
        public var runNoisePercent: Double
        /// Fewer baseline runs than this: compared with the latest of them, as a pair.
        public var minimumHistory: Int

        public init(rules: [RegressionRule] = [], relativePercent: Double = 10, fractionDrop: Double = 0.01, percentPoints: Double = 0.5,
                    confidence: Double = 0.95, runNoisePercent: Double = Settings.defaultRunNoisePercent, minimumHistory: Int = 3) {
            self.rules = rules
            self.relativePercent = relativePercent
            self.fractionDrop = fractionDrop
            self.percentPoints = percentPoints
            self.confidence = confidence
            self.runNoisePercent = runNoisePercent
            self.minimumHistory = minimumHistory
        }

        /// The pair allowance by default: what bench/regression-gate measured between identical
        /// runs on a shared 2-core machine.
        public static let defaultRunNoisePercent = 30.0

        /// The metrics gated when nothing else is chosen: what a user gates on. Never `min`,
        /// `max` or node CPU, which move by more than 10 % between identical runs.
        public static let defaultMetrics: Set<String> = ["qps", "p50", "p95", "p99", "errorRate", "recall", "rowsPerSecond"]

        func defaultTolerance(_ spec: MetricSpec) -> RegressionTolerance {
            switch spec.unit {
            case .fraction: return .absolute(fractionDrop)
            case .percent: return .absolute(percentPoints)
            default: return .relative(percent: relativePercent)
            }
        }
    }

    public var rows: [Row]
    public var settings: Settings
    /// Where the gated metrics came from: `--metric`, the scenario's block, or the defaults.
    public var gateSource: GateSource
    /// Baseline runs compared against (1: a pair).
    public var baselineRuns: Int
    /// Differences that make the comparison less meaningful (server version, deploy mode,
    /// scenario file), flagged rather than silently compared.
    public var warnings: [String]
    public var onlyInOld: [String]
    public var onlyInNew: [String]

    public enum GateSource: Sendable, Equatable { case options, scenario, defaults }

    public var gatedRows: [Row] { rows.filter(\.gated) }
    public var regressions: [Row] { rows.filter { $0.verdict == .regression } }
    public var inconclusive: [Row] { rows.filter { $0.verdict == .inconclusive || $0.verdict == .tooFewSamples } }

    /// Compares `new` with one earlier run.
    public init(old: RunRecord, new: RunRecord, settings: Settings = Settings()) {
        self.init(baseline: [old], new: new, settings: settings)
    }

    /// Compares `new` with `baseline` runs (oldest first): with one, as a pair; with at least
    /// `minimumHistory`, against their median and spread.
    public init(baseline: [RunRecord], new: RunRecord, settings: Settings = Settings()) {
        precondition(!baseline.isEmpty, "a comparison needs at least one earlier run")
        self.settings = settings
        baselineRuns = baseline.count
        var rules = settings.rules
        if !rules.isEmpty {
            gateSource = .options
        } else if let recorded = new.scenario.regressions, !recorded.isEmpty {
            gateSource = .scenario
            rules = recorded.map { r in
                RegressionRule(step: r.step, metric: r.metric,
                               tolerance: r.relativePercent.map { .relative(percent: $0) } ?? r.absolute.map { .absolute($0) })
            }
        } else {
            gateSource = .defaults
        }
        let newSteps = Self.index(new)
        let oldIndexes = baseline.map { Dictionary(Self.index($0), uniquingKeysWith: { a, _ in a }) }
        var rows: [Row] = []
        for (key, n) in newSteps {
            let olds = oldIndexes.compactMap { $0[key] }.filter { $0.kind == n.kind }
            guard !olds.isEmpty else { continue }
            for spec in StepKinds.metrics(of: n.kind) {
                // A step's wall time is compared only for search steps: for create, load or drop it is
                // milliseconds of noise nobody can act on.
                guard spec.name != "totalTime" || StepKinds.type(named: n.kind)?.measuresRequestLatency == true,
                      let value = n.metrics[spec.name] else { continue }
                let withValue = olds.filter { $0.metrics[spec.name] != nil }
                guard !withValue.isEmpty else { continue }
                let tolerance: RegressionTolerance?
                if gateSource == .defaults {
                    tolerance = Settings.defaultMetrics.contains(spec.name) && spec.better != .neither ? settings.defaultTolerance(spec) : nil
                } else {
                    tolerance = rules.first { $0.matches(stepKey: key, metric: spec.name) }.map { $0.tolerance ?? settings.defaultTolerance(spec) }
                }
                rows.append(Self.row(key: key, step: n, value: value, olds: withValue, spec: spec, tolerance: tolerance, settings: settings))
            }
        }
        self.rows = rows
        let oldKeys = Set(oldIndexes.last!.keys), newKeys = Set(newSteps.map(\.0))
        onlyInOld = oldKeys.subtracting(newKeys).sorted()
        onlyInNew = newKeys.subtracting(oldKeys).sorted()
        warnings = Self.warnings(baseline: baseline, new: new)
    }

    /// Steps by the key `compare` knows them by: step id, a sweep row's `<sweep>[<value>].<id>`,
    /// a parallel's steps by their own ids.
    public static func index(_ r: RunRecord) -> [(String, StepRecord)] {
        var out: [(String, StepRecord)] = []
        for s in r.steps where s.status == .ok {
            out.append((s.id, s))
            for group in s.nestedGroups {
                for n in group.steps where n.status == .ok { out.append((group.key(n, in: s), n)) }
            }
        }
        return out
    }

    // MARK: One metric

    static func row(key: String, step n: StepRecord, value: Double, olds: [StepRecord], spec: MetricSpec,
                    tolerance: RegressionTolerance?, settings: Settings) -> Row {
        let values = olds.map { $0.metrics[spec.name]! }
        let history = values.count >= settings.minimumHistory
        let spread: Spread? = history ? Spread(runs: values.count, median: values.median, min: values.min()!, max: values.max()!,
                                              robustSD: 1.4826 * values.medianAbsoluteDeviation) : nil
        let reference = spread?.median ?? values.last!
        var row = Row(step: key, kind: n.kind, metric: spec.name, unit: spec.unit, better: spec.better, old: reference, new: value,
                      changePercent: reference != 0 ? (value - reference) / abs(reference) * 100 : (value == 0 ? 0 : nil),
                      tolerance: tolerance, verdict: .notGated, baseline: spread)
        guard let tolerance else { return row }
        let direction: Double = spec.better == .higher ? -1 : 1
        func change(_ old: Double, _ new: Double) -> Double? {
            switch tolerance {
            case .relative: return old != 0 ? (new - old) / abs(old) * 100 : nil
            case .absolute: return new - old
            }
        }
        let allowed: Double = { if case .relative(let p) = tolerance { return p }; if case .absolute(let a) = tolerance { return a }; return 0 }()
        guard let c = change(reference, value) else {
            row.verdict = direction * (value - reference) > 0 ? .inconclusive : .withinTolerance
            row.note = "the earlier value is 0: no relative change"
            return row
        }
        row.change = c
        let worse = direction * c
        // With a history, a change must also leave the runs' own spread (3 robust SDs); between
        // two runs, the drift between identical runs (which neither run's samples show) is allowed
        // on top of a relative tolerance.
        var band = allowed
        if spread == nil, tolerance.isRelative { band = allowed + settings.runNoisePercent }
        if let spread, spread.robustSD > 0 {
            let noise: Double
            switch tolerance {
            case .relative: noise = reference != 0 ? 3 * spread.robustSD / abs(reference) * 100 : 0
            case .absolute: noise = 3 * spread.robustSD
            }
            band = max(band, noise)
        }
        // The evidence: resampled values of today's metric, and of the earlier run's (a pair) —
        // a history's spread already holds its runs' own uncertainty.
        let seed = "\(key).\(spec.name)"
        let newEvidence = MetricEvidence.of(spec.name, in: n, seed: seed + "/new")
        let oldEvidence = history ? nil : MetricEvidence.of(spec.name, in: olds.last!, seed: seed + "/old")
        guard let newEvidence, history || oldEvidence != nil, !newEvidence.replicates.isEmpty else {
            row.verdict = worse > band ? .regression : worse < -band ? .improvement : abs(worse) > allowed ? .inconclusive : .withinTolerance
            row.note = "no samples to resample: judged on the tolerance alone" + (band > allowed ? ", with the runs' drift" : "")
            return row
        }
        var changes: [Double] = []
        changes.reserveCapacity(newEvidence.replicates.count)
        for (i, r) in newEvidence.replicates.enumerated() {
            let base = oldEvidence.map { $0.replicates[i % $0.replicates.count] } ?? reference
            if let d = change(base, r) { changes.append(d) }
        }
        let alpha = 1 - settings.confidence
        let low = changes.quantile(alpha), high = changes.quantile(1 - alpha)
        row.interval = (low, high)
        let (worseLow, worseHigh) = direction > 0 ? (low, high) : (-high, -low)
        let tooFew = newEvidence.tooFew || oldEvidence?.tooFew == true
        if tooFew {
            let counts = [newEvidence.observations] + (oldEvidence.map { [$0.observations] } ?? [])
            row.verdict = abs(worse) > allowed ? .tooFewSamples : .withinTolerance
            row.note = "too few samples: \(counts.map(String.init).joined(separator: " and ")) \(newEvidence.what)"
        } else if worseLow > band {
            row.verdict = .regression
        } else if worseHigh < -band {
            row.verdict = .improvement
        } else if abs(worse) > allowed {
            row.verdict = .inconclusive
            if band > allowed {
                row.note = spread != nil ? "within the baseline runs' own spread (3 robust SDs: \(Self.amount(band, tolerance, spec.unit)))"
                                         : "within the tolerance plus the \(ScenarioNumber.format(settings.runNoisePercent))% two single runs may drift apart"
            }
        } else {
            row.verdict = .withinTolerance
        }
        return row
    }

    // MARK: Warnings

    static func warnings(baseline: [RunRecord], new: RunRecord) -> [String] {
        func deployment(_ r: RunRecord) -> String {
            var parts = [r.target.serverVersion ?? "unknown version"]
            if let mode = r.target.deployMode { parts.append(mode) }
            if let nodes = r.target.queryNodes { parts.append("\(nodes) query node\(nodes == 1 ? "" : "s")") }
            return parts.joined(separator: ", ")
        }
        var out: [String] = []
        let today = deployment(new)
        let otherDeployments = baseline.filter { deployment($0) != today }
        if !otherDeployments.isEmpty {
            let theirs = Set(otherDeployments.map(deployment)).sorted().joined(separator: "; ")
            let which = baseline.count == 1 ? "The earlier run" : "\(otherDeployments.count) of the \(baseline.count) baseline runs"
            out.append("\(which) ran against another deployment (\(theirs)) than today's (\(today)): a change may come from the server, not from what you changed.")
        }
        let edited = baseline.filter { $0.scenario.sha256 != new.scenario.sha256 }
        if !edited.isEmpty {
            let which = baseline.count == 1 ? "The earlier run" : "\(edited.count) of the \(baseline.count) baseline runs"
            out.append("\(which) ran another version of the scenario file (sha256 \(edited.last!.scenario.sha256.prefix(12)) ≠ \(new.scenario.sha256.prefix(12))): the workloads may differ.")
        }
        let names = Set(baseline.map(\.scenario.name))
        if names != [new.scenario.name] {
            out.append("The runs are of different scenarios (\(names.sorted().joined(separator: ", ")) and \(new.scenario.name)).")
        }
        let unfinished = baseline.filter { $0.status == .failed || $0.status == .interrupted }
        if !unfinished.isEmpty {
            out.append("\(unfinished.count) earlier run\(unfinished.count == 1 ? "" : "s") did not finish (\(unfinished.map(\.status.rawValue).joined(separator: ", "))): only their finished steps are compared.")
        }
        return out
    }
}

extension RunComparison {
    /// An amount measured like `tolerance`: `12.3%` of the earlier value, or in the metric's unit.
    static func amount(_ v: Double, _ tolerance: RegressionTolerance, _ unit: MetricUnit, signed: Bool = false) -> String {
        let sign = signed && v > 0 ? "+" : ""
        switch tolerance {
        case .relative: return sign + String(format: "%.1f%%", v)
        case .absolute:
            switch unit {
            case .percent: return sign + String(format: "%.2f", v) + " points"
            case .fraction: return sign + String(format: "%.3f", v)
            default: return sign + Format.withUnit(v, unit.rawValue)
            }
        }
    }
}

extension RegressionTolerance {
    var isRelative: Bool { if case .relative = self { return true } else { return false } }
}
