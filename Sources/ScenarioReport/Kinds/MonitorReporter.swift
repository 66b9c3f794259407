import Foundation
import ScenarioRecord
import ScenarioSpec

/// `monitor`: per-node load and balance (节点负载分布).
struct MonitorReporter: StepReporter {
    typealias Spec = MonitorStep

    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        let m = s.metrics(of: MonitorStep.self)
        return l.pick("\(Format.number(m[\.nodes])) query node\(m[\.nodes] == 1 ? "" : "s")", "\(Format.number(m[\.nodes])) 个查询节点")
    }

    static func summaryDetails(_ s: StepRecord) -> String {
        guard let m = s.monitor else { return "" }
        var out = ""
        for n in m.nodes {
            out += "    node \(n.nodeID) \(n.name)\(n.replicaID.map { " (replica \($0))" } ?? ""): \(n.memoryMB.map { String(format: "%.0f MB", $0) } ?? "memory ?"), \(n.cpuPercent.map { String(format: "CPU %.0f%%", $0) } ?? "CPU ?"), \(n.segments) segments, \(n.rows) rows\n"
        }
        if let rs = m.replicaSegmentImbalance, let rr = m.replicaRowImbalance {
            out += "    balance within replica groups: segments \(String(format: "%.2f", rs)), rows \(String(format: "%.2f", rr)); across nodes: segments \(String(format: "%.2f", m.segmentImbalance)), rows \(String(format: "%.2f", m.rowImbalance)) (max ÷ mean) — \(m.balanced ? "balanced" : "unbalanced")\n"
        } else {
            out += "    balance: segments \(String(format: "%.2f", m.segmentImbalance)), rows \(String(format: "%.2f", m.rowImbalance)) (max ÷ mean) — \(m.balanced ? "balanced" : "unbalanced")\n"
        }
        return out
    }

    static func tables(_ b: TableBuilder) -> [ReportTable] { [b.nodeLoad, b.balance] }

    static func charts(_ f: FlatStep, _ l: Labels) -> [Chart] {
        guard let m = f.step.monitor, !m.nodes.isEmpty else { return [] }
        return [Charts.nodeChart(f.step.id, m, l)]
    }
}

extension TableBuilder {
    var nodeLoad: ReportTable {
        // Placement says where the data is; the search step that ran just before a monitor step
        // says who served the queries: its per-node traffic joins the node's row.
        let traffic = !searchesWithTraffic.isEmpty
        let searchBefore = searchBeforeEachMonitor
        var rows: [[ReportTable.Cell]] = []
        for (k, f) in record.flatSteps.enumerated() {
            guard let m = f.step.monitor else { continue }
            // Replica ids are 18-digit numbers: people see 1, 2, … (in id order), the CSV keeps the id.
            let groups = Array(Set(m.nodes.compactMap(\.replicaID))).sorted()
            let search = searchBefore[k]
            for n in m.nodes {
                let group = n.replicaID.flatMap { id in groups.firstIndex(of: id).map { $0 + 1 } }
                var row: [ReportTable.Cell] = [
                    .init(f.step.id), .init("\(n.name) (\(n.nodeID))", raw: String(n.nodeID)),
                    .init(group.map(String.init) ?? "—", raw: n.replicaID.map(String.init) ?? ""),
                    Format.plain(n.memoryMB.map { ($0 * 10).rounded() / 10 }), Format.percent(n.memoryPercent.map { ($0 * 100).rounded() / 100 }),
                    Format.plain(Double(n.segments)), Format.plain(Double(n.rows)), Format.percent(n.cpuPercent.map { $0.rounded() })]
                if traffic {
                    let served = search?.step.traffic?.nodes.first { $0.nodeID == n.nodeID }
                    row += [.init(search.map(\.label) ?? "—", raw: search?.step.id ?? ""),
                            Format.plain(served.map { Double($0.requests) }), Format.percent(served.map { ($0.sharePercent * 10).rounded() / 10 }),
                            Format.percent(served?.cpuPercent.map { $0.rounded() })]
                }
                rows.append(row)
            }
        }
        var columns: [ReportTable.Column] = [
            .init(id: "step", header: l.step), .init(id: "node", header: l.node), .init(id: "replica_group", header: l.replicaGroup),
            .init(id: "memory_mb", header: l.memory, alignRight: true), .init(id: "memory_percent", header: l.memoryPercent, alignRight: true),
            .init(id: "segments", header: l.segments, alignRight: true), .init(id: "rows", header: l.rows, alignRight: true),
            .init(id: "cpu_percent", header: l.cpu, alignRight: true)]
        if traffic {
            columns += [.init(id: "search_step", header: l.searchStep), .init(id: "requests", header: l.requests, alignRight: true),
                        .init(id: "share_percent", header: l.share, alignRight: true),
                        .init(id: "cpu_during_load_percent", header: l.cpuDuringLoad, alignRight: true)]
        }
        var table = ReportTable(id: "node_load", title: l.nodeLoad, columns: columns, rows: rows)
        if traffic {
            table.notes.append(l.pick(
                "Memory, segments, rows and CPU: sampled by the monitor step, when no searches run. Search step, requests, share and CPU during load: the search step that ran just before the monitor step, from each node's own counters (see the traffic table below).",
                "内存、Segment、行数和 CPU：监控步骤采样时的值（此时无查询）。查询步骤、查询数、查询占比和负载期间CPU：该监控步骤之前刚运行的查询步骤，取自各节点自身的计数器（详见下方查询期间表）。"))
        }
        return table
    }

    /// For each monitor step (by index in `flatSteps`), the search step with traffic that ran
    /// after the previous monitor step and before it, if any.
    var searchBeforeEachMonitor: [Int: FlatStep] {
        var out: [Int: FlatStep] = [:]
        var last: FlatStep?
        for (k, f) in record.flatSteps.enumerated() {
            if f.step.traffic != nil { last = f }
            if f.step.monitor != nil {
                out[k] = last
                last = nil
            }
        }
        return out
    }

    var balance: ReportTable {
        var rows: [[ReportTable.Cell]] = []
        for f in record.flatSteps {
            guard let m = f.step.monitor else { continue }
            let within = m.replicaSegmentImbalance.map { s in "\(String(format: "%.2f", s)) / \(String(format: "%.2f", m.replicaRowImbalance ?? s))" }
            rows.append([.init(f.step.id), .init(within ?? "—", raw: within.map { _ in Format.raw(m.replicaSegmentImbalance) } ?? ""),
                         .init("\(String(format: "%.2f", m.segmentImbalance)) / \(String(format: "%.2f", m.rowImbalance))", raw: Format.raw(m.segmentImbalance)),
                         .init(m.balanced ? l.balanced : l.unbalanced, raw: m.balanced ? "balanced" : "unbalanced")])
        }
        var table = ReportTable(id: "balance", title: l.balance,
                                columns: [.init(id: "step", header: l.step), .init(id: "replica_segment_imbalance", header: l.withinReplicas, alignRight: true),
                                          .init(id: "segment_imbalance", header: l.acrossNodes, alignRight: true), .init(id: "verdict", header: l.verdict)],
                                rows: rows)
        table.notes.append(l.pick("Most on one node ÷ mean per node; 1.00 is perfectly even, up to 1.20 counts as balanced. Milvus balances segments among the nodes of each replica group.",
                                  "单节点最大值 ÷ 节点平均值；1.00 为完全均衡，不超过 1.20 视为均衡。Milvus 在每个副本组内部的节点之间均衡 Segment。"))
        let differ = record.flatSteps.contains { f in f.step.monitor.map { m in m.replicaSegmentImbalance.map { abs($0 - m.segmentImbalance) > 0.01 } ?? false } ?? false }
        if differ {
            table.notes.append(l.pick("Across all nodes the ratio can be uneven by design: replica groups of different sizes (e.g. 2 replicas on 3 nodes) give the smaller group's nodes more rows each.",
                                      "跨所有节点看，比值可能天然不均：副本组大小不同时（例如 3 个节点上的 2 个副本），较小副本组的节点各自承载更多数据。"))
        }
        return table
    }
}

extension StepRecord {
    /// A `monitor` step's nodes (nil for a step of another kind).
    var monitor: MonitorDetails? { details(of: MonitorStep.self)?.monitor }
}

/// The words only the `monitor` tables use, in English and Chinese.
extension Labels {
    var balance: String { pick("Balance", "负载均衡") }
    var withinReplicas: String { pick("Within replica groups (segments / rows)", "副本组内 (Segment / 行)") }
    var acrossNodes: String { pick("Across nodes (segments / rows)", "跨节点 (Segment / 行)") }
    var balanced: String { pick("balanced", "均衡") }
    var unbalanced: String { pick("unbalanced", "不均衡") }
    var searchStep: String { pick("Search step", "查询步骤") }
}
