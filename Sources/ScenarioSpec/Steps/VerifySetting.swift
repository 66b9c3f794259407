/// `verify` of `query`: compare a sample of the step's answers with the rows the tool knows the
/// collection holds (its shadow of every acknowledged insert, upsert and delete).
public struct VerifySetting: Sendable, Hashable {
    /// Queries checked, after the measured ones.
    public var queries: Int

    public static let defaultQueries = 10

    public struct Keys: KeySet {
        public init() {}
        public let queries = Key.integer("queries", min: 1, max: 10_000, .defaultValue("\(VerifySetting.defaultQueries)"), "Queries checked, one after another, after the measured queries.")
    }

    public static let info = ObjectInfo(
        name: "verify", title: "verify",
        doc: "Checks the answers, not just their number. After the measured queries (so they are not slowed), the step's query is sent `queries` more times and each answer is compared with the rows the tool knows the collection holds — its shadow of every acknowledged `insert`, `upsert` and `delete` of this run, rows made again from the generators' seeds: the set of keys (every matching row when `limit` covers them; otherwise the rows returned must match and their number be right), every output field's value (floats as sent; float16, bfloat16 and int8 vectors as converted), and `count(*)`. Metrics `wrongRows` (returned, but the filter does not match the row the key holds), `missingRows`, `extraRows` (a deleted or never-written key), `wrongValues`, each with up to five examples (key, field, expected, got) in the report and run.json; `staleRows`: differences the consistency level allows (a row written or deleted less than its staleness bound before the query: 0 under Strong, Milvus's default graceful time of 5 s under Bounded and Session, any under Eventually); `indeterminateRows`: rows of a write or delete that got no answer, accepted either way. Needs a collection this scenario created with an int64 primary key, and a filter the tool evaluates (see `filter`); the run refuses others before it starts.")

    /// The `verify` key of `query`.
    public static func key() -> ObjectKey<Keys> {
        ObjectKey("verify", info, .optional,
                  "Check the answers against the rows the tool knows (metrics `wrongRows`, `missingRows`, `extraRows`, `wrongValues`, `staleRows`), e.g. `verify: {queries: 20}`; `verify: {}` checks 10. Off when not set.")
    }

    public init(queries: Int = defaultQueries) {
        self.queries = queries
    }

    init(_ r: KeyReader<Keys>) {
        queries = r[\.queries] ?? Self.defaultQueries
    }
}

/// What `query`'s `verify` records.
public struct AnswerMetrics: MetricGroup {
    public init() {}
    public let checked = Metric<CountValue>("verify.queries", .neither, "(`verify`) Queries whose answers were checked.")
    public let wrongRows = Metric<CountValue>("wrongRows", .lower, "(`verify`) Rows returned whose current values do not pass the filter.")
    public let missingRows = Metric<CountValue>("missingRows", .lower, "(`verify`) Rows that pass the filter and were not returned (or a `count(*)` short by this many), beyond what the consistency level allows.")
    public let extraRows = Metric<CountValue>("extraRows", .lower, "(`verify`) Rows returned that the collection does not hold: deleted, or never written (or a `count(*)` over by this many).")
    public let wrongValues = Metric<CountValue>("wrongValues", .lower, "(`verify`) Output field values other than the row holds (e.g. an upserted row's old value).")
    public let staleRows = Metric<CountValue>("staleRows", .neither, "(`verify`) Differences the consistency level allows: rows written or deleted less than its staleness bound before the query.")
    public let indeterminateRows = Metric<CountValue>("indeterminateRows", .neither, "(`verify`) Rows of writes or deletes with an unknown outcome (timed out, connection lost), accepted either way.")
}
