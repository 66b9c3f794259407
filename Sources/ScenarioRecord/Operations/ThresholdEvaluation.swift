import Foundation
import ScenarioSpec

/// Thresholds against the recorded metrics.
public enum ThresholdEvaluation {
    public static func evaluate(_ thresholds: [Threshold], steps: [StepRecord]) -> [ThresholdResult] {
        thresholds.map { t in
            let (observed, note) = observation(stepId: t.stepId, metric: t.metric, in: steps)
            return ThresholdResult(expression: t.text, stepId: t.stepId, metric: t.metric, unit: t.unit.rawValue, limit: t.value,
                                   observed: observed, passed: observed.map { t.holds(for: $0) } ?? false, note: note, op: t.op.rawValue)
        }
    }

    /// The same thresholds judged again on other steps (`merge`: on the merged numbers).
    public static func reevaluate(_ results: [ThresholdResult], steps: [StepRecord]) -> [ThresholdResult] {
        results.map { r in
            var r = r
            let (observed, note) = observation(stepId: r.stepId, metric: r.metric, in: steps)
            r.observed = observed
            r.note = note
            r.passed = observed.flatMap { o in r.op.flatMap(ComparisonOperator.init(rawValue:)).map { $0.holds(o, r.limit) } } ?? false
            return r
        }
    }

    /// A metric of a top-level step or one inside `parallel` (each ran once), or why there is none.
    public static func observation(stepId: String, metric: String, in steps: [StepRecord]) -> (Double?, String?) {
        let step = steps.lazy.flatMap(\.withStepsRunOnce).first { $0.id == stepId }
        let observed = step?.metrics[metric]
        var note: String?
        if step == nil || step?.status == .skipped { note = "the step did not run" }
        else if step?.status == .failed { note = "the step failed" }
        else if step?.status == .unsupported { note = "the step is not supported by this deployment" }
        else if observed == nil, let why = step?.unverified?[metric] { note = "\(metric) could not be verified: \(why)" }
        else if observed == nil { note = "the step recorded no value for \(metric)" }
        return (observed, note)
    }
}

extension RegressionRule {
    /// The rule as the run record keeps it.
    public var recorded: RegressionGateRule {
        switch tolerance {
        case .relative(let p)?: return RegressionGateRule(step: step, metric: metric, relativePercent: p)
        case .absolute(let v)?: return RegressionGateRule(step: step, metric: metric, absolute: v)
        case nil: return RegressionGateRule(step: step, metric: metric)
        }
    }
}
