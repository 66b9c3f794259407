import Foundation
import ScenarioRecord
import ScenarioSpec

/// What the reports say about one kind of step, in one place: the steps table's one-line
/// brief, what follows the step in summary.txt, and the kind's own tables. Each reporter names
/// the spec type it reports on; `StepReporterRegistryTests` checks every kind has exactly one.
protocol StepReporter: Sendable {
    associatedtype Spec: StepSpec
    /// The steps table's summary cell for a step of this kind that ran ("2000 rows, 9,000 rows/s").
    static func brief(_ s: StepRecord, _ l: Labels) -> String
    /// What follows the step's id on its summary.txt line when it ran (indented lines may follow).
    static func summary(_ s: StepRecord) -> String
    /// Lines under the step's summary.txt entry, whatever its outcome (a sweep's rows).
    static func summaryDetails(_ s: StepRecord) -> String
    /// The kind's own report tables, from the whole run (query performance, node load, …).
    static func tables(_ b: TableBuilder) -> [ReportTable]
}

extension StepReporter {
    static var kind: String { Spec.kind }
    static func brief(_ s: StepRecord, _ l: Labels) -> String { "" }
    static func summary(_ s: StepRecord) -> String { StepReporters.totalTime(s) }
    static func summaryDetails(_ s: StepRecord) -> String { "" }
    static func tables(_ b: TableBuilder) -> [ReportTable] { [] }
}

/// Every kind's reporter, in the order their tables appear.
enum StepReporters {
    static let all: [any StepReporter.Type] = [
        CreateReporter.self, InsertReporter.self, UpsertReporter.self, DeleteReporter.self, IndexReporter.self, LoadReporter.self,
        ReleaseReporter.self, DropReporter.self, ConcurrentSearchReporter.self, HotSearchReporter.self, HybridSearchReporter.self, QueryReporter.self, CapacityReporter.self, ParallelReporter.self, MonitorReporter.self, SweepReporter.self,
        HealthReporter.self, WatchReporter.self,
    ]

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

/// A recorded step's metric values, read by the metrics its kind declares (`m[\.qps]`), so a
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
