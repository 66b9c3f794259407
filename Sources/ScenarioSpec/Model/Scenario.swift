/// A validated scenario: what to run, against what, and what must hold afterwards.
public struct Scenario: Sendable {
    /// What happens to `drop` steps (cleanup) after a failure.
    public enum Cleanup: String, Sendable, CaseIterable {
        /// Steps stop at the first failure; later drops do not run.
        case onSuccess
        /// After a failure or interruption, the remaining `drop` steps still run.
        case always
        /// `drop` steps are skipped, keeping the data for inspection.
        case never
    }

    public var file: String
    public var version: Int
    public var name: String
    public var title: String?
    public var description: String?
    public var vars: [Parameter]
    public var target: Target
    public var collection: String?
    public var report: ReportOptions
    public var notifiers: [Notifier]
    public var steps: [Step]
    public var thresholds: [Threshold]
    /// The metrics `compare` gates on for this scenario, with their tolerances; empty: the
    /// gate's defaults (QPS, P50/P95/P99, error rate, recall, rows per second).
    public var regressions: [RegressionRule] = []
    public var cleanup: Cleanup

    /// Every step as written, each once: a sweep's nested steps of its first row (the other rows
    /// differ only in the parameter's value), a parallel's after it. What checks look at.
    public var allSteps: [Step] {
        steps.flatMap { step -> [Step] in
            let groups = step.spec.nestedGroups
            let firstRow = groups.first { $0.row != nil }.map { [$0] } ?? []
            return [step] + (groups.filter { $0.row == nil } + firstRow).flatMap(\.steps)
        }
    }

    /// Every step that runs, every sweep row's included (rows differ: replicas 1, then 2).
    public var everyStep: [Step] {
        steps.flatMap { [$0] + $0.spec.nestedGroups.flatMap(\.steps) }
    }

    /// The steps that run once each: the top-level ones and those inside `parallel` (not a
    /// sweep's, which run once per value). Thresholds may name these.
    public var stepsRunOnce: [Step] {
        steps.flatMap { $0.withStepsRunOnce }
    }

    public func step(id: String) -> Step? { stepsRunOnce.first { $0.id == id } }

    public static let currentVersion = 1

    public struct Keys: KeySet {
        public init() {}
        public let version = Key.integer("version", min: 1, max: 1, .defaultValue("1"), "Version of the scenario format.")
        public let name = Key.identifier("name", .runtimeDefault("the file name without `.yaml`"), "Names the report folder (`reports/<name>/…`).")
        public let title = Key.text("title", .optional, "Title of the report.")
        public let description = Key.text("description", .optional, "What the scenario proves.")
        public let vars = Key.parameters("vars", .defaultValue("{}"), "Variables for `${name}`. Their values may use the environment: `rows: ${ROWS:-100000}`. `--var name=value` overrides them.")
        public let target = ObjectKey<Target.Keys>("target", Target.info, .defaultValue("{}"), "The Milvus deployment.")
        public let collection = Key.text("collection", .optional, "Default collection for steps that work on one.")
        public let report = ObjectKey<ReportOptions.Keys>("report", ReportOptions.info, .defaultValue("{}"), "Report options.")
        public let notifiers = VariantListKey("notifiers", Notifier.variants, minCount: 0, .defaultValue("[]"), "Where `watch` alerts are sent.")
        public let steps = VariantListKey("steps", StepKinds.topLevel, minCount: 1, .required, "What to run, in order.")
        public let thresholds = Key.list("thresholds", of: .expression("threshold"), minCount: 0, .defaultValue("[]"), "Pass/fail rules: `<stepId>.<metric> <op> <value>[unit]`, e.g. `baseline.p99 < 100ms`. The run exits 1 when one fails.")
        public let regressions = Key.textMap("regressions", .defaultValue("{}"), "What `compare` gates on when this run is the new one: `<stepId>.<metric>: <tolerance>`, e.g. `baseline.p99: 10%`, `baseline.qps: 5%`, `baseline.recall: 0.01`, `replicas.maxSpeedup: 10%`; `*.p99` for every step, `<sweep>[<value>].<id>` for a sweep row's step. A regression must be beyond the tolerance and significant (see docs/regression-gate.md). Empty: QPS, P50/P95/P99, error rate, recall and rows/s of every step at the defaults.")
        public let cleanup = Key<Cleanup>.choice("cleanup", .defaultValue("onSuccess"), "`onSuccess`: stop at the first failure. `always`: after a failure or interruption, still run the remaining `drop` steps. `never`: skip `drop` steps.")
    }

    public static let spec = ObjectSpec(
        name: "scenario", title: "scenario",
        doc: "The top level of a scenario file. Top-level keys starting with `x-` are ignored: a place for YAML anchors (`x-search: &search {topK: 10}`) that steps merge with `<<: *search`.",
        keys: Keys.self, allowsExtensionKeys: true)
}
