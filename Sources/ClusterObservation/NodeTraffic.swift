import Foundation
import MilvusClient
import ScenarioRecord
import Synchronization

/// Which query node served how much of a search step's load, from the nodes' own counters:
/// `milvus_querynode_sq_req_count{query_type="search"}` by `scope` and `status`, the query
/// vectors searched (`milvus_querynode_search_nq`) and `process_cpu_seconds_total`, read on every query node's `/metrics` before the measured
/// queries, every `interval` while they run, and after them.
///
/// On Milvus 2.3 a search reaches one shard leader per shard (`scope="OnLeader"`), chosen by the
/// proxy among the replica groups, and that leader sends a request to every node holding the
/// shard's segments in its group, itself included (`scope="FromLeader"`). So `OnLeader` says which
/// replica group the proxy picked, `FromLeader` how the work spread over the nodes.
public final class NodeTrafficProbe: Sendable {
    /// A node's counters at one moment.
    public struct Counters: Sendable, Equatable {
        public var requests: Double
        public var led: Double
        public var failures: Double
        /// Sum of `milvus_querynode_search_nq`: query vectors of the searches led; nil without the series.
        public var vectors: Double?
        public var cpuSeconds: Double?
        public var source: String
        /// When the node's endpoint answered this reading (nil: as the reading was sent). A frozen
        /// endpoint may answer a reading long after it was sent: its counters are of then.
        public var answeredAt: ContinuousClock.Instant? = nil
        /// The series the sums above are made of, by family and label set: from Milvus 2.4.18 a
        /// query node keeps one `sq_req_count` series per collection and deletes it when the
        /// collection is released, so a sum can fall without any restart. Changes are taken
        /// series by series (a vanished series adds nothing, a new one its value, one that fell
        /// restarted); empty: only the sums are known.
        public var series: [String: Double] = [:]
    }

    /// The counted families of `Counters.series`.
    public enum Family: String, Sendable {
        case requests, led, failures, vectors
    }

    public struct Snapshot: Sendable {
        /// When the reading was sent (a healthy endpoint answers within milliseconds, so its
        /// counters are of about this moment).
        public var at: ContinuousClock.Instant
        /// The nodes whose endpoint answered; a node missing here was not read this time.
        public var nodes: [Int64: Counters]
        /// The endpoints that did not answer, with why.
        public var unanswered: [String: String] = [:]
        /// The proxies' and the shard leaders' search latency histograms, summed over processes.
        public var proxyLatency: BucketHistogram?
        public var leaderLatency: BucketHistogram?
    }

    /// What starting found out: the probe, or why there is none (as notes for the step), and
    /// the endpoints that could not be read.
    public struct Start: Sendable {
        public var probe: NodeTrafficProbe?
        public var notes: [StepNote]
        public var unreadable: [(endpoint: String, reason: String)] = []
    }

    public static let defaultInterval: Duration = .seconds(1)

    /// The only families the readings after the first need: parsing just these keeps a reading
    /// of a Milvus `/metrics` cheap for the client (it runs every second during the load).
    public static let families: Set<String> = ["milvus_querynode_sq_req_count", "milvus_querynode_search_nq", "process_cpu_seconds_total",
                                         ServerLatency.proxyHistogram, ServerLatency.nodeHistogram]

    private let endpoints: [MetricsEndpoint]
    /// The query nodes behind each endpoint, from the first (full) reading: a node that has not
    /// served a search yet has no request counter series to be found by.
    private let nodesByEndpoint: [String: Set<Int64>]
    private let groups: [ReplicaGroup]
    /// nil: read only before and after.
    private let interval: Duration?
    private let first: Snapshot
    private let samples = Mutex<[Snapshot]>([])
    private let sampler = Mutex<Task<Void, Never>?>(nil)

    private init(endpoints: [MetricsEndpoint], nodesByEndpoint: [String: Set<Int64>], groups: [ReplicaGroup], interval: Duration?, first: Snapshot) {
        self.endpoints = endpoints
        self.nodesByEndpoint = nodesByEndpoint
        self.groups = groups
        self.interval = interval
        self.first = first
    }

    /// Reads every endpoint once, keeps those that serve query-node series or the proxy's search
    /// latency, and starts sampling them every `interval`. No probe (with a note saying why)
    /// when none does.
    public static func start(endpoints urls: [String], collection: String?, client: MilvusClient,
                      interval: Duration? = defaultInterval) async -> Start {
        guard !urls.isEmpty else { return Start(probe: nil, notes: [StepNote(.trafficUnknown, ["endpoints": "any endpoint (target.metrics is empty)"])]) }
        let all = urls.map(MetricsEndpoint.init)
        let reads = await read(all)
        var notes: [StepNote] = []
        let serving = all.filter { e in
            reads.texts[e.base].map { !QueryNodeSeries.nodeIDs($0).isEmpty || ServerLatency.isProxy($0) } ?? false
        }
        if !serving.contains(where: { e in reads.texts[e.base].map { !QueryNodeSeries.nodeIDs($0).isEmpty } ?? false }) {
            notes.append(StepNote(.trafficUnknown, ["endpoints": urls.joined(separator: ", ")]))
        }
        guard !serving.isEmpty else { return Start(probe: nil, notes: notes, unreadable: reads.failures) }
        let groups = collection == nil ? [] : ((try? await client.replicas(collection!)) ?? [])
        let nodes = Dictionary(uniqueKeysWithValues: serving.map { ($0.base, reads.texts[$0.base].map(QueryNodeSeries.nodeIDs) ?? []) })
        let first = snapshot(reads, endpoints: serving, nodes: nodes)
        let probe = NodeTrafficProbe(endpoints: serving, nodesByEndpoint: nodes, groups: groups, interval: interval, first: first)
        if let interval { probe.sampler.withLock { $0 = Task { await probe.sampleUntilCancelled(every: interval) } } }
        return Start(probe: probe, notes: notes, unreadable: reads.failures)
    }

    private func sampleUntilCancelled(every interval: Duration) async {
        let clock = ContinuousClock()
        var next = first.at + interval
        while !Task.isCancelled {
            do { try await clock.sleep(until: next) } catch { return }
            // Read in a task of its own: `finish` cancels this loop, and a read must not see that
            // cancellation halfway (it ends the loop after the read instead).
            let endpoints = self.endpoints
            let reads = await Task { await Self.read(endpoints, only: Self.families) }.value
            if Task.isCancelled { return }
            let s = Self.snapshot(reads, endpoints: endpoints, nodes: nodesByEndpoint)
            samples.withLock { $0.append(s) }
            next += interval
            if next < clock.now { next = clock.now + interval }
        }
    }

    /// Stops sampling, reads the counters a last time and works out each node's part.
    public func finish() async -> NodeTrafficDetails {
        let task = sampler.withLock { t -> Task<Void, Never>? in defer { t = nil }; return t }
        task?.cancel()
        await task?.value
        let reads = await Self.read(endpoints, only: Self.families)
        let last = Self.snapshot(reads, endpoints: endpoints, nodes: nodesByEndpoint)
        return Self.details(first: first, samples: samples.withLock { $0 }, last: last, groups: groups, interval: interval, nodesByEndpoint: nodesByEndpoint)
    }

    // MARK: - Reading

    /// What one reading of the endpoints gave: the texts, the failures, when it was sent and when
    /// each endpoint answered.
    private typealias Reads = (texts: [String: PrometheusText], failures: [(endpoint: String, reason: String)], at: ContinuousClock.Instant,
                               answered: [String: ContinuousClock.Instant])

    private static func read(_ endpoints: [MetricsEndpoint], only: Set<String>? = nil) async -> Reads {
        let sent = ContinuousClock.now
        let reads = await MetricsEndpoint.readAll(endpoints, timeout: .seconds(2), only: only)
        var texts: [String: PrometheusText] = [:]
        var answered: [String: ContinuousClock.Instant] = [:]
        var failures: [(endpoint: String, reason: String)] = []
        for e in endpoints {
            switch reads[e.base]?.text {
            case .success(let t): texts[e.base] = t; answered[e.base] = reads[e.base]?.at
            case .failure(let error): failures.append((e.base, error.reason))
            case nil: break
            }
        }
        return (texts, failures, sent, answered)
    }

    /// One reading of every endpoint as a snapshot: the nodes whose endpoint answered, and why
    /// the others did not.
    private static func snapshot(_ reads: Reads, endpoints: [MetricsEndpoint], nodes known: [String: Set<Int64>]) -> Snapshot {
        var s = snapshot(reads.texts, at: reads.at, endpoints: endpoints, nodes: known, answered: reads.answered)
        s.unanswered = Dictionary(reads.failures, uniquingKeysWith: { a, _ in a })
        return s
    }

    public static func snapshot(_ texts: [String: PrometheusText], at: ContinuousClock.Instant, endpoints: [MetricsEndpoint],
                         nodes known: [String: Set<Int64>], answered: [String: ContinuousClock.Instant] = [:]) -> Snapshot {
        var nodes: [Int64: Counters] = [:]
        var proxies: [BucketHistogram] = [], leaders: [BucketHistogram] = []
        for e in endpoints {
            guard let text = texts[e.base] else { continue }
            let cpu = text.sum("process_cpu_seconds_total")
            for id in QueryNodeSeries.nodeIDs(text).union(known[e.base] ?? []) {
                nodes[id] = counters(text, node: id, cpuSeconds: cpu, source: "\(e.base)/metrics")
                nodes[id]?.answeredAt = answered[e.base]
            }
            if let h = ServerLatency.proxy(text) { proxies.append(h) }
            if let h = ServerLatency.leaders(text) { leaders.append(h) }
        }
        return Snapshot(at: at, nodes: nodes, proxyLatency: ServerLatency.merged(proxies), leaderLatency: ServerLatency.merged(leaders))
    }

    /// A node's search counters. Servers without the `scope` label count every search request
    /// once; then `requests` and `led` are the same number.
    public static func counters(_ text: PrometheusText, node: Int64, cpuSeconds: Double?, source: String) -> Counters {
        let series = text.samples(named: "milvus_querynode_sq_req_count")
            .filter { $0.labels["node_id"] == String(node) && $0.labels["query_type"] == "search" }
        func matching(scope: String?, status: String) -> [PrometheusText.Sample] {
            series.filter { $0.labels["status"] == status && (scope == nil || $0.labels["scope"] == scope) }
        }
        let scoped = series.contains { $0.labels["scope"] != nil }
        let requests = scoped ? matching(scope: "FromLeader", status: "success") : matching(scope: nil, status: "success")
        let led = scoped ? matching(scope: "OnLeader", status: "success") : requests
        let failures = matching(scope: nil, status: "fail")
        let vectors = text.samples(named: "milvus_querynode_search_nq_sum").filter { $0.labels["node_id"] == String(node) }
        var c = Counters(requests: total(requests), led: total(led), failures: total(failures), vectors: vectors.isEmpty ? nil : total(vectors),
                         cpuSeconds: cpuSeconds, source: source)
        for (family, samples) in [(Family.requests, requests), (.led, led), (.failures, failures), (.vectors, vectors)] {
            for sample in samples { c.series[key(family, sample)] = sample.value }
        }
        return c
    }

    private static func total(_ samples: [PrometheusText.Sample]) -> Double { samples.reduce(0) { $0 + $1.value } }

    private static func key(_ family: Family, _ sample: PrometheusText.Sample) -> String {
        family.rawValue + "\u{1F}" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// How much a family of a node's counters grew from `a` to `b`: series by series when the
    /// readings list them (a series gone since `a` — a released collection's — adds nothing; a
    /// new one adds its value; one that fell was reset and adds its new value), else by the sums.
    public static func change(_ a: Counters?, _ b: Counters, _ family: Family, sum: KeyPath<Counters, Double?>) -> Double {
        let prefix = family.rawValue + "\u{1F}"
        let now = b.series.filter { $0.key.hasPrefix(prefix) }
        guard !now.isEmpty || !(a?.series.isEmpty ?? true) else { return increase(a?[keyPath: sum], b[keyPath: sum]) }
        return now.reduce(0) { total, s in total + (a?.series[s.key].map { s.value >= $0 ? s.value - $0 : s.value } ?? s.value) }
    }

    // MARK: - Working out the parts

    /// The increase of a counter; a decrease means the process restarted (its counter began
    /// again at 0), so the new value is the increase.
    public static func increase(_ a: Double?, _ b: Double?) -> Double {
        guard let b else { return 0 }
        guard let a else { return b }
        return b >= a ? b - a : b
    }

    /// Each node's part of the step and of every interval between readings. A node's value in
    /// an interval is its counters' change since its own last good reading: when its endpoint
    /// did not answer a reading, the node has no value there (a gap, `nil`), and the change read
    /// after the gap covers the whole gap (`sinceMs`) instead of being put in one interval. A
    /// node's total is the sum of its changes, so the intervals add up to it; a process that
    /// restarted (its counter fell) counts from 0 again.
    public static func details(first: Snapshot, samples: [Snapshot], last: Snapshot, groups: [ReplicaGroup], interval: Duration?,
                               nodesByEndpoint: [String: Set<Int64>] = [:]) -> NodeTrafficDetails {
        let readings = [first] + samples + [last]
        let ids = Set(readings.flatMap(\.nodes.keys)).sorted()
        let span = max((last.at - first.at).seconds, 0.001)
        let groupOf = Dictionary(groups.flatMap { g in g.nodeIDs.map { ($0, g.id) } }, uniquingKeysWith: { a, _ in a })
        let endpointOf = Dictionary(nodesByEndpoint.flatMap { e, ids in ids.map { ($0, e) } }, uniquingKeysWith: { a, _ in a })
        func ms(_ t: ContinuousClock.Instant) -> Double { (t - first.at).seconds * 1000 }

        // Walk the readings once per node: its changes, where its intervals span a gap, its gaps.
        struct Walk {
            var requests: [Int?] = [], led: [Int?] = [], cpu: [Double?] = [], since: [Double?] = []
            var total = Counters(requests: 0, led: 0, failures: 0, vectors: nil, cpuSeconds: nil, source: "")
            var cpuSpan = 0.0
            var gaps: [NodeTrafficDetails.Gap] = []
        }
        var walks: [Int64: Walk] = [:]
        for id in ids {
            var w = Walk()
            var good: (index: Int, counters: Counters)? = first.nodes[id].map { (0, $0) }
            var gapStart: Int?
            var reason: String?
            for j in 1..<readings.count {
                let b = readings[j]
                guard let now = b.nodes[id] else {
                    w.requests.append(nil); w.led.append(nil); w.cpu.append(nil); w.since.append(nil)
                    if gapStart == nil { gapStart = j }
                    if reason == nil, let e = endpointOf[id] { reason = b.unanswered[e] }
                    continue
                }
                let before = good?.counters
                let requests = change(before, now, .requests, sum: \.requestsSum), led = change(before, now, .led, sum: \.ledSum)
                w.requests.append(Int(requests))
                w.led.append(Int(led))
                w.total.requests += requests
                w.total.led += led
                w.total.failures += change(before, now, .failures, sum: \.failuresSum)
                if now.vectors != nil { w.total.vectors = (w.total.vectors ?? 0) + change(before, now, .vectors, sum: \.vectors) }
                // The node's own reading times: when its endpoint answered.
                let from = good.map { $0.counters.answeredAt ?? readings[$0.index].at } ?? b.at
                let to = now.answeredAt ?? b.at
                if let x = before?.cpuSeconds, let y = now.cpuSeconds, to > from {
                    w.total.cpuSeconds = (w.total.cpuSeconds ?? 0) + increase(x, y)
                    w.cpuSpan += (to - from).seconds
                    w.cpu.append(increase(x, y) / (to - from).seconds * 100)
                } else {
                    w.cpu.append(nil)
                }
                // The change covers more than this interval: it spans the gap before it.
                w.since.append(good.map { $0.index < j - 1 ? ms(from) : nil } ?? nil)
                w.total.source = now.source
                if let g = gapStart {
                    w.gaps.append(NodeTrafficDetails.Gap(nodeID: id, endpoint: endpointOf[id] ?? now.source, fromMs: ms(readings[g].at),
                                                         toMs: ms(to), lastReadMs: good.map { _ in ms(from) }, reason: reason, open: false))
                    gapStart = nil
                    reason = nil
                }
                good = (j, now)
            }
            if let g = gapStart {
                // The endpoint never answered again: the node's total stops at its last reading.
                w.gaps.append(NodeTrafficDetails.Gap(nodeID: id, endpoint: endpointOf[id] ?? w.total.source, fromMs: ms(readings[g].at),
                                                     toMs: ms(last.at), lastReadMs: good.map { ms($0.counters.answeredAt ?? readings[$0.index].at) }, reason: reason, open: true))
            }
            if w.total.source.isEmpty { w.total.source = first.nodes[id]?.source ?? endpointOf[id].map { "\($0)/metrics" } ?? "" }
            walks[id] = w
        }

        var nodes: [NodeTrafficDetails.Node] = []
        for id in ids {
            let w = walks[id]!
            let requests = Int(w.total.requests)
            nodes.append(NodeTrafficDetails.Node(nodeID: id, replicaID: groupOf[id], source: w.total.source, requests: requests,
                                                 led: Int(w.total.led), failures: Int(w.total.failures),
                                                 vectors: w.total.vectors.map { Int($0) },
                                                 sharePercent: 0, perSecond: Double(requests) / span,
                                                 cpuPercent: w.total.cpuSeconds.map { w.cpuSpan > 0 ? $0 / w.cpuSpan * 100 : 0 }, cpuPeakPercent: nil))
        }
        // A node that has not led a search yet has no `search_nq` series; where the deployment's
        // other nodes have one, such a node led no query vectors.
        if nodes.contains(where: { $0.vectors != nil }) {
            for i in nodes.indices where nodes[i].vectors == nil && nodes[i].led == 0 { nodes[i].vectors = 0 }
        }
        let total = nodes.reduce(0) { $0 + $1.requests }
        for i in nodes.indices { nodes[i].sharePercent = total > 0 ? Double(nodes[i].requests) / Double(total) * 100 : 0 }

        // Every interval between consecutive readings.
        var intervals: [NodeTrafficDetails.Interval] = []
        for j in 1..<readings.count {
            let (a, b) = (readings[j - 1], readings[j])
            let seconds = (b.at - a.at).seconds
            let since = ids.map { walks[$0]!.since[j - 1] }
            intervals.append(NodeTrafficDetails.Interval(atMs: ms(b.at), durationMs: max(seconds, 0) * 1000,
                                                         requests: ids.map { walks[$0]!.requests[j - 1] },
                                                         led: ids.map { walks[$0]!.led[j - 1] },
                                                         cpuPercent: ids.map { walks[$0]!.cpu[j - 1] },
                                                         sinceMs: since.contains { $0 != nil } ? since : nil))
        }
        for (i, id) in ids.enumerated() {
            nodes[i].cpuPeakPercent = walks[id]!.cpu.compactMap { $0 }.max()
        }

        let led = nodes.reduce(0) { $0 + $1.led }
        let groupRecords = groups.sorted { $0.id < $1.id }.map { g -> NodeTrafficDetails.Group in
            let searches = nodes.filter { g.nodeIDs.contains($0.nodeID) }.reduce(0) { $0 + $1.led }
            return NodeTrafficDetails.Group(replicaID: g.id, nodeIDs: g.nodeIDs.sorted(), searches: searches,
                                            sharePercent: led > 0 ? Double(searches) / Double(led) * 100 : 0)
        }
        func latency(_ path: KeyPath<Snapshot, BucketHistogram?>, _ source: String) -> ServerLatencyDetails? {
            guard let after = last[keyPath: path] else { return nil }
            return ServerLatency.record(BucketHistogram.increase(from: first[keyPath: path], to: after), source: source)
        }
        return NodeTrafficDetails(nodes: nodes, groups: groupRecords, intervals: intervals, gaps: ids.flatMap { walks[$0]!.gaps },
                                  proxyLatency: latency(\.proxyLatency, ServerLatency.proxyHistogram),
                                  leaderLatency: latency(\.leaderLatency, ServerLatency.nodeHistogram + " (OnLeader)"),
                                  intervalMs: (interval?.seconds ?? 0) * 1000, durationMs: span * 1000)
    }
}

extension NodeTrafficProbe.Counters {
    // The sums as optionals, for `NodeTrafficProbe.change`'s fallback.
    var requestsSum: Double? { requests }
    var ledSum: Double? { led }
    var failuresSum: Double? { failures }
}

extension NodeTrafficDetails {
    /// The nodes that hold the collection (members of its replica groups), or every node seen
    /// when the groups are unknown: imbalance is judged among them.
    public var holdingNodes: [Node] {
        let members = Set(groups.flatMap(\.nodeIDs))
        return members.isEmpty ? nodes : nodes.filter { members.contains($0.nodeID) }
    }

    /// max ÷ mean of the requests of the nodes holding the collection; nil without traffic.
    public var nodeShareImbalance: Double? {
        let counts = holdingNodes.map(\.requests)
        guard counts.reduce(0, +) > 0 else { return nil }
        return Balance.imbalance(counts)
    }

    /// One note per replica group that led none of the searches while another led some: with
    /// 2 or more groups that is the proxy's routing, not chance.
    public var idleReplicaGroupNotes: [StepNote] {
        let total = groups.reduce(0) { $0 + $1.searches }
        guard groups.count >= 2, total > 0 else { return [] }
        return groups.filter { $0.searches == 0 }.map {
            StepNote(.replicaGroupIdle, ["nodes": $0.nodeIDs.map(String.init).joined(separator: ", "),
                                         "searches": String(total), "groups": String(groups.count)])
        }
    }

    /// max ÷ mean of the searches each replica group led; nil without groups or traffic.
    public var replicaShareImbalance: Double? {
        let counts = groups.map(\.searches)
        guard !counts.isEmpty, counts.reduce(0, +) > 0 else { return nil }
        return Balance.imbalance(counts)
    }
}

extension Duration {
    public var seconds: Double { milliseconds / 1000 }
}

/// How evenly something is spread over nodes or groups.
public enum Balance {
    /// max ÷ mean; 1 is perfectly even (and so is nothing at all).
    public static func imbalance(_ values: [Int]) -> Double {
        guard !values.isEmpty else { return 1 }
        let mean = Double(values.reduce(0, +)) / Double(values.count)
        return mean > 0 ? Double(values.max()!) / mean : 1
    }
}
