/// What each search request looks like; shared by `concurrentSearch`, `hotSearch` and `watch`'s background load.
public struct SearchSettings: Sendable, Hashable {
    public var topK: Int
    public var nq: Int
    public var params: [Parameter]
    public var field: String?
    public var metric: IndexStep.MetricType?
    public var consistency: CreateStep.ConsistencyLevel
    public var outputFields: [String]
    public var filter: String?
    public var vectors: InsertStep.FieldGenerator?
    public var timeout: ScenarioDuration?

    public static let vectorSpec = ObjectSpec(
        name: "query_vectors", title: "query vectors",
        doc: "How query vectors are generated: a generator (`uniform` or `gaussian`) with an optional `seed` and `normalize`.",
        keys: InsertStep.generatorSpec.keys, constraints: InsertStep.generatorSpec.constraints)

    public static let keys: [KeySpec] = [
        KeySpec("topK", .integer(min: 1, max: 16384), .defaultValue("10"), "Results per query vector (Milvus allows 1–16384)."),
        KeySpec("nq", .integer(min: 1, max: 16384), .defaultValue("1"), "Query vectors per search request."),
        KeySpec("params", .parameters, .defaultValue("{}"), "Search parameters, e.g. `{nprobe: 10}` for IVF or `{ef: 64}` for HNSW."),
        KeySpec("field", .identifier, .runtimeDefault("the collection's only floatVector field"), "The vector field to search."),
        KeySpec("metric", .choice(IndexStep.MetricType.allCases.map(\.rawValue)), .runtimeDefault("the index's metric"), "Distance metric; must match the index."),
        KeySpec("consistency", .choice(CreateStep.ConsistencyLevel.allCases.map(\.rawValue)), .defaultValue("Bounded"), "Consistency level of each search."),
        KeySpec("outputFields", .list(.identifier, minCount: 0), .optional, "Fields returned with each hit."),
        KeySpec("filter", .text, .optional, "Boolean expression filtering the hits, e.g. `category == \"books\"`."),
        KeySpec("vectors", .object(vectorSpec), .runtimeDefault("`{uniform: [0, 1], seed: 7}`"), "How query vectors are generated."),
        KeySpec("timeout", .duration(allowZero: false), .runtimeDefault("the target's `timeout`"), "Deadline of each search request."),
    ]

    init(_ r: ObjectReader) {
        topK = r.int("topK") ?? 10
        nq = r.int("nq") ?? 1
        params = r.parameters("params") ?? []
        field = r.string("field")
        metric = r.choice("metric")
        consistency = r.choice("consistency") ?? .Bounded
        outputFields = r.strings("outputFields") ?? []
        filter = r.string("filter")
        vectors = r.object("vectors") { InsertStep.generator(field: "vectors", $0) } ?? nil
        timeout = r.duration("timeout")
        if case .some(let v) = vectors {
            switch v.generator {
            case .uniform, .gaussian: break
            default: r.decoder.error(v.mark, "query vectors need a float generator ('uniform' or 'gaussian')")
            }
        }
    }
}

/// `concurrentSearch`: closed- or open-loop search load with latency percentiles.
public struct ConcurrentSearchStep: StepSpec {
    public static let kind = "concurrentSearch"
    public static let summary = "Runs searches and records latency percentiles in HdrHistograms. **Closed loop** (default): `concurrency` workers, each sending its next query when the last returns. **Open loop** (`rate` set): queries are sent on a fixed schedule and latency is measured from each query's intended start, so a stalled server shows in the percentiles (no coordinated omission); `concurrency` then caps queries in flight, and queries that could not start on time are counted as late. Ends after `queries` or after `duration` (100 queries when neither is set)."
    public static let collectionUse = CollectionUse.required

    public static let keys: [KeySpec] = [
        KeySpec("queries", .integer(min: 1, max: nil), .runtimeDefault("100, when `duration` is not set"), "Number of measured queries."),
        KeySpec("duration", .duration(allowZero: false), .optional, "Run for this long instead of a query count."),
        KeySpec("concurrency", .integer(min: 1, max: 1024), .defaultValue("10"), "Closed loop: number of workers. Open loop: most queries in flight."),
        KeySpec("rate", .rate, .optional, "Open loop: target queries per second, e.g. `200/s`."),
        KeySpec("warmup", .countOrDuration, .defaultValue("0"), "Queries (`20`) or time (`5s`) run first and left out of the results."),
    ] + SearchSettings.keys

    public static let constraints: [KeyConstraint] = [.atMostOne(["queries", "duration"])]

    public static let metrics: [MetricSpec] = [
        MetricSpec("queries", .count, .neither, "Measured queries (warm-up excluded)."),
        MetricSpec("errors", .count, .lower, "Queries that failed."),
        MetricSpec("errorRate", .percent, .lower, "Failed queries as a percent of all measured queries."),
        MetricSpec("totalTime", .milliseconds, .lower, "Wall time of the measured queries (总耗时)."),
        MetricSpec("qps", .perSecond, .higher, "Completed queries per second (吞吐量)."),
        MetricSpec("avg", .milliseconds, .lower, "Mean latency (平均延迟)."),
        MetricSpec("min", .milliseconds, .lower, "Lowest latency."),
        MetricSpec("p50", .milliseconds, .lower, "Median latency."),
        MetricSpec("p90", .milliseconds, .lower, "90th percentile latency."),
        MetricSpec("p95", .milliseconds, .lower, "95th percentile latency."),
        MetricSpec("p99", .milliseconds, .lower, "99th percentile latency."),
        MetricSpec("p999", .milliseconds, .lower, "99.9th percentile latency."),
        MetricSpec("max", .milliseconds, .lower, "Highest latency."),
        MetricSpec("late", .count, .lower, "Open loop: queries that started after their scheduled time."),
        MetricSpec("dropped", .count, .lower, "Open loop: queries never sent because the in-flight cap stayed full until the run ended."),
    ]

    /// How the load is driven.
    public enum Loop: Sendable, Hashable {
        case closed(workers: Int)
        case open(rate: Rate, maxInFlight: Int)
    }

    public var end: CountOrDuration
    public var loop: Loop
    public var warmup: CountOrDuration
    public var search: SearchSettings

    public init(_ r: ObjectReader, _ context: StepDecodingContext) {
        let queries = r.int("queries")
        let duration = r.duration("duration")
        end = duration.map(CountOrDuration.duration) ?? .count(queries ?? 100)
        let concurrency = r.int("concurrency") ?? 10
        if let rate = r.rate("rate") {
            loop = .open(rate: rate, maxInFlight: concurrency)
        } else {
            loop = .closed(workers: concurrency)
        }
        warmup = r.countOrDuration("warmup") ?? .count(0)
        search = SearchSettings(r)
    }
}

/// `hotSearch`: a mix of repeated (hot) and fresh (cold) queries, measured separately.
public struct HotSearchStep: StepSpec {
    public static let kind = "hotSearch"
    public static let summary = "Picks `hotVectors` query vectors once; a `hotRatio` share of the queries reuses them, the rest are fresh. Hot and cold latency are recorded separately so the claim that hot queries are faster is measured, not assumed. Sequential by default, like the document."
    public static let collectionUse = CollectionUse.required

    public static let keys: [KeySpec] = [
        KeySpec("queries", .integer(min: 1, max: nil), .defaultValue("200"), "Number of measured queries."),
        KeySpec("hotVectors", .integer(min: 1, max: 100_000), .defaultValue("5"), "Size of the hot set."),
        KeySpec("hotRatio", .fraction, .defaultValue("0.8"), "Share of queries that reuse a hot vector (`0.8` or `80%`)."),
        KeySpec("concurrency", .integer(min: 1, max: 1024), .defaultValue("1"), "Workers sending queries."),
        KeySpec("seed", .integer(min: 0, max: nil), .defaultValue("11"), "Seed for choosing hot or cold for each query."),
    ] + SearchSettings.keys

    public static let metrics: [MetricSpec] = [
        MetricSpec("queries", .count, .neither, "Measured queries."),
        MetricSpec("errors", .count, .lower, "Queries that failed."),
        MetricSpec("errorRate", .percent, .lower, "Failed queries as a percent of all."),
        MetricSpec("totalTime", .milliseconds, .lower, "Wall time of all queries."),
        MetricSpec("qps", .perSecond, .higher, "Queries per second (热点查询 吞吐量)."),
        MetricSpec("avg", .milliseconds, .lower, "Mean latency of all queries (平均延迟)."),
        MetricSpec("p50", .milliseconds, .lower, "Median latency of all queries."),
        MetricSpec("p99", .milliseconds, .lower, "99th percentile latency of all queries."),
        MetricSpec("max", .milliseconds, .lower, "Highest latency."),
        MetricSpec("hot.queries", .count, .neither, "Queries that reused a hot vector."),
        MetricSpec("hot.avg", .milliseconds, .lower, "Mean latency of hot queries."),
        MetricSpec("hot.p50", .milliseconds, .lower, "Median latency of hot queries."),
        MetricSpec("hot.p99", .milliseconds, .lower, "99th percentile latency of hot queries."),
        MetricSpec("cold.queries", .count, .neither, "Queries with a fresh vector."),
        MetricSpec("cold.avg", .milliseconds, .lower, "Mean latency of cold queries."),
        MetricSpec("cold.p50", .milliseconds, .lower, "Median latency of cold queries."),
        MetricSpec("cold.p99", .milliseconds, .lower, "99th percentile latency of cold queries."),
        MetricSpec("hotSpeedup", .ratio, .higher, "cold.avg ÷ hot.avg: above 1 means hot queries were faster."),
    ]

    public var queries: Int
    public var hotVectors: Int
    public var hotRatio: Double
    public var concurrency: Int
    public var seed: Int
    public var search: SearchSettings

    public init(_ r: ObjectReader, _ context: StepDecodingContext) {
        queries = r.int("queries") ?? 200
        hotVectors = r.int("hotVectors") ?? 5
        hotRatio = r.double("hotRatio") ?? 0.8
        concurrency = r.int("concurrency") ?? 1
        seed = r.int("seed") ?? 11
        search = SearchSettings(r)
    }
}
