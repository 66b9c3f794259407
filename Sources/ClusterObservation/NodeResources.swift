import Foundation

/// Query-node process memory and CPU (and segments and rows) from the metrics endpoints; CPU is
/// the change of `process_cpu_seconds_total` since the previous sample of the same endpoint.
/// `monitor` samples twice a second apart; `watch` samples at every check.
public struct NodeResourceSampler: Sendable {
    public struct Usage: Sendable {
        public var nodeID: Int64
        /// The endpoint the numbers came from.
        public var source: String
        public var memoryMB: Double?
        public var memoryPercent: Double?
        public var cpuPercent: Double?
        /// `milvus_querynode_segment_num` / `milvus_querynode_entity_num`, summed over the node's series.
        public var segments: Int
        public var rows: Int
        /// Searches the node has run (`milvus_querynode_sq_req_count`, as in `NodeTrafficProbe`).
        public var searches: Double = 0
    }

    public struct Sample: Sendable {
        public var usages: [Usage]
        /// Endpoints that could not be read, with the reason.
        public var failures: [(endpoint: String, reason: String)]
    }

    private(set) var endpoints: [MetricsEndpoint]
    private var previous: [String: (cpuSeconds: Double, at: ContinuousClock.Instant)] = [:]

    public init(endpoints: [String]) {
        self.endpoints = endpoints.map(MetricsEndpoint.init)
    }

    /// Follows another set of endpoints (nodes joined or left); those it had keep their CPU baseline.
    public mutating func use(_ urls: [String]) {
        endpoints = urls.map(MetricsEndpoint.init)
        let kept = Set(endpoints.map(\.base))
        previous = previous.filter { kept.contains($0.key) }
    }

    /// The query nodes found on the endpoints that answered. `hostMemory` maps node ids to the
    /// host's memory (GetMetrics); for endpoints on this machine this machine's memory is used.
    public mutating func sample(hostMemory: [Int64: Int], timeout: Duration = .seconds(5)) async -> Sample {
        var result = Sample(usages: [], failures: [])
        let texts = await MetricsEndpoint.readAll(endpoints, timeout: timeout)
        for e in endpoints {
            guard let (read, now) = texts[e.base] else { continue }
            let text: PrometheusText
            switch read {
            case .success(let t): text = t
            case .failure(let error):
                previous[e.base] = nil
                result.failures.append((e.base, error.reason))
                continue
            }
            let ids = QueryNodeSeries.nodeIDs(text)
            guard !ids.isEmpty else { continue }
            let rss = text.sum("process_resident_memory_bytes")
            let cpu = text.sum("process_cpu_seconds_total")
            var cpuPercent: Double?
            if let cpu, let before = previous[e.base], now > before.at {
                cpuPercent = max(0, (cpu - before.cpuSeconds) / ((now - before.at).milliseconds / 1000) * 100)
            }
            if let cpu { previous[e.base] = (cpu, now) }
            for id in ids {
                let host = hostMemory[id] ?? (e.isLocal ? Int(ProcessInfo.processInfo.physicalMemory) : nil)
                let node = ["node_id": String(id)]
                result.usages.append(Usage(nodeID: id, source: "\(e.base)/metrics", memoryMB: rss.map { $0 / 1_048_576 },
                                           memoryPercent: rss.flatMap { r in host.flatMap { $0 > 0 ? r / Double($0) * 100 : nil } },
                                           cpuPercent: cpuPercent,
                                           segments: Int(text.sum("milvus_querynode_segment_num", matching: node) ?? 0),
                                           rows: Int(text.sum("milvus_querynode_entity_num", matching: node) ?? 0),
                                           searches: NodeTrafficProbe.counters(text, node: id, cpuSeconds: nil, source: e.base).requests))
            }
        }
        return result
    }
}

/// Which query nodes a process's `/metrics` speaks for.
public enum QueryNodeSeries {
    /// The `node_id` labels of its `milvus_querynode_*` series (a node without segments has no
    /// segment_num series, so every querynode family is looked at).
    public static func nodeIDs(_ text: PrometheusText) -> Set<Int64> {
        Set(text.families.values.filter { $0.name.hasPrefix("milvus_querynode_") }.flatMap(\.samples)
            .compactMap { $0.labels["node_id"].flatMap { Int64($0) } })
    }
}

extension MetricsEndpoint {
    /// Whether the endpoint is on this machine (its memory is then this machine's).
    public var isLocal: Bool {
        guard let host = URLComponents(string: base)?.host else { return false }
        return host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"
    }
}
