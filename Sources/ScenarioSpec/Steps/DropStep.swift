/// `drop`: drops the collection (cleanup).
public struct DropStep: StepSpec {
    public static let shardRole = ShardRole.setup
    public static let endsCollectionUse = true
    public static let kind = "drop"
    public static let summary = "Drops the collection. With the scenario's `cleanup: always` it runs even after an earlier step failed; with `cleanup: never` it is skipped."
    public static let collectionUse = CollectionUse.required
    public struct Keys: KeySet {
        public init() {}


    }
    public struct Metrics: StepMetrics {
        public init() {}
        public let totalTime = Metric<DurationValue>.totalTime("dropping")
    }
    public static let isCleanup = true

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {}
}

extension DropStep {
    public static let diagnosticCodes: [DiagnosticCode] = []

    public static let examples: [StepExample] = [
        .valid("Drop the collection at the end (cleanup)", """
            - drop
            """),
    ]
}
