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

    /// One interval between two readings: each node's requests, searches led and CPU in it (in
    /// `nodes` order). `nil` for a node whose endpoint did not answer the reading that ends the
    /// interval (a gap). After a gap, the node's change since its last good reading is put in
    /// the first interval it answers again, and `sinceMs` says where that change began: the
    /// reading before the gap. So every node's values add up to its total, and a reader can
    /// spread the change over the span it covers instead of over the one interval.
    public struct Interval: Codable, Sendable, Equatable {
        /// End of the interval, from the start of the measured queries.
        public var atMs: Double
        public var durationMs: Double
        public var requests: [Int?]
        /// Searches each node received as shard leader (`scope="OnLeader"`): which replica group
        /// the proxy picked, interval by interval. nil in records written before it was kept.
        public var led: [Int?]?
        public var cpuPercent: [Double?]
        /// Per node: when the node's value covers more than this interval (it spans a gap), the
        /// time its span began; nil where it covers just this interval. Omitted when no node's does.
        public var sinceMs: [Double?]?

        public init(atMs: Double, durationMs: Double, requests: [Int?], led: [Int?]? = nil, cpuPercent: [Double?], sinceMs: [Double?]? = nil) {
            self.atMs = atMs
            self.durationMs = durationMs
            self.requests = requests
            self.led = led
            self.cpuPercent = cpuPercent
            self.sinceMs = sinceMs
        }

        /// When node `i`'s value in this interval began: its span's start after a gap, else the
        /// interval's start.
        public func startMs(of i: Int) -> Double {
            sinceMs.flatMap { i < $0.count ? $0[i] : nil } ?? (atMs - durationMs)
        }
    }

    /// A span in which a node's metrics endpoint did not answer the readings.
    public struct Gap: Codable, Sendable, Equatable {
        public var nodeID: Int64
        public var endpoint: String
        /// When the first reading it did not answer was sent, and when it answered one again (a
        /// frozen endpoint may answer a reading sent before it thawed), or the last reading when
        /// `open`; from the start of the measured queries.
        public var fromMs: Double
        public var toMs: Double
        /// Its last answered reading before the gap: the change after the gap began there.
        public var lastReadMs: Double?
        /// Why the reading failed (the first failure's reason).
        public var reason: String?
        /// The endpoint never answered again before the step ended: the node's totals stop at
        /// its last answered reading and miss what it did after.
        public var open: Bool

        public init(nodeID: Int64, endpoint: String, fromMs: Double, toMs: Double, lastReadMs: Double?, reason: String?, open: Bool) {
            self.nodeID = nodeID
            self.endpoint = endpoint
            self.fromMs = fromMs
            self.toMs = toMs
            self.lastReadMs = lastReadMs
            self.reason = reason
            self.open = open
        }
    }

    public var nodes: [Node]
    public var groups: [Group]
    public var intervals: [Interval]
    /// The spans in which a node's endpoint did not answer; nil when every reading was answered.
    public var gaps: [Gap]?
    /// Search latency as the proxy measured it (`milvus_proxy_sq_latency`), over the step.
    public var proxyLatency: ServerLatencyDetails?
    /// As the shard leaders measured it (`milvus_querynode_sq_req_latency`, `scope="OnLeader"`).
    public var leaderLatency: ServerLatencyDetails?
    /// The sampling interval asked for, and the measured span the counters cover.
    public var intervalMs: Double
    public var durationMs: Double

    public init(nodes: [Node], groups: [Group], intervals: [Interval], gaps: [Gap] = [], proxyLatency: ServerLatencyDetails? = nil,
                leaderLatency: ServerLatencyDetails? = nil, intervalMs: Double, durationMs: Double) {
        self.nodes = nodes
        self.groups = groups
        self.intervals = intervals
        self.gaps = gaps.isEmpty ? nil : gaps
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

extension NodeTrafficDetails {
    /// One note per gap: which node's metrics did not answer, for how long, and what that means
    /// for the step's numbers.
    public var gapNotes: [StepNote] {
        (gaps ?? []).map { g in
            var values = ["node": String(g.nodeID), "endpoint": g.endpoint,
                          "seconds": String(format: "%.1f", (g.toMs - g.fromMs) / 1000),
                          "from": String(format: "%.1f", g.fromMs / 1000), "to": String(format: "%.1f", g.toMs / 1000)]
            values["reason"] = g.reason.map { " (\($0))" } ?? ""
            if g.open {
                values["last"] = String(format: "%.1f", (g.lastReadMs ?? 0) / 1000)
                values["seconds"] = nil
            }
            return StepNote(g.open ? .metricsGapOpen : .metricsGap, values)
        }
    }

    /// Whether some node's totals miss part of the step (its endpoint stopped answering and did
    /// not answer again): verdicts on shares and balance then rest on incomplete data.
    public var isIncomplete: Bool { (gaps ?? []).contains { $0.open } }
}

extension StepNote.Code {
    /// A node's metrics endpoint did not answer some of a step's readings, then answered again.
    /// Values: node, endpoint, seconds, from, to, reason (" (why)" or empty).
    public static let metricsGap = StepNote.Code("metricsGap",
        en: "the metrics of node {node} ({endpoint}) did not answer for {seconds} s, from {from} s to {to} s of the measured queries{reason}: its counters are cumulative, so its totals are complete, and what it did in that span is counted in the first interval after it (marked as spanning the gap); when within the span it happened is unknown",
        zh: "节点 {node}（{endpoint}）的指标在测量查询的第 {from} 秒到第 {to} 秒之间 {seconds} 秒没有应答{reason}：其计数器是累计的，总数完整；这段时间内的量计入之后的第一个区间（标为跨越空缺），具体发生在何时未知")

    /// A node's metrics endpoint stopped answering and had not answered again when the step
    /// ended. Values: node, endpoint, from, to, last, reason.
    public static let metricsGapOpen = StepNote.Code("metricsGapOpen",
        en: "the metrics of node {node} ({endpoint}) did not answer from {from} s of the measured queries to their end at {to} s{reason}: its totals stop at its last reading ({last} s) and miss what it did after, so the step's node shares and balance rest on incomplete data",
        zh: "节点 {node}（{endpoint}）的指标从测量查询的第 {from} 秒起直到结束（第 {to} 秒）都没有应答{reason}：其总数止于最后一次读数（第 {last} 秒），之后的量缺失，因此本步骤的节点占比与均衡度基于不完整的数据")

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
