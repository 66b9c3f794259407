/// `concurrentSearch`: closed- or open-loop search load with latency percentiles.
public struct ConcurrentSearchStep: SearchingStep, ParallelLoad {
    public static let shardRole = ShardRole.load
    public static let kind = "concurrentSearch"
    public static let summary = "Runs searches and records latency percentiles in HdrHistograms. **Closed loop** (default): `concurrency` workers, each sending its next query when the last returns. **Open loop** (`rate` set): queries are sent on a fixed schedule and latency is measured from each query's intended start, so a stalled server shows in the percentiles (no coordinated omission); `concurrency` then caps queries in flight, and queries that could not start on time are counted as late. Ends after `queries` or after `duration` (100 queries when neither is set)."
    public static let collectionUse = CollectionUse.required

    public struct Keys: KeySet {
        public init() {}
        public let load = LoadSettings.Keys("queries")
        public let traffic = NodeTrafficSetting.Keys()
        public let recall = RecallSetting.key()
        public let search = SearchSettings.Keys()
    }

    public static let constraints = LoadSettings.constraints

    public struct Metrics: SearchLatencyMetrics, LatencyPercentiles {
        public init() {}
        public let load = LoadMetrics()
        public let traffic = TrafficMetrics()
        public let quality = QualityMetrics()
        public let pages = Metric<CountValue>("pages", .neither, "(`iterator`) Page requests sent by all completed queries.")
        public let pagesPerSecond = Metric<RateValue>("pagesPerSecond", .higher, "(`iterator`) Pages read per second over the measured phase.")
        public let rowsPerQuery = Metric<RatioValue>("rowsPerQuery", .neither, "(`iterator`) Mean rows a query read over all its pages.")
    }

    public typealias Loop = LoadSettings.Loop

    /// How the searches are driven and for how long.
    public var load: LoadSettings
    public var end: CountOrDuration { load.end }
    public var hasOwnEnd: Bool { load.endWritten }
    public mutating func runInParallel(for duration: ScenarioDuration) {
        if !load.endWritten { load.end = .duration(duration) }
        nodeTraffic = false
    }
    public var loop: Loop { load.loop }
    public var warmup: CountOrDuration { load.warmup }
    public var search: SearchSettings
    public var nodeTraffic: Bool
    public var nodeTrafficInterval: ScenarioDuration
    /// Score recall@topK on a sample of the queries; nil: not measured.
    public var recall: RecallSetting?

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        load = LoadSettings(r.group(\.load))
        search = SearchSettings(r.group(\.search))
        nodeTraffic = r[\.traffic.nodeTraffic] ?? true
        nodeTrafficInterval = r[\.traffic.nodeTrafficInterval] ?? .seconds(1)
        recall = r.object(\.recall) { RecallSetting($0) }
    }
}

extension ConcurrentSearchStep {
    public static let diagnosticCodes: [DiagnosticCode] = []

    public static let examples: [StepExample] = [
        .valid("1,000 searches from 10 workers after 50 to warm up", """
            - concurrentSearch: {id: baseline, queries: 1000, warmup: 50, concurrency: 10, topK: 10, params: {ef: 64}}
            """),
        .valid("An open loop: 200 searches a second for 30 s, recall scored on 100 of them", """
            - concurrentSearch: {rate: 200/s, duration: 30s, concurrency: 64, params: {ef: 64}, recall: {queries: 100}}
            """),
        .valid("Filtered searches returning a field", """
            - concurrentSearch: {queries: 500, filter: "category == 'books'", outputFields: [category]}
            """),
        .invalid("A metric the index was not built with", """
            - concurrentSearch: {queries: 100, metric: IP}
            """, .metricMismatch),
    ]
}
