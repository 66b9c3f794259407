/// `hotSearch`: a mix of repeated (hot) and fresh (cold) queries, measured separately.
public struct HotSearchStep: SearchingStep {
    public static let shardRole = ShardRole.load
    public static let kind = "hotSearch"
    public static let summary = "Picks `hotVectors` query vectors once; a `hotRatio` share of the queries reuses them, the rest are fresh. Hot and cold latency are recorded separately so the claim that hot queries are faster is measured, not assumed. Sequential by default, like the document."
    public static let collectionUse = CollectionUse.required

    public struct Keys: KeySet {
        public init() {}

        public let queries = Key.integer("queries", min: 1, max: nil, .defaultValue("200"), "Number of measured queries.")
        public let hotVectors = Key.integer("hotVectors", min: 1, max: 100_000, .defaultValue("5"), "Size of the hot set.")
        public let hotRatio = Key.fraction("hotRatio", .defaultValue("0.8"), "Share of queries that reuse a hot vector (`0.8` or `80%`).")
        public let concurrency = Key.integer("concurrency", min: 1, max: 1024, .defaultValue("1"), "Workers sending queries.")
        public let seed = Key.integer("seed", min: 0, max: nil, .defaultValue("11"), "Seed for choosing hot or cold for each query.")
        public let traffic = NodeTrafficSetting.Keys()
        public let recall = RecallSetting.key()
        public let search = SearchSettings.Keys()
    }

    public struct Metrics: SearchLatencyMetrics {
        public init() {}
        public let load = LoadMetrics()
        public let hotQueries = Metric<CountValue>("hot.queries", .neither, "Queries that reused a hot vector.")
        public let hotAvg = Metric<DurationValue>("hot.avg", .lower, "Mean latency of hot queries.")
        public let hotP50 = Metric<DurationValue>("hot.p50", .lower, "Median latency of hot queries.")
        public let hotP99 = Metric<DurationValue>("hot.p99", .lower, "99th percentile latency of hot queries.")
        public let coldQueries = Metric<CountValue>("cold.queries", .neither, "Queries with a fresh vector.")
        public let coldAvg = Metric<DurationValue>("cold.avg", .lower, "Mean latency of cold queries.")
        public let coldP50 = Metric<DurationValue>("cold.p50", .lower, "Median latency of cold queries.")
        public let coldP99 = Metric<DurationValue>("cold.p99", .lower, "99th percentile latency of cold queries.")
        public let hotSpeedup = Metric<RatioValue>("hotSpeedup", .higher, "cold.avg ÷ hot.avg: above 1 means hot queries were faster.")
        public let traffic = TrafficMetrics()
        public let quality = QualityMetrics()
    }

    public var queries: Int
    public var hotVectors: Int
    public var hotRatio: Double
    public var concurrency: Int
    public var seed: Int
    public var search: SearchSettings
    public var nodeTraffic: Bool
    public var nodeTrafficInterval: ScenarioDuration
    /// Score recall@topK on a sample of the queries; nil: not measured.
    public var recall: RecallSetting?

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        queries = r[\.queries] ?? 200
        hotVectors = r[\.hotVectors] ?? 5
        hotRatio = r[\.hotRatio] ?? 0.8
        concurrency = r[\.concurrency] ?? 1
        seed = r[\.seed] ?? 11
        search = SearchSettings(r.group(\.search))
        nodeTraffic = r[\.traffic.nodeTraffic] ?? true
        nodeTrafficInterval = r[\.traffic.nodeTrafficInterval] ?? .seconds(1)
        recall = r.object(\.recall) { RecallSetting($0) }
    }
}

extension HotSearchStep {
    public static let diagnosticCodes: [DiagnosticCode] = []

    public static let examples: [StepExample] = [
        .valid("80 % of 1,000 searches repeat one of 10 hot vectors", """
            - hotSearch: {queries: 1000, hotVectors: 10, hotRatio: 0.8, concurrency: 10}
            """),
    ]
}
