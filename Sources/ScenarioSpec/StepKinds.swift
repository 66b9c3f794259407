/// The registry of step kinds, read by the decoder, the runner, the JSON Schema and the reference.
public enum StepKinds {
    /// The one list of step kinds, in the order the reference, the schema and the report's tables
    /// follow. Every other list of kinds is made from this one: the record's details, the runners
    /// and the reporters are generated from it by the `StepKindRegistry` build plugin
    /// (`Plugins/`), so a `<Name>Step` here without a `<Name>Runner`, a `<Name>Reporter` or a
    /// `RecordedStep` conformance does not compile. Adding a kind is one line here.
    public static let all: [any StepSpec.Type] = [
        CreateStep.self,
        InsertStep.self,
        UpsertStep.self,
        DeleteStep.self,
        IndexStep.self,
        FlushStep.self,
        LoadStep.self,
        ReleaseStep.self,
        DropStep.self,
        ConcurrentSearchStep.self,
        HotSearchStep.self,
        HybridSearchStep.self,
        QueryStep.self,
        CapacityStep.self,
        ParallelStep.self,
        MonitorStep.self,
        SweepStep.self,
        HealthStep.self,
        WatchStep.self,
    ]

    public static func type(named kind: String) -> (any StepSpec.Type)? {
        all.first { $0.kind == kind }
    }

    /// The keys every step takes (`collection` only when its kind uses one).
    public struct CommonKeys: KeySet {
        public init() {}
        public let id = Key.identifier("id", .runtimeDefault("`<kind><n>`, e.g. `load1`"),
                                       "Names the step for thresholds and reports. Letters, digits, `_` and `-`.")
        public let collection = Key.text("collection", .runtimeDefault("the scenario's `collection`"), "The collection this step works on.")
    }

    /// The full settings of a kind: `id`, `collection` where used, then its own keys.
    public static func objectSpec(_ type: any StepSpec.Type) -> ObjectSpec {
        let common = CommonKeys()
        var keys = [common.id.spec]
        if type.collectionUse != .none { keys.append(common.collection.spec) }
        keys += type.keys
        return ObjectSpec(name: "step_\(type.kind)", title: "\(type.kind) step", doc: type.summary,
                          keys: keys, constraints: type.constraints)
    }

    public static let topLevel = VariantSet(title: "step", variants: all.map { ($0.kind, objectSpec($0)) })
    public static let nested = VariantSet(title: "step",
                                          variants: all.filter { $0.maySweep }.map { ($0.kind, objectSpec($0)) })
    /// The kinds `parallel` runs side by side.
    public static let parallel = VariantSet(title: "step",
                                            variants: all.filter { $0.mayRunInParallel }.map { ($0.kind, objectSpec($0)) })

    public static func metrics(of kind: String) -> [MetricSpec] {
        type(named: kind)?.metrics ?? []
    }

    /// Metric names a step of `kind` recorded that its kind does not declare (so no threshold
    /// or `compare` could name them, and no unit is known for them).
    public static func undeclaredMetrics(_ names: some Sequence<String>, of kind: String) -> [String] {
        let declared = Set(metrics(of: kind).map(\.name))
        return names.filter { !declared.contains($0) }.sorted()
    }
}
