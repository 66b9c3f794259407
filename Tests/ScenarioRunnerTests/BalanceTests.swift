import MilvusClient
import ScenarioRecord
import Testing
@testable import ScenarioRunner

/// The monitor's balance verdict: Milvus spreads segments among the nodes of one replica
/// group, so the within-group ratio is what it promises; the cross-node ratio is shown too.
@Suite("balance verdict")
struct BalanceTests {
    static func node(_ id: Int64, segments: Int, rows: Int) -> MonitorDetails.Node {
        MonitorDetails.Node(nodeID: id, name: "querynode\(id)", memoryMB: nil, memoryPercent: nil, cpuPercent: nil,
                            segments: segments, rows: rows, replicaID: nil, source: "")
    }

    @Test("max ÷ mean, with nothing counted as even")
    func imbalance() {
        #expect(MonitorRunner.imbalance([]) == 1)
        #expect(MonitorRunner.imbalance([0, 0, 0]) == 1)
        #expect(MonitorRunner.imbalance([2, 2, 2]) == 1)
        #expect(MonitorRunner.imbalance([1, 1, 2]) == 1.5)
        #expect(MonitorRunner.imbalance([0, 4]) == 2)
    }

    @Test("2 replicas on 3 nodes: even within each group, 1.5 across nodes")
    func twoReplicasOnThreeNodes() throws {
        let nodes = [Self.node(4, segments: 1, rows: 50_000), Self.node(5, segments: 2, rows: 100_000), Self.node(7, segments: 1, rows: 50_000)]
        let groups = [ReplicaGroup(id: 1, nodeIDs: [4, 7], shards: []), ReplicaGroup(id: 2, nodeIDs: [5], shards: [])]
        let within = try #require(MonitorRunner.replicaImbalance(nodes, groups: groups))
        #expect(within.segments == 1 && within.rows == 1)
        #expect(MonitorRunner.imbalance(nodes.map(\.segments)) == 1.5)
    }

    @Test("one segment for a two-node group leaves a node idle, and the worst group decides")
    func worstGroup() throws {
        let nodes = [Self.node(4, segments: 1, rows: 100_000), Self.node(5, segments: 1, rows: 100_000), Self.node(7, segments: 0, rows: 0)]
        let groups = [ReplicaGroup(id: 1, nodeIDs: [4, 7], shards: []), ReplicaGroup(id: 2, nodeIDs: [5], shards: [])]
        let within = try #require(MonitorRunner.replicaImbalance(nodes, groups: groups))
        #expect(within.segments == 2 && within.rows == 2)
    }

    @Test("without replica groups there is no within-group verdict")
    func noGroups() {
        #expect(MonitorRunner.replicaImbalance([Self.node(1, segments: 3, rows: 10)], groups: []) == nil)
        // Groups whose nodes the monitor did not see do not count.
        #expect(MonitorRunner.replicaImbalance([Self.node(1, segments: 3, rows: 10)], groups: [ReplicaGroup(id: 9, nodeIDs: [8], shards: [])]) == nil)
    }

    @Test("a replica group that led no search gets a note; one group, or no traffic, none")
    func idleReplicaGroup() {
        func details(_ searches: [Int]) -> NodeTrafficDetails {
            NodeTrafficDetails(nodes: [], groups: searches.enumerated().map { i, n in
                NodeTrafficDetails.Group(replicaID: Int64(i + 1), nodeIDs: i == 0 ? [5, 7] : [Int64(6 + i * 2)], searches: n,
                                         sharePercent: 0)
            }, intervals: [], intervalMs: 0, durationMs: 1000)
        }
        let notes = details([0, 200]).idleReplicaGroupNotes
        #expect(notes == [StepNote(.replicaGroupIdle, ["nodes": "5, 7", "searches": "200", "groups": "2"])])
        #expect(details([0, 150, 50]).idleReplicaGroupNotes.count == 1)
        #expect(details([90, 110]).idleReplicaGroupNotes.isEmpty)
        #expect(details([0, 0]).idleReplicaGroupNotes.isEmpty)
        #expect(details([200]).idleReplicaGroupNotes.isEmpty)
    }
}
