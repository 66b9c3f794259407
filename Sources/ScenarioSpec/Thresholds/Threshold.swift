/// A pass/fail rule over a recorded metric: `<stepId>.<metric> <op> <value>[unit]`.
///
/// Thresholds are data, checked when the scenario is validated: an unknown step id, or a metric
/// the step's kind does not record, is an error — never silently ignored.
public struct Threshold: Sendable, Hashable {
    /// The text as written, e.g. `baseline.p99 < 100ms`.
    public var text: String
    public var mark: Mark
    public var stepId: String
    public var metric: String
    public var op: ComparisonOperator
    /// The limit in the metric's unit (milliseconds for durations, 0–100 for percents).
    public var value: Double
    public var unit: MetricUnit

    /// `stepId.metric`.
    public var subject: String { "\(stepId).\(metric)" }

    public func holds(for observed: Double) -> Bool { op.holds(observed, value) }
}
