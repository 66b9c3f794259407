/// `recall` of the search-load kinds: score the step's search quality, recall@topK, on a sample
/// of its query vectors against the exact nearest neighbours, which the tool computes itself.
public struct RecallSetting: Sendable, Hashable {
    /// Query vectors scored: the first of the step's query vectors.
    public var queries: Int
    /// Also score recall every this long while the step's queries run (checkpoints, e.g. while
    /// rows stream in beside them); nil: only after them.
    public var every: ScenarioDuration?

    public static let defaultQueries = 100

    public struct Keys: KeySet {
        public init() {}
        public let queries = Key.integer("queries", min: 1, max: 10_000, .defaultValue("\(RecallSetting.defaultQueries)"), "Query vectors scored (the first of the step's query vectors).")
        public let every = Key.duration("every", allowZero: false, .optional, "Also score recall every this long while the step's queries run — checkpoints against the rows acknowledged by then (less those the consistency level may not show yet), e.g. while `parallel` streams rows in beside the searches. Metrics `recall.checkpointMin` (the lowest checkpoint's mean) and `recall.checkpoints`; run.json keeps the series and the report draws recall over time.")
    }

    public static let info = ObjectInfo(
        name: "recall", title: "recall",
        doc: "Recall@topK on a sample of the step's query vectors. After the measured queries (so they are not slowed), the first `queries` query vectors are searched again with the step's parameters and the hits' vectors returned; each hit's exact distance is compared with the exact `topK` nearest rows, found by brute force over the collection's rows, which are made again from the insert steps' seeds (streamed in blocks of 8,192 rows through OpenBLAS, never held whole). The ground truth is computed once per set of rows and reused (a sweep over `ef` or `nprobe` pays for it once). Needs a collection this scenario created and filled. With a `filter`, the exact neighbours are searched among the rows that pass it, evaluated on the regenerated rows (comparisons, `in`, `like`, `is null`, JSON paths, dynamic keys, `json_contains*`, `array_contains*`, `array_length`, arithmetic, `and`/`or`/`not`; a function it does not know leaves recall unmeasured with the reason). After upserts and deletes the rows are those the collection holds now, and every hit is checked (`resurrectedRows`).")

    /// The `recall` key of a search kind.
    public static func key() -> ObjectKey<Keys> {
        ObjectKey("recall", info, .optional,
                  "Measure recall@topK (metrics `recall`, `recall.min`, `recall.p5`), e.g. `recall: {queries: 200}`; `recall: {}` scores 100 queries. Off when not set.")
    }

    public init(queries: Int = defaultQueries, every: ScenarioDuration? = nil) {
        self.queries = queries
        self.every = every
    }

    init(_ r: KeyReader<Keys>) {
        queries = r[\.queries] ?? Self.defaultQueries
        every = r[\.every]
    }
}
