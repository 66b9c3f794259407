/// One kind of scenario step, described by itself: its settings and how they are decoded, the
/// metrics it records, its checks against the rest of the scenario, the steps it runs inside it,
/// how `run --shard` divides it, the problems it reports and examples of it written well and
/// badly.
///
/// Adding a step kind means one type conforming to this protocol (one line in `StepKinds.all`),
/// its record details, runner and reporter in their modules (each list generated from that one
/// line), and its tests (docs/architecture.md, "Adding a step kind"); the reference document and
/// JSON Schema follow by themselves. What other layers ask about a kind (is it cleanup, does it
/// measure search latency, may it be swept, does it use a collection) is a property here, never
/// a kind name compared.
public protocol StepSpec: Sendable {
    /// The key the step is written under: `load`, `concurrentSearch`, …
    static var kind: String { get }
    /// One or two sentences for the reference and the schema.
    static var summary: String { get }
    /// Settings specific to this kind (`id` and `collection` are added by `StepKinds`), each
    /// declared once as a stored property: the decoder reads them by key path.
    associatedtype Keys: KeySet = NoKeys
    /// The settings as the decoder, the schema and the reference see them (`Keys`' declarations).
    static var keys: [KeySpec] { get }
    static var constraints: [KeyConstraint] { get }
    /// Every metric this kind records, as stored `Metric` properties: runners write them by key
    /// path through `StepRecorder`, so a metric the kind did not declare does not compile.
    associatedtype Metrics: StepMetrics
    /// Every metric this kind records (its `Metrics`, in order). Thresholds may only name these.
    static var metrics: [MetricSpec] { get }
    /// Whether the step works on a collection (and so accepts `collection`).
    static var collectionUse: CollectionUse { get }
    /// The longest the step may take, when it has such a setting (`timeout` of `load` and
    /// `index`): calls waiting out a transient server state stop waiting by then.
    var deadline: ScenarioDuration? { get }
    /// A cleanup step: skipped by `cleanup: never`, still run after a failure by `cleanup: always`.
    static var isCleanup: Bool { get }
    /// Runs searches and records their latency distribution (queries, QPS, avg, P50…P99): a
    /// sweep row's comparison reads its first such step, and `compare` counts its total time as
    /// a performance figure. True exactly when `Metrics` conforms to `SearchLatencyMetrics`.
    static var measuresSearchLatency: Bool { get }
    /// May run inside a sweep row (a sweep or a watch may not).
    static var maySweep: Bool { get }
    /// What this step needs from the server beyond search and the basic collection calls.
    var serverNeeds: [ServerNeed] { get }
    /// May run inside `parallel`, side by side with other loads (a `ParallelLoad`).
    static var mayRunInParallel: Bool { get }
    /// How `run --shard I/N` divides the step among shards.
    static var shardRole: ShardRole { get }
    /// This shard's part of the step: a load's share (`.load` kinds), or the rows of a write
    /// written `perShard: true`; nil when the step is not divided (shard 0 runs it whole).
    func part(for shard: Shard) -> Self?
    /// Releases or drops the collection: a sharded run must not do that while other shards load.
    static var endsCollectionUse: Bool { get }
    /// The steps this one runs inside it, grouped as they run: a sweep's rows, a parallel's loads.
    var nestedGroups: [NestedStepGroup] { get }
    /// Inside `parallel`: runs until the parallel's `duration` ends when it set no end of its own.
    mutating func runInParallel(for duration: ScenarioDuration)
    /// Why the step, as written, needs a collection although its kind does not always (a health
    /// step's serving check); nil when it does not. Reported when no collection is set.
    var collectionNeed: String? { get }
    /// Checks this step against what the scenario declared before it — the collection's schema
    /// and index from earlier `create` and `index` steps, the notifiers — called in step order.
    func check(_ step: Step, _ checks: inout ScenarioChecks)
    /// The problems (`DiagnosticCode`s) only this kind reports, for the reference; its invalid
    /// examples must show each of them.
    static var diagnosticCodes: [DiagnosticCode] { get }
    /// Examples of the step in a scenario, written well and badly: they drive the corpus tests
    /// and the reference.
    static var examples: [StepExample] { get }

    init(_ reader: KeyReader<Keys>, _ context: StepDecodingContext)
}

extension StepSpec {
    public static var constraints: [KeyConstraint] { [] }
    public static var keys: [KeySpec] { Keys.specs }
    public static var metrics: [MetricSpec] { Metrics.all }
    public var deadline: ScenarioDuration? { nil }
    public var serverNeeds: [ServerNeed] { [] }
    public static var isCleanup: Bool { false }
    /// A kind measures search latency exactly when its metrics are the search-load ones.
    public static var measuresSearchLatency: Bool { latencyMetrics != nil }
    /// Runs a load of requests (searches or queries) and records their latency percentiles: its
    /// total time is the measured requests' wall time, a performance figure for `compare`.
    public static var measuresRequestLatency: Bool { Metrics() is any LoadLatencyMetrics }
    /// Records the full percentile spread of a request load (the query-performance table's rows).
    public static var recordsLatencyPercentiles: Bool { Metrics() is any LatencyPercentiles }
    /// The search-load metrics, for a kind that records them (read by a sweep row's comparison).
    public static var latencyMetrics: (any SearchLatencyMetrics)? { Metrics() as? any SearchLatencyMetrics }
    /// One of this kind's metrics, for reading a record: `InsertStep.metric(\.rows)`.
    public static func metric<Q>(_ path: KeyPath<Metrics, Metric<Q>>) -> Metric<Q> { Metrics()[keyPath: path] }
    public static var maySweep: Bool { true }
    public static var mayRunInParallel: Bool { false }
    public static var shardRole: ShardRole { .whole }
    public func part(for shard: Shard) -> Self? { nil }
    public static var endsCollectionUse: Bool { false }
    public var nestedGroups: [NestedStepGroup] { [] }
    public mutating func runInParallel(for duration: ScenarioDuration) {}
    public var collectionNeed: String? { nil }
    public func check(_ step: Step, _ checks: inout ScenarioChecks) {}
    public static var diagnosticCodes: [DiagnosticCode] { [] }
    public static var examples: [StepExample] { [] }
    public var kind: String { Self.kind }
}

/// Steps one step runs inside it: once each, side by side (a `parallel`'s), or once per value
/// of a sweep's parameter (a row).
public struct NestedStepGroup: Sendable {
    /// The sweep row's parameter and value; nil for steps that run once.
    public var row: (parameter: String, value: String)?
    public var steps: [Step]

    public init(row: (parameter: String, value: String)? = nil, steps: [Step]) {
        self.row = row
        self.steps = steps
    }

    /// How `regressions:` and `compare` name a nested step: its id, or `<sweep>[<value>].<id>`.
    public func key(_ nested: Step, in parent: Step) -> String {
        row.map { "\(parent.id)[\($0.value)].\(nested.id)" } ?? nested.id
    }
}

/// A step that sends searches as `search` describes them: checked against the collection's
/// schema and index before the run (a vector field that exists, a metric the index has).
public protocol SearchingStep: StepSpec {
    var search: SearchSettings { get }
    /// Recall scored on a sample of the queries; nil: not measured.
    var recall: RecallSetting? { get }
}

extension SearchingStep {
    public var serverNeeds: [ServerNeed] { search.serverNeeds }

    /// A search suits the collection's schema and index; recall is scored only for float top-K.
    public func check(_ step: Step, _ checks: inout ScenarioChecks) {
        guard step.collection != nil else { return }
        checks.check(search, forSearchStep: step, recall: recall != nil)
    }
}

/// A load that can run inside `parallel`: until the parallel's `duration` ends when it sets no
/// end of its own (`runInParallel(for:)`).
public protocol ParallelLoad: StepSpec {
    /// Whether the step set its own end (`queries`, `duration`, `rows`).
    var hasOwnEnd: Bool { get }
}

extension ParallelLoad {
    public static var mayRunInParallel: Bool { true }
}

/// Whether a step kind needs a collection.
public enum CollectionUse: Sendable {
    case required
    /// Used when given (for example for a serving check), otherwise not.
    case optional
    case none
}

/// What a step's decoder may need beyond its own settings.
public final class StepDecodingContext {
    /// Decodes a nested list of steps (a sweep's), with extra variable bindings.
    let decodeNested: (Node, [String: VariableScope.Binding]) -> [Step]
    public let decoder: SpecDecoder

    init(decoder: SpecDecoder, decodeNested: @escaping (Node, [String: VariableScope.Binding]) -> [Step]) {
        self.decoder = decoder
        self.decodeNested = decodeNested
    }

    public func nestedSteps(_ node: Node, bindings: [String: VariableScope.Binding]) -> [Step] {
        decodeNested(node, bindings)
    }
}

/// One step of a scenario, decoded and validated.
public struct Step: Sendable {
    /// The step's id: as written, or `<kind><n>` (`load1`, `concurrentSearch2`) when not written.
    public var id: String
    public var idWasWritten: Bool
    public var kind: String { spec.kind }
    /// Where the step was written (its kind key).
    public var mark: Mark
    /// The collection the step works on, when it uses one.
    public var collection: String?
    /// The step's own settings, one of the types in `StepKinds.all`.
    public var spec: any StepSpec
    /// Position in the scenario: "3", or "9.2" for the second step nested in step 9.
    public var path: String

    /// This step and the steps it runs inside it once each (a `parallel`'s).
    public var withStepsRunOnce: [Step] {
        [self] + spec.nestedGroups.filter { $0.row == nil }.flatMap(\.steps)
    }
}
