/// `flush`: seals the collection's growing segments and (by default) waits until they are
/// persisted and, when an index exists, indexed.
public struct FlushStep: StepSpec {
    public static let shardRole = ShardRole.setup
    public static let kind = "flush"
    public static let summary = "Seals the collection's growing segments (Flush) and by default waits until they are persisted and, when the collection has an index, indexed — e.g. after `upsert`/`delete` with `flush: false`, or to measure how long sealing takes."
    public static let collectionUse = CollectionUse.required

    public struct Keys: KeySet {
        public init() {}
        public let wait = Key.boolean("wait", .defaultValue("true"), "Wait until the sealed segments are persisted (GetFlushState) and indexed.")
        public let timeout = Key.duration("timeout", allowZero: false, .defaultValue("10m"), "Longest wait for the segments to be persisted and indexed.")
    }

    public struct Metrics: StepMetrics {
        public init() {}
        public let totalTime = Metric<DurationValue>.totalTime("flushing (including the wait)")
        public let flushTime = Metric<DurationValue>("flushTime", .lower, "Time from the flush request until it returned.")
        public let sealTime = Metric<DurationValue>("sealTime", .lower, "Time from the flush until every segment was persisted (and indexed); with `wait: false`, not measured.")
        public let segments = Metric<CountValue>("segments", .neither, "Persisted segments of the collection after the step (GetPersistentSegmentInfo), when the server reports them.")
        public let rows = Metric<CountValue>("rows", .neither, "Rows in those persisted segments.")
    }

    public var wait: Bool
    public var timeout: ScenarioDuration
    public var deadline: ScenarioDuration? { timeout }

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        wait = r[\.wait] ?? true
        timeout = r[\.timeout] ?? .seconds(600)
    }
}

extension FlushStep {
    public static let diagnosticCodes: [DiagnosticCode] = []

    public static let examples: [StepExample] = [
        .valid("Upserts without their own flush, then one flush that waits until every segment is persisted", """
            - upsert: {rows: 1000, flush: false}
            - flush
            """),
        .valid("Ask for the seal and go on without waiting", """
            - flush: {wait: false}
            """),
        .invalid("A misspelt key is named, with the key it was probably meant to be", """
            - flush: {wiat: false}
            """, .keyUnknown),
        .invalid("A wait of no time at all", """
            - flush: {timeout: 0s}
            """, .valueOutOfRange),
    ]
}
