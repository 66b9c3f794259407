import Foundation
import ScenarioRecord
import ScenarioSpec

/// What the reports say about one kind of step, in one place: the steps table's one-line
/// brief, what follows the step in summary.txt, and the kind's own tables. Each reporter names
/// the spec type it reports on; the list of reporters is generated from `StepKinds.all`, so a
/// kind without one does not compile.
protocol StepReporter: Sendable {
    associatedtype Spec: RecordedStep
    /// The steps table's summary cell for a step of this kind that ran ("2000 rows, 9,000 rows/s").
    static func brief(_ s: StepRecord, _ l: Labels) -> String
    /// What follows the step's id on its summary.txt line when it ran (indented lines may follow).
    static func summary(_ s: StepRecord) -> String
    /// Lines under the step's summary.txt entry, whatever its outcome (a sweep's rows).
    static func summaryDetails(_ s: StepRecord) -> String
    /// The kind's own report tables, from the whole run (query performance, node load, …).
    static func tables(_ b: TableBuilder) -> [ReportTable]
    /// Charts of a top-level step of this kind (a sweep's comparison).
    static func runCharts(_ s: StepRecord, _ l: Labels) -> [Chart]
    /// Charts of a step of this kind wherever it ran (in a sweep row or a parallel too).
    static func charts(_ f: FlatStep, _ l: Labels) -> [Chart]
}

extension StepReporter {
    static var kind: String { Spec.kind }
    static func brief(_ s: StepRecord, _ l: Labels) -> String { "" }
    static func summary(_ s: StepRecord) -> String { StepReporters.totalTime(s) }
    static func summaryDetails(_ s: StepRecord) -> String { "" }
    static func tables(_ b: TableBuilder) -> [ReportTable] { [] }
    static func runCharts(_ s: StepRecord, _ l: Labels) -> [Chart] { [] }
    static func charts(_ f: FlatStep, _ l: Labels) -> [Chart] { [] }
}

/// Every kind's reporter (`all` is generated from `StepKinds.all`, in its order: the order the
/// kinds' tables appear in).
enum StepReporters {
    /// One kind's reporter: compiles only when the reporter reports on that kind.
    static func entry<S, R: StepReporter>(_ spec: S.Type, _ reporter: R.Type) -> any StepReporter.Type where R.Spec == S { reporter }

    private static let byKind: [String: any StepReporter.Type] = Dictionary(uniqueKeysWithValues: all.map { ($0.kind, $0) })

    /// The reporter of a recorded step's kind; nil for a kind this build does not know (a record
    /// from a newer version), which then gets the plain rendering every kind shares.
    static func reporter(for s: StepRecord) -> (any StepReporter.Type)? { byKind[s.kind] }

    static func brief(_ s: StepRecord, _ l: Labels) -> String { reporter(for: s)?.brief(s, l) ?? "" }
    static func summary(_ s: StepRecord) -> String { reporter(for: s)?.summary(s) ?? totalTime(s) }
    static func summaryDetails(_ s: StepRecord) -> String { reporter(for: s)?.summaryDetails(s) ?? "" }

    /// The summary line of a kind with nothing more to say: how long it took.
    static func totalTime(_ s: StepRecord) -> String {
        " \(Format.number((s.metrics["totalTime"] ?? s.durationMs) / 1000)) s"
    }
}

/// A recorded step's metric values, read by the metrics its kind declares (`m[\.load.qps]`), so a
/// reporter cannot ask for a name its kind does not record. Values are as recorded, in the
/// metric's unit (milliseconds, percent, …).
struct RecordedMetrics<Spec: StepSpec> {
    let values: [String: Double]

    subscript<Q>(metric: KeyPath<Spec.Metrics, Metric<Q>>) -> Double? { values[Spec.metric(metric).name] }
}

extension StepRecord {
    /// This step's metrics, read as a step of `kind`.
    func metrics<Spec: StepSpec>(of kind: Spec.Type) -> RecordedMetrics<Spec> { RecordedMetrics(values: metrics) }
}
