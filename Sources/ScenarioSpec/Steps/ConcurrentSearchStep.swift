/// `concurrentSearch`: closed- or open-loop search load with latency percentiles.
public struct ConcurrentSearchStep: SearchingStep, ParallelLoad {
    public static let kind = "concurrentSearch"
    public static let summary = "Runs searches and records latency percentiles in HdrHistograms. **Closed loop** (default): `concurrency` workers, each sending its next query when the last returns. **Open loop** (`rate` set): queries are sent on a fixed schedule and latency is measured from each query's intended start, so a stalled server shows in the percentiles (no coordinated omission); `concurrency` then caps queries in flight, and queries that could not start on time are counted as late. Ends after `queries` or after `duration` (100 queries when neither is set)."
    public static let collectionUse = CollectionUse.required

    public static let keys: [KeySpec] = LoadSettings.keys("queries") + [
        NodeTrafficSetting.key,
        NodeTrafficSetting.intervalKey,
        RecallSetting.key,
    ] + SearchSettings.keys

    public static let constraints = LoadSettings.constraints

    public struct Metrics: SearchLatencyMetrics, LatencyMetrics {
        public init() {}
        public let queries = Metric<CountValue>("queries", .neither, "Measured queries (warm-up excluded).")
        public let errors = Metric<CountValue>("errors", .lower, "Queries that failed.")
        public let errorRate = Metric<PercentValue>("errorRate", .lower, "Failed queries as a percent of all measured queries.")
        public let totalTime = Metric<DurationValue>("totalTime", .lower, "Wall time of the measured queries (总耗时).")
        public let qps = Metric<RateValue>("qps", .higher, "Completed queries per second (吞吐量).")
        public let avg = Metric<DurationValue>("avg", .lower, "Mean latency (平均延迟).")
        public let min = Metric<DurationValue>("min", .lower, "Lowest latency.")
        public let p50 = Metric<DurationValue>("p50", .lower, "Median latency.")
        public let p90 = Metric<DurationValue>("p90", .lower, "90th percentile latency.")
        public let p95 = Metric<DurationValue>("p95", .lower, "95th percentile latency.")
        public let p99 = Metric<DurationValue>("p99", .lower, "99th percentile latency.")
        public let p999 = Metric<DurationValue>("p999", .lower, "99.9th percentile latency.")
        public let max = Metric<DurationValue>("max", .lower, "Highest latency.")
        public let late = Metric<CountValue>("late", .lower, "Open loop: queries that started after their scheduled time.")
        public let dropped = Metric<CountValue>("dropped", .lower, "Open loop: queries never sent because the in-flight cap stayed full until the run ended.")
        public let servingNodes = TrafficMetrics.servingNodes
        public let nodeShareImbalance = TrafficMetrics.nodeShareImbalance
        public let replicaShareImbalance = TrafficMetrics.replicaShareImbalance
        public let nodeCpuPercentMax = TrafficMetrics.nodeCpuPercentMax
        public let serverP50 = TrafficMetrics.serverP50
        public let serverP99 = TrafficMetrics.serverP99
        public let clientOverheadP50 = TrafficMetrics.clientOverheadP50
        public let recall = QualityMetrics.recall
        public let recallMin = QualityMetrics.recallMin
        public let recallP5 = QualityMetrics.recallP5
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

    public init(_ r: ObjectReader, _ context: StepDecodingContext) {
        load = LoadSettings(r)
        search = SearchSettings(r)
        nodeTraffic = r.bool("nodeTraffic") ?? true
        nodeTrafficInterval = r.duration("nodeTrafficInterval") ?? .seconds(1)
        recall = r.object("recall") { RecallSetting($0) }
    }
}
