import Foundation

/// CheckHealth's answer.
public struct HealthStatus: Sendable, Hashable {
    public var isHealthy: Bool
    public var reasons: [String]
    /// Quota states such as `DenyToWrite` (writes refused because of memory or disk quotas).
    public var quotaStates: [String]
}

/// The state of one component, from GetComponentStates.
public struct ComponentState: Sendable, Hashable {
    public var role: String
    public var nodeID: Int64
    /// `healthy`, `initializing`, `abnormal`, `standBy`, `stopping`.
    public var state: String
    public var isHealthy: Bool { state == "healthy" }
}

/// Per-node facts from GetMetrics(system_info).
///
/// Caveats measured on Milvus 2.3.5: `memoryBytes` is the host's RAM, `memoryUsageBytes` is not
/// the process RSS (use `process_resident_memory_bytes` from the node's /metrics), CPU usage is
/// reported by some roles only, and the disk fields are constants.
public struct SystemInfo: Sendable {
    public struct Node: Sendable, Hashable {
        public var id: Int64
        /// e.g. `querynode4`.
        public var name: String
        /// e.g. `querynode`, `proxy`, `datacoord`.
        public var role: String
        public var hasError: Bool
        public var errorReason: String
        public var address: String
        public var cpuCores: Int
        public var cpuUsagePercent: Double
        public var memoryBytes: Int
        public var memoryUsageBytes: Int
        public var deployMode: String
        public var buildVersion: String
    }

    /// The component that answered (usually the proxy).
    public var answeredBy: String
    public var nodes: [Node]
    public var queryNodes: [Node] { nodes.filter { $0.role == "querynode" } }

    /// Decodes the JSON of GetMetrics(system_info).
    public init(json: String, answeredBy: String) throws {
        self.answeredBy = answeredBy
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw MilvusError(rpc: "GetMetrics", kind: .verificationFailed, reason: "system_info is not a JSON object")
        }
        let entries = object["nodes_info"] as? [[String: Any]] ?? []
        nodes = entries.map { entry in
            let infos = entry["infos"] as? [String: Any] ?? [:]
            let hardware = infos["hardware_infos"] as? [String: Any] ?? [:]
            let system = infos["system_info"] as? [String: Any] ?? [:]
            func int(_ d: [String: Any], _ k: String) -> Int { (d[k] as? NSNumber)?.intValue ?? 0 }
            return Node(id: (entry["identifier"] as? NSNumber)?.int64Value ?? 0,
                        name: infos["name"] as? String ?? "", role: infos["type"] as? String ?? "",
                        hasError: infos["has_error"] as? Bool ?? false, errorReason: infos["error_reason"] as? String ?? "",
                        address: hardware["ip"] as? String ?? "", cpuCores: int(hardware, "cpu_core_count"),
                        cpuUsagePercent: (hardware["cpu_core_usage"] as? NSNumber)?.doubleValue ?? 0,
                        memoryBytes: int(hardware, "memory"), memoryUsageBytes: int(hardware, "memory_usage"),
                        deployMode: system["deploy_mode"] as? String ?? "", buildVersion: system["build_version"] as? String ?? "")
        }
    }
}

extension MilvusClient {
    public func checkHealth() async throws -> HealthStatus {
        let r = try await call("CheckHealth", retry: .onConnectionLoss) { s, m, o in
            try await s.checkHealth(Milvus_Proto_Milvus_CheckHealthRequest(), metadata: m, options: o)
        }
        return HealthStatus(isHealthy: r.isHealthy, reasons: r.reasons, quotaStates: r.quotaStates.map { "\($0)" })
    }

    /// The answering component's state, then its subcomponents' (the proxy reports only itself).
    public func componentStates() async throws -> [ComponentState] {
        let r = try await call("GetComponentStates", retry: .onConnectionLoss) { s, m, o in
            try await s.getComponentStates(Milvus_Proto_Milvus_GetComponentStatesRequest(), metadata: m, options: o)
        }
        return ([r.state] + r.subcomponentStates).map {
            ComponentState(role: $0.role, nodeID: $0.nodeID, state: "\($0.stateCode)")
        }
    }

    /// GetMetrics with a raw JSON request; returns the raw JSON answer and who answered.
    public func metrics(request: String) async throws -> (json: String, component: String) {
        var proto = Milvus_Proto_Milvus_GetMetricsRequest()
        proto.request = request
        let r = try await call("GetMetrics", retry: .onConnectionLoss) { [proto] s, m, o in
            try await s.getMetrics(proto, metadata: m, options: o)
        }
        return (r.response, r.componentName)
    }

    /// GetMetrics(system_info), decoded into per-node facts.
    public func systemInfo() async throws -> SystemInfo {
        let (json, component) = try await metrics(request: #"{"metric_type":"system_info"}"#)
        return try SystemInfo(json: json, answeredBy: component)
    }
}
