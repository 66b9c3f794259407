import Foundation

/// Which query node served how much of a search step's load, from the nodes' own counters
/// (`milvus_querynode_sq_req_count{query_type="search"}`, `milvus_querynode_search_nq` and
/// `process_cpu_seconds_total` on each node's `/metrics`), read before the measured queries, every `intervalMs` during them and
/// after. Nothing here is estimated by the client: a node whose counters could not be read is
/// left out and named in the step's notes.
public struct NodeTrafficDetails: Codable, Sendable, Equatable {
    public struct Node: Codable, Sendable, Equatable {
        public var nodeID: Int64
        /// The replica group the node serves for the collection (GetReplicas), when known.
        public var replicaID: Int64?
        /// The endpoint the counters came from.
        public var source: String
        /// Search requests the node executed on its own segments for a shard leader
        /// (`scope="FromLeader"`, status success): the node's share of the search work.
        public var requests: Int
        /// Searches the node received from the proxy as a shard leader (`scope="OnLeader"`):
        /// which replica group the proxy sent each search to.
        public var led: Int
        /// Search requests that failed on the node (either scope, status fail).
        public var failures: Int
        /// Query vectors in the searches the node led (`milvus_querynode_search_nq`, the
        /// histogram's sum; Milvus 2.3 observes it on the shard leader): `led` × nq. nil when
        /// the node does not expose the series.
        public var vectors: Int?
        /// `requests` as a percent of all nodes' requests.
        public var sharePercent: Double
        /// `requests` per second of the step.
        public var perSecond: Double
        /// Process CPU over the step (percent of one core), and its highest one-interval value.
        public var cpuPercent: Double?
        public var cpuPeakPercent: Double?

        public init(nodeID: Int64, replicaID: Int64?, source: String, requests: Int, led: Int, failures: Int, vectors: Int? = nil,
                    sharePercent: Double, perSecond: Double, cpuPercent: Double?, cpuPeakPercent: Double?) {
            self.nodeID = nodeID
            self.replicaID = replicaID
            self.source = source
            self.requests = requests
            self.led = led
            self.failures = failures
            self.vectors = vectors
            self.sharePercent = sharePercent
            self.perSecond = perSecond
            self.cpuPercent = cpuPercent
            self.cpuPeakPercent = cpuPeakPercent
        }
    }

    /// One replica group's part: the searches the proxy sent to it (led by its nodes).
    public struct Group: Codable, Sendable, Equatable {
        public var replicaID: Int64
        public var nodeIDs: [Int64]
        public var searches: Int
        public var sharePercent: Double

        public init(replicaID: Int64, nodeIDs: [Int64], searches: Int, sharePercent: Double) {
            self.replicaID = replicaID
            self.nodeIDs = nodeIDs
            self.searches = searches
            self.sharePercent = sharePercent
        }
    }

    /// One interval: each node's requests in it (in `nodes` order), and its CPU.
    public struct Interval: Codable, Sendable, Equatable {
        /// End of the interval, from the start of the measured queries.
        public var atMs: Double
        public var durationMs: Double
        public var requests: [Int]
        public var cpuPercent: [Double?]

        public init(atMs: Double, durationMs: Double, requests: [Int], cpuPercent: [Double?]) {
            self.atMs = atMs
            self.durationMs = durationMs
            self.requests = requests
            self.cpuPercent = cpuPercent
        }
    }

    public var nodes: [Node]
    public var groups: [Group]
    public var intervals: [Interval]
    /// Search latency as the proxy measured it (`milvus_proxy_sq_latency`), over the step.
    public var proxyLatency: ServerLatencyDetails?
    /// As the shard leaders measured it (`milvus_querynode_sq_req_latency`, `scope="OnLeader"`).
    public var leaderLatency: ServerLatencyDetails?
    /// The sampling interval asked for, and the measured span the counters cover.
    public var intervalMs: Double
    public var durationMs: Double

    public init(nodes: [Node], groups: [Group], intervals: [Interval], proxyLatency: ServerLatencyDetails? = nil,
                leaderLatency: ServerLatencyDetails? = nil, intervalMs: Double, durationMs: Double) {
        self.nodes = nodes
        self.groups = groups
        self.intervals = intervals
        self.proxyLatency = proxyLatency
        self.leaderLatency = leaderLatency
        self.intervalMs = intervalMs
        self.durationMs = durationMs
    }
}

/// Search latency from a server-side Prometheus histogram, differenced over a step. Milvus'
/// buckets double (1, 2, 4 … ms), so the percentiles are interpolated within a bucket and exact
/// only to its width; the mean is exact (the histogram's sum ÷ count).
public struct ServerLatencyDetails: Codable, Sendable, Equatable {
    /// The histogram it came from.
    public var source: String
    /// Searches the histogram counted over the step.
    public var searches: Int
    public var meanMs: Double
    public var p50Ms: Double?
    public var p99Ms: Double?
    /// The finite bucket bounds, so a reader knows how coarse the percentiles are.
    public var bucketBoundsMs: [Double]

    public init(source: String, searches: Int, meanMs: Double, p50Ms: Double?, p99Ms: Double?, bucketBoundsMs: [Double]) {
        self.source = source
        self.searches = searches
        self.meanMs = meanMs
        self.p50Ms = p50Ms
        self.p99Ms = p99Ms
        self.bucketBoundsMs = bucketBoundsMs
    }
}

// MARK: - Notes

extension StepNote.Code {
    /// A search step's per-node traffic is unknown: no endpoint served query-node request
    /// counters. Values: endpoints (comma-separated, or "none").
    public static let trafficUnknown = StepNote.Code("trafficUnknown",
        en: "per-node search traffic unknown: no query-node request counters at {endpoints}",
        zh: "各节点查询流量未知：{endpoints} 没有查询节点的请求计数")

    /// A search step on 2 or more replica groups where a group led none of the searches (the
    /// nodes' own counters). Values: nodes, searches, groups.
    public static let replicaGroupIdle = StepNote.Code("replicaGroupIdle",
        en: "the replica group of node(s) {nodes} led none of the {searches} searches: the proxy sent every one to the other group(s) of {groups}. A Milvus 2.3 proxy routes by a shard-leader list it caches for proxy.shardLeaderCacheInterval (30 s by default); a list fetched while a group was still coming up leaves that group out until it expires. To measure how replicas share traffic, warm up for longer than that after a load",
        zh: "节点 {nodes} 所在的副本组未主导 {searches} 次查询中的任何一次：代理把全部查询发给了 {groups} 个副本组中的其他组。Milvus 2.3 的代理按缓存的分片主节点列表路由，缓存时长为 proxy.shardLeaderCacheInterval（默认 30 秒）；若列表是在某副本组尚未就绪时获取的，该组在缓存过期前不会收到查询。要测量副本之间如何分担流量，请在加载后预热超过该时长")
}
