import Foundation
import Alerting
import ClusterObservation
import MilvusClient
import ScenarioRecord
import ScenarioSpec

/// Per-query-node load: memory (process RSS from each node's /metrics), CPU (from two samples
/// of `process_cpu_seconds_total` one second apart), segments and rows (GetQuerySegmentInfo for
/// the collection, or the `milvus_querynode_segment_num` / `milvus_querynode_entity_num` series
/// summed over every series of a node), and a balance verdict.
struct MonitorRunner: StepRunner {
    static func publish(_ record: StepRecord, to metrics: RunMetrics) {
        if let c = record.collection, let rows = record.metrics[MonitorStep.metric(\.rowsTotal)],
           let replicas = record.metrics[MonitorStep.metric(\.replicas)], replicas > 0 {
            metrics.collectionSize(c).set(to: Double(rows) / Double(replicas))
        }
    }

    /// max ÷ mean at or below this is called balanced.
    static let balancedBelow = 1.2

    func run(_ spec: MonitorStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<MonitorStep>) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let client = context.client
        let endpoints = spec.endpoints ?? context.scenario.target.metrics

        // Which query nodes exist (and the host's memory, for percentages).
        let info = try? await client.systemInfo()
        var nodes: [Int64: MonitorDetails.Node] = [:]
        var hostMemory: [Int64: Int] = [:]
        for n in info?.queryNodes ?? [] {
            nodes[n.id] = MonitorDetails.Node(nodeID: n.id, name: n.name, memoryMB: nil, memoryPercent: nil, cpuPercent: nil,
                                              segments: 0, rows: 0, replicaID: nil, source: "GetMetrics")
            hostMemory[n.id] = n.memoryBytes
        }

        // Segments and rows per node for the collection.
        var usedSegmentInfo = false
        if spec.segments, let collection = step.collection {
            do {
                let segments = try await client.querySegments(collection)
                usedSegmentInfo = true
                for s in segments {
                    for id in s.nodeIDs {
                        var node = nodes[id] ?? MonitorDetails.Node(nodeID: id, name: "querynode\(id)", memoryMB: nil, memoryPercent: nil,
                                                                     cpuPercent: nil, segments: 0, rows: 0, replicaID: nil, source: "GetQuerySegmentInfo")
                        node.segments += 1
                        node.rows += s.rows
                        nodes[id] = node
                    }
                }
            } catch let error as MilvusError where error.isNotSupported {
                record.notes.append(StepNote(.segmentInfoUnsupported))
            }
        }

        // Process memory and CPU from each endpoint that serves query-node series: two samples
        // a second apart (CPU is the change in between).
        var sampler = NodeResourceSampler(endpoints: endpoints)
        let first = await sampler.sample(hostMemory: hostMemory)
        record.notes += context.unreadableEndpoints(first.failures)
        if first.failures.count < endpoints.count { try? await Task.sleep(for: .seconds(1)) }
        for u in await sampler.sample(hostMemory: hostMemory).usages {
            var node = nodes[u.nodeID] ?? MonitorDetails.Node(nodeID: u.nodeID, name: "querynode\(u.nodeID)", memoryMB: nil, memoryPercent: nil,
                                                               cpuPercent: nil, segments: 0, rows: 0, replicaID: nil, source: "")
            node.source = u.source
            node.memoryMB = u.memoryMB
            node.memoryPercent = u.memoryPercent
            node.cpuPercent = u.cpuPercent
            if !usedSegmentInfo {
                node.segments = u.segments
                node.rows = u.rows
            }
            nodes[u.nodeID] = node
        }
        if endpoints.isEmpty {
            record.notes.append(StepNote(.noMetricsEndpoints))
        }

        // Which replica group each node serves: Milvus balances segments among the nodes of one
        // replica, so 2 replicas on 3 nodes always put twice the data on the single-node group.
        var groups: [ReplicaGroup] = []
        if let collection = step.collection {
            groups = (try? await client.replicas(collection)) ?? []
            for g in groups { for id in g.nodeIDs where nodes[id] != nil { nodes[id]!.replicaID = g.id } }
        }

        let list = nodes.values.sorted { $0.nodeID < $1.nodeID }
        let segmentImbalance = Self.imbalance(list.map(\.segments))
        let rowImbalance = Self.imbalance(list.map(\.rows))
        let perGroup = Self.replicaImbalance(list, groups: groups)
        let judged = perGroup ?? (segmentImbalance, rowImbalance)
        record.details.monitor = MonitorDetails(nodes: list, segmentImbalance: segmentImbalance, rowImbalance: rowImbalance,
                                        replicaSegmentImbalance: perGroup?.segments, replicaRowImbalance: perGroup?.rows,
                                        balanced: judged.0 <= Self.balancedBelow && judged.1 <= Self.balancedBelow)
        record[\.nodes] = list.count
        record[\.segmentsTotal] = list.reduce(0) { $0 + $1.segments }
        record[\.segmentsMax] = list.map(\.segments).max() ?? 0
        record[\.rowsTotal] = list.reduce(0) { $0 + $1.rows }
        record[\.segmentImbalance] = segmentImbalance
        record[\.rowImbalance] = rowImbalance
        record[\.replicas] = groups.count
        record[\.replicaSegmentImbalance] = perGroup?.segments
        record[\.replicaRowImbalance] = perGroup?.rows
        let memory = list.compactMap(\.memoryMB)
        record[\.memoryMBMax] = memory.max()
        record[\.memoryMBTotal] = memory.isEmpty ? nil : memory.reduce(0, +)
        record[\.memoryPercentMax] = list.compactMap(\.memoryPercent).max()
        record[\.cpuPercentMax] = list.compactMap(\.cpuPercent).max()
        record[\.totalTime] = clock.now - start
    }

    /// max ÷ mean; 1 is perfectly even (and so is nothing at all).
    static func imbalance(_ values: [Int]) -> Double { Balance.imbalance(values) }

    /// The worst within-group imbalance over the replica groups that have nodes in `nodes`;
    /// nil without groups.
    static func replicaImbalance(_ nodes: [MonitorDetails.Node], groups: [ReplicaGroup]) -> (segments: Double, rows: Double)? {
        let members = groups.map { g in nodes.filter { g.nodeIDs.contains($0.nodeID) } }.filter { !$0.isEmpty }
        guard !members.isEmpty else { return nil }
        return (members.map { imbalance($0.map(\.segments)) }.max()!, members.map { imbalance($0.map(\.rows)) }.max()!)
    }
}
