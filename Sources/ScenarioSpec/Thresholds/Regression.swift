/// How far a metric may move in its worse direction before `compare` calls it a regression.
public enum RegressionTolerance: Sendable, Hashable {
    /// A percentage of the earlier value: `10%` lets a P99 of 20 ms grow to 22 ms.
    case relative(percent: Double)
    /// An amount in the metric's own unit: recall may drop by 0.01, an error rate (itself a
    /// percent) rise by 0.5 points, a P99 grow by 5 ms.
    case absolute(Double)

    /// Reads a tolerance for a metric of `unit`, or says what to write instead.
    ///
    /// Metrics that are themselves percents or fractions (error rate, recall) take an absolute
    /// tolerance in their own unit — a relative one would let recall fall from 0.95 to 0.86 at
    /// 10 % — written like their thresholds (`0.01` or `1%` for recall, `0.5%` for an error
    /// rate). Durations take a percentage or a duration (`5ms`); everything else a percentage.
    public static func parse(_ text: String, unit: MetricUnit, subject: String) -> Result<RegressionTolerance, Comparison.Failure> {
        let t = text.trimmingCharacters(in: .whitespaces)
        func fail(_ m: String) -> Result<RegressionTolerance, Comparison.Failure> { .failure(Comparison.Failure(offset: 0, message: m)) }
        switch unit {
        case .fraction:
            if let p = ScenarioNumber.parsePercent(t), (0...100).contains(p) { return .success(.absolute(p / 100)) }
            if let v = ScenarioNumber.parseDouble(t), (0...1).contains(v) { return .success(.absolute(v)) }
            return fail("'\(subject)' is a fraction from 0 to 1; its tolerance is the change it may make, like 0.01 or 1%, not '\(t)'")
        case .percent:
            if let p = ScenarioNumber.parsePercent(t) ?? ScenarioNumber.parseDouble(t), (0...100).contains(p) { return .success(.absolute(p)) }
            return fail("'\(subject)' is a percent; its tolerance is in percentage points, like 0.5%, not '\(t)'")
        case .boolean:
            return fail("'\(subject)' is yes or no; gate on it with a threshold (\(subject) == 1), not a regression tolerance")
        case .milliseconds, .count, .perSecond, .ratio:
            if let p = ScenarioNumber.parsePercent(t) {
                return p >= 0 && p.isFinite ? .success(.relative(percent: p)) : fail("a tolerance cannot be negative: '\(t)'")
            }
            if unit == .milliseconds, let d = ScenarioDuration.parse(t) { return .success(.absolute(d.milliseconds)) }
            return fail("write the tolerance of '\(subject)' as a percentage of the earlier value, like 10%\(unit == .milliseconds ? ", or as a duration like 5ms" : ""), not '\(t)'")
        }
    }

    /// As written in reports: `10%`, `0.01`, `5ms`.
    public func text(unit: MetricUnit) -> String {
        switch self {
        case .relative(let p): return ScenarioNumber.format(p) + "%"
        case .absolute(let v):
            switch unit {
            case .percent: return ScenarioNumber.format(v) + " points"
            case .milliseconds: return ScenarioNumber.format(v) + "ms"
            default: return ScenarioNumber.format(v)
            }
        }
    }
}

/// A metric the regression gate judges, from a scenario's `regressions:` block
/// (`baseline.p99: 10%`) or `compare --metric`: `<stepId>.<metric>`, where the step may be `*`
/// (every step recording the metric) or a sweep row's step, `replicas[2].replica_search`.
public struct RegressionRule: Sendable, Hashable {
    /// A step id, a nested step's `<sweep>[<value>].<id>`, or `*`.
    public var step: String
    public var metric: String
    /// nil: the gate's default for the metric.
    public var tolerance: RegressionTolerance?
    public var mark: Mark?

    public init(step: String, metric: String, tolerance: RegressionTolerance?, mark: Mark? = nil) {
        self.step = step
        self.metric = metric
        self.tolerance = tolerance
        self.mark = mark
    }

    public var subject: String { "\(step).\(metric)" }

    /// Whether this rule speaks of the metric `metric` of the step compared as `stepKey`.
    public func matches(stepKey: String, metric: String) -> Bool {
        guard metric == self.metric else { return false }
        return step == "*" || step == stepKey
    }

    /// The step and metric a `step.metric` subject names among `steps` (key and kind): the
    /// longest step key the subject starts with whose kind records the rest (metric names may
    /// contain dots, `hot.p99`), or `*` for any step recording it. nil when none fits.
    public static func resolve(_ subject: String, steps: [(key: String, kind: String)]) -> (step: String, metric: MetricSpec)? {
        if subject.hasPrefix("*.") {
            let name = String(subject.dropFirst(2))
            for s in steps { if let m = StepKinds.metrics(of: s.kind).first(where: { $0.name == name }) { return ("*", m) } }
            return nil
        }
        for s in steps.sorted(by: { $0.key.count > $1.key.count }) where subject.hasPrefix(s.key + ".") {
            let name = String(subject.dropFirst(s.key.count + 1))
            if let m = StepKinds.metrics(of: s.kind).first(where: { $0.name == name }) { return (s.key, m) }
        }
        return nil
    }
}
