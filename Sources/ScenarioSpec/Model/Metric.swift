/// The unit a metric is recorded in; thresholds must be written in a compatible unit.
public enum MetricUnit: String, Sendable, Codable, CaseIterable {
    /// Durations, recorded in milliseconds; thresholds write `100ms` or `1.5s`.
    case milliseconds = "ms"
    /// 0–100; thresholds write `80%`.
    case percent = "%"
    case count
    case perSecond = "/s"
    /// A plain ratio such as a speed-up; thresholds may write `1.5` or `1.5x`.
    case ratio = "x"
    /// 1 for yes, 0 for no; thresholds may write `1`, `0`, `true` or `false`.
    case boolean = "bool"
    /// 0–1, such as recall; thresholds write `0.95` or `95%`.
    case fraction

    public var summary: String {
        switch self {
        case .milliseconds: return "duration"
        case .percent: return "percent"
        case .count: return "count"
        case .perSecond: return "per second"
        case .ratio: return "ratio"
        case .boolean: return "0/1"
        case .fraction: return "fraction (0–1)"
        }
    }
}

/// A value a step records; thresholds and `compare` address it as `<stepId>.<name>`.
public struct MetricSpec: Sendable, Hashable {
    /// Which direction is an improvement (used by `compare`).
    public enum Better: String, Sendable, Codable {
        case lower, higher, neither
    }

    public var name: String
    public var unit: MetricUnit
    public var better: Better
    public var doc: String

    public init(_ name: String, _ unit: MetricUnit, _ better: Better, _ doc: String) {
        self.name = name
        self.unit = unit
        self.better = better
        self.doc = doc
    }
}

// MARK: - Typed metrics

/// What a metric's values are, as a Swift type: runners write a `Duration` to a duration metric,
/// an `Int` to a count, a `Bool` to a yes/no, so a value carries its unit to the record (a
/// duration cannot be written in seconds where milliseconds are recorded).
public protocol MetricQuantity: Sendable {
    associatedtype Value: Sendable
    static var unit: MetricUnit { get }
    /// The number the run record keeps, in `unit`.
    static func recorded(_ value: Value) -> Double
    static func value(_ recorded: Double) -> Value
}

/// A duration, recorded in milliseconds.
public enum DurationValue: MetricQuantity {
    public static let unit = MetricUnit.milliseconds
    public static func recorded(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
    public static func value(_ ms: Double) -> Duration { .nanoseconds(Int64((ms * 1_000_000).rounded())) }
}

/// How many of something.
public enum CountValue: MetricQuantity {
    public static let unit = MetricUnit.count
    public static func recorded(_ n: Int) -> Double { Double(n) }
    public static func value(_ n: Double) -> Int { Int(n) }
}

/// An amount of memory in MiB (written with thresholds as a plain number, like a count).
public enum MebibytesValue: MetricQuantity {
    public static let unit = MetricUnit.count
    public static func recorded(_ mib: Double) -> Double { mib }
    public static func value(_ mib: Double) -> Double { mib }
}

/// A percentage, 0–100.
public enum PercentValue: MetricQuantity {
    public static let unit = MetricUnit.percent
    public static func recorded(_ p: Double) -> Double { p }
    public static func value(_ p: Double) -> Double { p }
}

/// Events per second.
public enum RateValue: MetricQuantity {
    public static let unit = MetricUnit.perSecond
    public static func recorded(_ r: Double) -> Double { r }
    public static func value(_ r: Double) -> Double { r }
}

/// A plain ratio such as a speed-up or max ÷ mean.
public enum RatioValue: MetricQuantity {
    public static let unit = MetricUnit.ratio
    public static func recorded(_ r: Double) -> Double { r }
    public static func value(_ r: Double) -> Double { r }
}

/// A share from 0 to 1, such as recall.
public enum FractionValue: MetricQuantity {
    public static let unit = MetricUnit.fraction
    public static func recorded(_ f: Double) -> Double { f }
    public static func value(_ f: Double) -> Double { f }
}

/// Yes or no, recorded as 1 or 0.
public enum FlagValue: MetricQuantity {
    public static let unit = MetricUnit.boolean
    public static func recorded(_ b: Bool) -> Double { b ? 1 : 0 }
    public static func value(_ d: Double) -> Bool { d != 0 }
}

/// One metric a step kind declares, with the Swift type of its values. A kind's metrics are the
/// stored properties of its `Metrics` type, so a runner names them by key path
/// (`record[\.rows] = inserted`) and the compiler rejects a name its kind did not declare or a
/// value of the wrong kind.
public struct Metric<Quantity: MetricQuantity>: Sendable {
    public let spec: MetricSpec
    public var name: String { spec.name }

    public init(_ name: String, _ better: MetricSpec.Better, _ doc: String) {
        spec = MetricSpec(name, Quantity.unit, better, doc)
    }
}

extension Metric where Quantity == DurationValue {
    /// Wall time of the step: every kind records it.
    public static func totalTime(_ what: String) -> Self { Self("totalTime", .lower, "Wall time of \(what).") }
}

/// A kind's metrics: a type whose stored `Metric` properties, in declaration order, are every
/// metric the kind records (the reference lists them in that order; thresholds may name only
/// them).
public protocol StepMetrics: Sendable {
    init()
    /// Every kind records its wall time.
    var totalTime: Metric<DurationValue> { get }
}

/// Lets `StepMetrics.all` find the `Metric` properties whatever their quantity.
protocol AnyMetric { var spec: MetricSpec { get } }
extension Metric: AnyMetric {}

/// Metrics several kinds record alike, declared once and embedded by each kind as a stored
/// property (`public let load = LoadMetrics()`); their metrics keep their own names.
public protocol MetricGroup: Sendable {}

extension StepMetrics {
    /// The declared metrics, in declaration order (a group's where the group is declared).
    public static var all: [MetricSpec] { specs(of: Self()) }

    private static func specs(of value: Any) -> [MetricSpec] {
        Mirror(reflecting: value).children.flatMap { child -> [MetricSpec] in
            if let metric = child.value as? any AnyMetric { return [metric.spec] }
            if child.value is any MetricGroup { return specs(of: child.value) }
            return []
        }
    }
}

/// The metrics of a request load (searches, hybrid searches or scalar queries: the document's
/// 查询性能统计), written by the one load lifecycle for every such kind.
public struct LoadMetrics: MetricGroup {
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
    public let late = Metric<CountValue>("late", .lower, "Open loop (`rate`, `stages`): queries that started after their scheduled time.")
    public let dropped = Metric<CountValue>("dropped", .lower, "Open loop (`rate`, `stages`): queries never sent because the in-flight cap stayed full until the run ended.")
}

/// A kind that runs a request load: its metrics embed `LoadMetrics`.
public protocol LoadLatencyMetrics: StepMetrics {
    var load: LoadMetrics { get }
}

extension LoadLatencyMetrics {
    /// The load's wall time is the step's.
    public var totalTime: Metric<DurationValue> { load.totalTime }
}

/// A request load listed in the query-performance table with its full percentile spread
/// (`concurrentSearch`, `hybridSearch`, `query`; a hot search has its own table).
public protocol LatencyPercentiles: LoadLatencyMetrics {}

/// The latency metrics of a search-load kind, with the query nodes' traffic and recall beside
/// them (a sweep row's comparison and `compare` read these).
public protocol SearchLatencyMetrics: LoadLatencyMetrics, NodeTrafficMetrics, RecallMetrics {}

/// Per-query-node traffic during a search step (from the nodes' request counters).
public struct TrafficMetrics: MetricGroup {
    public init() {}
    public let servingNodes = Metric<CountValue>("servingNodes", .neither, "Query nodes that executed searches during the measured queries (from their request counters).")
    public let nodeShareImbalance = Metric<RatioValue>("nodeShareImbalance", .lower, "Most search requests on one node ÷ mean over the nodes holding the collection (1 = evenly spread), from the nodes' counters.")
    public let replicaShareImbalance = Metric<RatioValue>("replicaShareImbalance", .lower, "Most searches sent to one replica group ÷ mean over the groups (1 = evenly spread); with one group, 1.")
    public let nodeCpuPercentMax = Metric<PercentValue>("nodeCpuPercent.max", .neither, "Highest query-node process CPU averaged over the measured queries (percent of one core). Informational in `compare`: it follows the load.")
    public let serverP50 = Metric<DurationValue>("serverP50", .lower, "Median search latency as the proxy measured it (`milvus_proxy_sq_latency`, differenced over the measured queries; interpolated within the histogram's power-of-two buckets).")
    public let serverP99 = Metric<DurationValue>("serverP99", .lower, "99th percentile search latency as the proxy measured it (interpolated within its bucket, like `serverP50`).")
    public let clientOverheadP50 = Metric<DurationValue>("clientOverheadP50", .lower, "Client P50 − server P50: the median time spent outside the server (network, gRPC, client), to the server percentile's bucket precision.")
}

/// A kind that reads the query nodes' traffic during its load: its metrics embed `TrafficMetrics`.
public protocol NodeTrafficMetrics: StepMetrics {
    var traffic: TrafficMetrics { get }
}

/// Search quality, recorded by every search-load kind whose step sets `recall`.
public struct QualityMetrics: MetricGroup {
    public init() {}
    public let recall = Metric<FractionValue>("recall", .higher, "Mean recall@topK over the `recall` sample (0–1): the share of each query's exact topK nearest rows the search found, against ground truth the tool computes by brute force. Recorded only when `recall` is set.")
    public let recallMin = Metric<FractionValue>("recall.min", .higher, "Lowest recall of one query in the `recall` sample.")
    public let recallP5 = Metric<FractionValue>("recall.p5", .higher, "5th percentile of per-query recall: 95 % of the sampled queries did at least this well.")
    public let checkpointMin = Metric<FractionValue>("recall.checkpointMin", .higher, "(`recall.every`) The lowest mean recall of the checkpoints scored while the queries ran.")
    public let checkpoints = Metric<CountValue>("recall.checkpoints", .neither, "(`recall.every`) Checkpoints scored while the queries ran.")
    public let wrongHits = Metric<CountValue>("wrongHits", .lower, "Hits of the `recall` sample whose score is not the metric on the row's vector and the query (beyond float32's tolerance), or whose other output fields are not the row's values.")
    public let resurrectedRows = Metric<CountValue>("resurrectedRows", .lower, "Hits of the `recall` sample that are not what the collection holds: a deleted row, or an upserted row's old vector — wrong answers, counted apart from recall (a change less than the consistency level's staleness bound before the search is not counted); with `every`, the checkpoints' too.")
}

/// A kind that scores recall: its metrics embed `QualityMetrics`.
public protocol RecallMetrics: StepMetrics {
    var quality: QualityMetrics { get }
}

/// The `nodeTraffic` setting of the search-load kinds.
public enum NodeTrafficSetting {
    /// `nodeTraffic` and `nodeTrafficInterval`.
    public struct Keys: KeySet {
        public init() {}
        public let nodeTraffic = Key.boolean("nodeTraffic", .defaultValue("true"),
                                             "Read every query node's search counters (`milvus_querynode_sq_req_count`), CPU and the proxy's search latency on `target.metrics` before, during (every `nodeTrafficInterval`) and after the measured queries, and record which node served how much (节点查询分布) and the server's P50/P99. Off: no reads at all.")
        public let nodeTrafficInterval = Key.duration("nodeTrafficInterval", allowZero: true, .defaultValue("1s"),
                                                      "How often the counters are read while the queries run (for the per-second chart and CPU peaks). Each reading costs the client about 60 ms of CPU per second of load with 4 endpoints (measured, release build) and each Milvus process the rendering of its `/metrics`; `0s` reads only before and after.")
    }
}

extension Dictionary where Key == String, Value == Double {
    /// A recorded metric's value, typed by its declaration: `step.metrics[InsertStep.metric(\.rows)]`.
    public subscript<Q>(metric: Metric<Q>) -> Q.Value? { self[metric.name].map(Q.value) }
}
