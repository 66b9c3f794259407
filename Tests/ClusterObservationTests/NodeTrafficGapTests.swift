import Testing
@testable import ClusterObservation
import ScenarioRecord

/// The per-interval node series across a metrics gap: a node whose endpoint did not answer has
/// no value in those intervals, the change read after the gap is marked as spanning it, and the
/// intervals add up to the node's total (the case of issue 37: a frozen query node).
@Suite("node traffic across metrics gaps")
struct NodeTrafficGapTests {
    static let start = ContinuousClock.now

    /// A reading at `second` with each node's cumulative request counter; a node left out did not answer.
    static func reading(_ second: Double, _ counters: [Int64: Double], unanswered: [String: String] = [:]) -> NodeTrafficProbe.Snapshot {
        let nodes = counters.mapValues { NodeTrafficProbe.Counters(requests: $0, led: $0 / 2, failures: 0, vectors: nil, cpuSeconds: $0 / 1000, source: "x/metrics") }
        var s = NodeTrafficProbe.Snapshot(at: start + .milliseconds(Int(second * 1000)), nodes: nodes, proxyLatency: nil, leaderLatency: nil)
        s.unanswered = unanswered
        return s
    }

    static let endpoints: [String: Set<Int64>] = ["http://n1": [1], "http://n2": [2]]

    @Test("a node frozen from 2 s to 5 s: nil in the gap, one value spanning it, intervals sum to the total, a closed gap")
    func closedGap() throws {
        // Node 2's counter was 500 before the step (a stale value that must never be differenced against).
        let first = Self.reading(0, [1: 1000, 2: 500])
        let samples = [Self.reading(1, [1: 1010, 2: 510]),
                       Self.reading(2, [1: 1030], unanswered: ["http://n2": "timed out"]),
                       Self.reading(4, [1: 1070], unanswered: ["http://n2": "timed out"]),
                       Self.reading(5, [1: 1090, 2: 520])]
        let last = Self.reading(6, [1: 1100, 2: 540])
        let d = NodeTrafficProbe.details(first: first, samples: samples, last: last, groups: [], interval: .seconds(1), nodesByEndpoint: Self.endpoints)
        #expect(d.nodes.map(\.requests) == [100, 40])
        let node2 = d.intervals.map { $0.requests[1] }
        #expect(node2 == [10, nil, nil, 10, 20])
        #expect(node2.compactMap { $0 }.reduce(0, +) == d.nodes[1].requests)
        #expect(d.intervals.map { $0.requests[0] ?? -1 }.reduce(0, +) == d.nodes[0].requests)
        // The change after the gap began at the last good reading (1 s), not at 4 s.
        #expect(d.intervals[3].sinceMs?[1] == 1000 && d.intervals[3].startMs(of: 1) == 1000)
        #expect(d.intervals[3].sinceMs?[0] == nil && d.intervals[2].sinceMs == nil)
        let gap = try #require(d.gaps?.first)
        #expect(d.gaps?.count == 1)
        #expect(gap.nodeID == 2 && gap.endpoint == "http://n2" && gap.fromMs == 2000 && gap.toMs == 5000 && gap.lastReadMs == 1000 && !gap.open)
        #expect(gap.reason == "timed out")
        #expect(!d.isIncomplete)
        let note = try #require(d.gapNotes.first)
        #expect(note.code == .metricsGap && note.description.contains("node 2") && note.description.contains("for 3.0 s, from 2.0 s to 5.0 s"), "\(note)")
        // The CPU of the interval after the gap is over its whole span (3 reads of 0.01 s over 4 s), not over 1 s.
        #expect(abs((d.intervals[3].cpuPercent[1] ?? 0) - 0.25) < 1e-9)
    }

    @Test("a reading answered late (sent while frozen, answered after the thaw) ends the gap when it was answered")
    func answeredLate() throws {
        let first = Self.reading(0, [1: 0, 2: 0])
        var late = Self.reading(3, [1: 30, 2: 12])
        late.nodes[2]?.answeredAt = Self.start + .milliseconds(4500)
        let samples = [Self.reading(1, [1: 10, 2: 10]), Self.reading(2, [1: 20], unanswered: ["http://n2": "timed out"]), late]
        let d = NodeTrafficProbe.details(first: first, samples: samples, last: Self.reading(5, [1: 50, 2: 14]), groups: [], interval: .seconds(1),
                                         nodesByEndpoint: Self.endpoints)
        let gap = try #require(d.gaps?.first)
        #expect(gap.fromMs == 2000 && gap.toMs == 4500 && gap.lastReadMs == 1000)
        // The CPU after the gap is over the node's own span (1 s → 4.5 s), and the next interval's from 4.5 s.
        #expect(abs((d.intervals[2].cpuPercent[1] ?? 0) - 0.002 / 3.5 * 100) < 1e-9)
        #expect(abs((d.intervals[3].cpuPercent[1] ?? 0) - 0.002 / 0.5 * 100) < 1e-9)
        #expect(d.nodes[1].requests == 14)
    }

    @Test("a node that never answers again: its total stops at its last reading, the gap is open and the data incomplete")
    func openGap() throws {
        let first = Self.reading(0, [1: 0, 2: 0])
        let samples = [Self.reading(1, [1: 10, 2: 7]), Self.reading(2, [1: 20], unanswered: ["http://n2": "refused"])]
        let last = Self.reading(3, [1: 30], unanswered: ["http://n2": "refused"])
        let d = NodeTrafficProbe.details(first: first, samples: samples, last: last, groups: [], interval: .seconds(1), nodesByEndpoint: Self.endpoints)
        #expect(d.nodes.map(\.requests) == [30, 7])
        #expect(d.gaps?.count == 1 && d.gaps?.first?.open == true && d.gaps?.first?.fromMs == 2000 && d.gaps?.first?.toMs == 3000)
        #expect(d.isIncomplete)
        #expect(d.gapNotes.first?.code == .metricsGapOpen && d.gapNotes.first?.description.contains("last reading (1.0 s)") == true, "\(d.gapNotes)")
    }

    @Test("a restart mid-step (the counter fell) counts from 0 again; no gap, no note")
    func restart() {
        let first = Self.reading(0, [1: 100])
        let d = NodeTrafficProbe.details(first: first, samples: [Self.reading(1, [1: 150]), Self.reading(2, [1: 5])], last: Self.reading(3, [1: 25]),
                                         groups: [], interval: .seconds(1), nodesByEndpoint: ["http://n1": [1]])
        #expect(d.nodes[0].requests == 50 + 5 + 20)
        #expect(d.gaps == nil && d.gapNotes.isEmpty)
    }

    /// Milvus 2.4.18+ keeps a request counter per collection and deletes it on release: the sum
    /// over a node's series falls, which is not a restart. (The texts follow pkg/metrics'
    /// querynode_metrics.go from 2.4.18 on: labels node_id, query_type, status, scope, collection_id,
    /// and CleanupQueryNodeCollectionMetrics deletes a collection's series by partial match on release.)
    static func text(_ lines: [String]) throws -> PrometheusText {
        try PrometheusText("# TYPE milvus_querynode_sq_req_count counter\n" + lines.joined(separator: "\n") + "\n")
    }

    static func series(_ collection: Int, scope: String, _ value: Int) -> String {
        #"milvus_querynode_sq_req_count{collection_id="\#(collection)",node_id="4",query_type="search",scope="\#(scope)",status="success"} \#(value)"#
    }

    @Test("a released collection's series vanishing is not traffic: only the series still there count, each from its own value")
    func vanishedSeries() throws {
        let before = try Self.text([Self.series(1, scope: "FromLeader", 100), Self.series(2, scope: "FromLeader", 50), Self.series(2, scope: "OnLeader", 50)])
        // Collection 1 released (its series deleted); collection 2 served 10 more; collection 3 is new with 4.
        let after = try Self.text([Self.series(2, scope: "FromLeader", 60), Self.series(2, scope: "OnLeader", 60), Self.series(3, scope: "FromLeader", 4)])
        let a = NodeTrafficProbe.counters(before, node: 4, cpuSeconds: nil, source: "x"), b = NodeTrafficProbe.counters(after, node: 4, cpuSeconds: nil, source: "x")
        #expect(a.requests == 150 && b.requests == 64, "the sums fall")
        #expect(NodeTrafficProbe.change(a, b, .requests, sum: \.requestsSum) == 14)
        #expect(NodeTrafficProbe.change(a, b, .led, sum: \.ledSum) == 10)
        // By the sums alone the fall would read as a restart: 64 requests.
        #expect(NodeTrafficProbe.increase(a.requests, b.requests) == 64)
        // A series that fell (the process restarted) counts its new value.
        let restarted = try Self.text([Self.series(2, scope: "FromLeader", 3)])
        #expect(NodeTrafficProbe.change(b, NodeTrafficProbe.counters(restarted, node: 4, cpuSeconds: nil, source: "x"), .requests, sum: \.requestsSum) == 3)
    }
}
