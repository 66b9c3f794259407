/// `monitor`: per-query-node memory, CPU, segments and rows, with a balance verdict.
public struct MonitorStep: StepSpec {
    public static let shardRole = ShardRole.observe
    public static let kind = "monitor"
    public static let summary = "Samples every query node once: process memory (RSS from each component's `/metrics`), CPU, segment count and row count (GetQuerySegmentInfo and the `milvus_querynode_segment_num` / `milvus_querynode_entity_num` series, summed over all series of a node), and judges balance as max ÷ mean of segments and rows among the nodes of each replica group (GetReplicas) and across all nodes (节点负载分布). Works on a standalone server (one node) and on clusters."
    public static let collectionUse = CollectionUse.optional

    public struct Keys: KeySet {
        public init() {}

        public let endpoints = Key.oneOrMore("endpoints", of: .url, .runtimeDefault("the target's `metrics`"), "Metrics base URLs (`/metrics`, `/healthz`), one per Milvus process.")
        public let segments = Key.boolean("segments", .defaultValue("true"), "Count the collection's segments and rows per node with GetQuerySegmentInfo.")
    }

    public struct Metrics: StepMetrics {
        public init() {}
        public let nodes = Metric<CountValue>("nodes", .neither, "Query nodes seen.")
        public let memoryMBMax = Metric<MebibytesValue>("memoryMB.max", .lower, "Highest process memory (RSS) of a query node, in MiB.")
        public let memoryMBTotal = Metric<MebibytesValue>("memoryMB.total", .lower, "Process memory of all query nodes, in MiB.")
        public let memoryPercentMax = Metric<PercentValue>("memoryPercent.max", .lower, "Highest query-node memory as a percent of the machine's memory.")
        public let cpuPercentMax = Metric<PercentValue>("cpuPercent.max", .lower, "Highest query-node CPU use (percent of one core).")
        public let segmentsTotal = Metric<CountValue>("segments.total", .neither, "Sealed segments of the collection over all nodes (a segment counts once per replica).")
        public let segmentsMax = Metric<CountValue>("segments.max", .neither, "Most segments on one node.")
        public let rowsTotal = Metric<CountValue>("rows.total", .neither, "Rows of the collection over all nodes.")
        public let segmentImbalance = Metric<RatioValue>("segmentImbalance", .lower, "Most segments on a node ÷ mean segments per node (1 = perfectly even).")
        public let rowImbalance = Metric<RatioValue>("rowImbalance", .lower, "Most rows on a node ÷ mean rows per node (1 = perfectly even).")
        public let replicas = Metric<CountValue>("replicas", .neither, "Replica groups the collection is loaded with (GetReplicas).")
        public let replicaSegmentImbalance = Metric<RatioValue>("replicaSegmentImbalance", .lower, "Segment imbalance within each replica group, worst group. Milvus balances segments among the nodes of one replica, so this is the balance it promises; across all nodes, 2 replicas on 3 nodes always leave one node with twice the data.")
        public let replicaRowImbalance = Metric<RatioValue>("replicaRowImbalance", .lower, "Row imbalance within each replica group, worst group.")
        public let totalTime = Metric<DurationValue>.totalTime("sampling every node")
    }

    public var endpoints: [String]?
    public var segments: Bool

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        endpoints = r[\.endpoints]
        segments = r[\.segments] ?? true
    }
}

extension MonitorStep {
    public static let diagnosticCodes: [DiagnosticCode] = []

    public static let examples: [StepExample] = [
        .valid("Memory, segments and rows of every query node", """
            - monitor: {id: initial}
            """),
    ]
}
