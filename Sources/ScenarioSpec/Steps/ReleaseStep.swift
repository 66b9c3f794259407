/// `release`: releases the collection from memory.
public struct ReleaseStep: StepSpec {
    public static let shardRole = ShardRole.setup
    public static let endsCollectionUse = true
    public static let kind = "release"
    public static let summary = "Releases the collection from the query nodes (needed before loading it again with another replica count)."
    public static let collectionUse = CollectionUse.required
    public struct Keys: KeySet {
        public init() {}


    }
    public struct Metrics: StepMetrics {
        public init() {}
        public let totalTime = Metric<DurationValue>.totalTime("releasing")
    }

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {}
}

extension ReleaseStep {
    public static let diagnosticCodes: [DiagnosticCode] = []

    public static let examples: [StepExample] = [
        .valid("Release before loading again with another replica count", """
            - release
            - load: {replicas: 1}
            """),
    ]
}
