/// `hotSearch`: a mix of repeated (hot) and fresh (cold) queries, measured separately.
public struct HotSearchStep: SearchingStep {
    public static let kind = "hotSearch"
    public static let measuresSearchLatency = true
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
