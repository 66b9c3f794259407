/// `query`: a load of scalar queries (filter, output fields, limit) with latency percentiles.
public struct QueryStep: ParallelLoad {
    public static let shardRole = ShardRole.load
    public static let kind = "query"
    public static let summary = "Runs scalar queries — the rows matching `filter`, with `outputFields`, at most `limit` — as a load, closed or open loop exactly like `concurrentSearch`, and records their latency percentiles and the rows they returned. With `expectRows`, a query that returns another number of rows counts as failed."
    public static let collectionUse = CollectionUse.required

    public struct Keys: KeySet {
        public init() {}
        public let load = LoadSettings.Keys("queries")
        public let filter = Key.text("filter", .runtimeDefault("every row (then `limit` is required)"), "Boolean expression the rows must match, e.g. `id < 100 and category == \"books\"`.")
        public let outputFields = Key.list("outputFields", of: .text, minCount: 0, .runtimeDefault("the primary key"), "Fields returned for each row; `count(*)` counts the matching rows instead.")
        public let limit = Key.integer("limit", min: 1, max: 16384, .optional, "At most this many rows per query (Milvus allows up to 16384).")
        public let offset = Key.integer("offset", min: 0, max: 16383, .optional, "Rows skipped before the first returned (with `limit`).")
        public let consistency = Key<CreateStep.ConsistencyLevel>.choice("consistency", .defaultValue("Bounded"), "Consistency level of each query.")
        public let timeout = Key.duration("timeout", allowZero: false, .runtimeDefault("the target's `timeout`"), "Deadline of each query.")
        public let expectRows = Key.integer("expectRows", min: 0, max: nil, .optional, "Rows each query must return; any other number fails that query (for `count(*)`, the count it must answer).")
        public let verify = VerifySetting.key()
    }

    public static let constraints = LoadSettings.constraints

    public struct Metrics: LatencyPercentiles {
        public init() {}
        public let load = LoadMetrics()
        public let rows = Metric<CountValue>("rows", .neither, "Rows returned by all completed queries together (for `count(*)`, the counts added up).")
        public let rowsPerQuery = Metric<RatioValue>("rowsPerQuery", .neither, "Mean rows returned per completed query.")
        public let answers = AnswerMetrics()
    }

    public var load: LoadSettings
    public var hasOwnEnd: Bool { load.endWritten }
    public mutating func runInParallel(for duration: ScenarioDuration) {
        if !load.endWritten { load.end = .duration(duration) }
    }
    public var filter: String
    public var outputFields: [String]
    public var limit: Int?
    public var offset: Int?
    public var consistency: CreateStep.ConsistencyLevel
    public var timeout: ScenarioDuration?
    public var expectRows: Int?
    /// Check a sample of answers against the rows the tool knows; nil: not checked.
    public var verify: VerifySetting?
    /// Where `filter` was written (for diagnostics that check its field names).
    public var filterMark: Mark?

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        load = LoadSettings(r.group(\.load))
        filter = r[\.filter] ?? ""
        filterMark = r.has(\.filter) ? r.mark(\.filter) : nil
        outputFields = r[\.outputFields] ?? []
        limit = r[\.limit]
        offset = r[\.offset]
        consistency = r[\.consistency] ?? .Bounded
        timeout = r[\.timeout]
        expectRows = r[\.expectRows]
        verify = r.object(\.verify) { VerifySetting($0) }
        if verify != nil, !filter.trimmingCharacters(in: .whitespaces).isEmpty, case .failure(let e) = FilterExpression.parse(filter) {
            r.decoder.error(filterMark ?? r.mark(\.verify), .verifyFilter, "'verify' checks answers by evaluating the filter on the rows the tool knows, and it cannot evaluate this one: \(e.description)")
        }
        let counts = outputFields.contains("count(*)")
        if filter.trimmingCharacters(in: .whitespaces).isEmpty, limit == nil, !counts {
            r.decoder.error(filterMark ?? r.node.mark, .queryUnbounded, "a query without a 'filter' needs a 'limit' (Milvus refuses to return every row), or outputFields: [\"count(*)\"]")
        }
        if r.has(\.offset), limit == nil {
            r.decoder.error(r.mark(\.offset), .queryUnbounded, "'offset' needs a 'limit'")
        }
        if counts, outputFields.count > 1 {
            r.decoder.error(r.mark(\.outputFields), .queryUnbounded, "count(*) cannot be returned with other fields")
        }
        if counts, r.has(\.limit) {
            r.decoder.error(r.mark(\.limit), .queryUnbounded, "count(*) takes no 'limit'")
        }
    }
}

extension DiagnosticCode {
    public static let queryUnbounded = DiagnosticCode("query-unbounded")
    public static let verifyFilter = DiagnosticCode("verify-filter")
}

extension QueryStep {
    /// Output fields and the filter's field names are the collection's.
    public func check(_ step: Step, _ checks: inout ScenarioChecks) {
        guard let fields = checks.fields(of: step) else { return }
        let dynamic = checks.isDynamic(step)
        checks.checkFieldNames(outputFields.filter { $0 != "count(*)" }, fields, key: "outputFields", at: step.mark, dynamic: dynamic)
        checks.checkFilter(filter, fields, at: filterMark ?? step.mark, what: "query", dynamic: dynamic)
    }
}

extension QueryStep {
    public static let diagnosticCodes: [DiagnosticCode] = [.queryUnbounded, .verifyFilter]

    public static let examples: [StepExample] = [
        .valid("500 scalar queries from 4 workers, 100 rows each at most", """
            - query: {filter: "category == 'books'", outputFields: [id, category], limit: 100, queries: 500, concurrency: 4}
            """),
        .valid("A strong count that must find every inserted row", """
            - query: {outputFields: ["count(*)"], consistency: Strong, expectRows: 1000, queries: 1}
            """),
        .valid("Answers checked against the rows the tool knows: every matching row, with its values", """
            - query: {filter: "id < 500 and category in ['books', 'music']", outputFields: [id, category], limit: 1000, queries: 200, verify: {queries: 20}}
            """),
        .invalid("Every row, without a limit", """
            - query: {outputFields: [id]}
            """, .queryUnbounded),
        .invalid("Checking answers of a filter the tool cannot evaluate", """
            - query: {filter: "id ** 2 < 10", limit: 10, verify: {}}
            """, .verifyFilter),
    ]
}
