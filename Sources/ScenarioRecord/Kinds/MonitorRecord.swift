import ScenarioSpec

/// A `monitor`: per-node memory, segments and rows.
public struct MonitorStepDetails: StepDetails {
    public var monitor: MonitorDetails?

    public init() {}
}

extension MonitorStep: RecordedStep {
    public typealias Details = MonitorStepDetails
    public static var noteCodes: [StepNote.Code] { [.segmentInfoUnsupported] }
}

/// Per-node load from a `monitor` step (节点负载分布).
public struct MonitorDetails: Codable, Sendable {
    public struct Node: Codable, Sendable {
        public var nodeID: Int64
        public var name: String
        public var memoryMB: Double?
        public var memoryPercent: Double?
        public var cpuPercent: Double?
        public var segments: Int
        public var rows: Int
        /// The replica group this node serves for the collection (GetReplicas), when loaded.
        public var replicaID: Int64?
        /// Where memory and CPU came from (`/metrics process_resident_memory_bytes`, or GetMetrics).
        public var source: String

        public init(nodeID: Int64, name: String, memoryMB: Double? = nil, memoryPercent: Double? = nil, cpuPercent: Double? = nil, segments: Int, rows: Int, replicaID: Int64? = nil, source: String) {
            self.nodeID = nodeID
            self.name = name
            self.memoryMB = memoryMB
            self.memoryPercent = memoryPercent
            self.cpuPercent = cpuPercent
            self.segments = segments
            self.rows = rows
            self.replicaID = replicaID
            self.source = source
        }
    }

    public var nodes: [Node]
    /// max ÷ mean of segments and rows per node; 1 is perfectly even.
    public var segmentImbalance: Double
    public var rowImbalance: Double
    /// The same ratios within each replica group (Milvus balances segments among the nodes of
    /// one replica), worst group; nil when the collection's replicas are unknown.
    public var replicaSegmentImbalance: Double?
    public var replicaRowImbalance: Double?
    /// Within every replica group when replicas are known, else across all nodes.
    public var balanced: Bool

    public init(nodes: [Node], segmentImbalance: Double, rowImbalance: Double, replicaSegmentImbalance: Double? = nil, replicaRowImbalance: Double? = nil, balanced: Bool) {
        self.nodes = nodes
        self.segmentImbalance = segmentImbalance
        self.rowImbalance = rowImbalance
        self.replicaSegmentImbalance = replicaSegmentImbalance
        self.replicaRowImbalance = replicaRowImbalance
        self.balanced = balanced
    }
}

// MARK: - Notes

extension StepNote.Code {
    /// The server lacks GetQuerySegmentInfo; segments per node come from `/metrics`.
    public static let segmentInfoUnsupported = StepNote.Code("segmentInfoUnsupported",
        en: "GetQuerySegmentInfo is not supported by this server; segments come from /metrics",
        zh: "该服务器不支持 GetQuerySegmentInfo；各节点的 Segment 数取自 /metrics")
}
