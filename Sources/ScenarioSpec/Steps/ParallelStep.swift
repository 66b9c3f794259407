/// `parallel`: several loads at the same time — streaming inserts, searches, queries — each with
/// its own metrics, ended together.
public struct ParallelStep: StepSpec {
    public static let kind = "parallel"
    public static let maySweep = false
    public static let summary = "Runs its nested `steps` at the same time, each with its own metrics and latency histograms (a mixed read-write workload: e.g. an `insert` at `rate: 2000/s` with `freshness`, a `concurrentSearch` and a `query`). A nested step that sets no end of its own (`queries`, `duration`, `rows`) runs until `duration` is over; every nested step is stopped then. Thresholds may name the nested steps. Per-node traffic is not measured inside `parallel` (the nodes' counters cannot tell the loads apart)."
    public static let collectionUse = CollectionUse.none

    public struct Keys: KeySet {
        public init() {}

        public let duration = Key.duration("duration", allowZero: false, .required, "How long the loads run together.")
        public let steps = VariantListKey("steps", StepKinds.parallel, minCount: 1, .required, "The loads: `insert`, `upsert`, `concurrentSearch`, `query`.")
    }

    public struct Metrics: StepMetrics {
        public init() {}
        public let steps = Metric<CountValue>("steps", .neither, "Nested steps run.")
        public let failed = Metric<CountValue>("failed", .lower, "Nested steps that failed.")
        public let totalTime = Metric<DurationValue>.totalTime("the loads together")
    }

    public var duration: ScenarioDuration
    public var steps: [Step]

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        duration = r[\.duration] ?? .seconds(60)
        steps = r.written(\.steps).map { context.nestedSteps($0, bindings: [:]) } ?? []
        for i in steps.indices { steps[i].spec.runInParallel(for: duration) }
    }
}

extension ParallelStep {
    /// The loads, each run once, side by side.
    public var nestedGroups: [NestedStepGroup] { [NestedStepGroup(steps: steps)] }
}

extension ParallelStep {
    public static let diagnosticCodes: [DiagnosticCode] = []

    public static let examples: [StepExample] = [
        .valid("Streaming inserts beside searches and queries for 30 s", """
            - parallel:
                duration: 30s
                steps:
                  - insert: {rate: 1000/s, batch: 100, freshness: 1s}
                  - concurrentSearch: {concurrency: 4}
                  - query: {filter: "id < 100", limit: 10}
            """),
        .invalid("A step that is not a load", """
            - parallel: {duration: 10s, steps: [drop]}
            """, .stepNotParallel),
    ]
}
