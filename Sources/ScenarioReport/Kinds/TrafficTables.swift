import Foundation
import ScenarioRecord
import ScenarioSpec

/// Which query node served how much of every search step (concurrentSearch, hotSearch, sweep
/// rows), from the nodes' own request counters: the node table, the replica-group table, and
/// the per-node request-rate chart.
extension TableBuilder {
    var searchesWithTraffic: [FlatStep] { record.flatSteps.filter { $0.step.traffic != nil } }

    var nodeTraffic: ReportTable {
        var rows: [[ReportTable.Cell]] = []
        for f in searchesWithTraffic {
            let t = f.step.traffic!
            let groups = t.groups.map(\.replicaID)
            for n in t.nodes {
                let group = n.replicaID.flatMap { id in groups.firstIndex(of: id).map { $0 + 1 } }
                rows.append([.init(f.label, raw: f.step.id), .init(f.row ?? "", raw: f.row ?? ""),
                             .init(l.nodeName(n.nodeID), raw: String(n.nodeID)),
                             .init(group.map(String.init) ?? "—", raw: n.replicaID.map(String.init) ?? ""),
                             Format.plain(Double(n.requests)), Format.percent((n.sharePercent * 10).rounded() / 10),
                             Format.plain((n.perSecond * 10).rounded() / 10), Format.plain(Double(n.led)), Format.plain(n.vectors.map(Double.init)), Format.plain(Double(n.failures)),
                             Format.percent(n.cpuPercent.map { $0.rounded() }), Format.percent(n.cpuPeakPercent.map { $0.rounded() })])
            }
        }
        var table = ReportTable(id: "node_traffic", title: l.nodeTraffic,
                                columns: [.init(id: "step", header: l.step), .init(id: "sweep_row", header: "", csvOnly: true),
                                          .init(id: "node", header: l.node), .init(id: "replica_group", header: l.replicaGroup),
                                          .init(id: "requests", header: l.requests, alignRight: true), .init(id: "share_percent", header: l.share, alignRight: true),
                                          .init(id: "requests_per_second", header: l.requestsPerSecond, alignRight: true),
                                          .init(id: "led", header: l.led, alignRight: true), .init(id: "vectors", header: l.vectors, alignRight: true), .init(id: "failures", header: l.errors, alignRight: true),
                                          .init(id: "cpu_percent", header: l.cpuDuringLoad, alignRight: true), .init(id: "cpu_peak_percent", header: l.cpuPeak, alignRight: true)],
                                rows: rows)
        guard !rows.isEmpty else { return table }
        table.notes.append(l.pick(
            "From each query node's own counters (milvus_querynode_sq_req_count, search), differenced over the measured queries: requests are the searches a node ran on its segments for a shard leader; \"led\" counts the searches the proxy sent to the node as shard leader, which picks the replica group, and vectors the query vectors in them (milvus_querynode_search_nq, observed on the leader; more than led when a search sends several vectors). CPU is the node process's, averaged over the queries and at its busiest second.",
            "取自各查询节点自身的计数器（milvus_querynode_sq_req_count，search），按测量查询期间的增量计算：查询数为节点在自身 Segment 上为分片主节点执行的查询；“作为分片主节点”为代理发给该节点的查询数，即代理所选的副本组，向量数为其中的查询向量数（milvus_querynode_search_nq，在分片主节点上统计；一次查询带多个向量时大于该数）。CPU 为节点进程的 CPU，取查询期间平均值和最忙一秒的值。"))
        for f in searchesWithTraffic {
            let m = f.step.metrics
            guard let node = m[ConcurrentSearchStep.metric(\.traffic.nodeShareImbalance)] else { continue }
            let name = f.label
            var line = l.pick("\(name): busiest node ÷ mean \(String(format: "%.2f", node))", "\(name)：最忙节点 ÷ 平均 \(String(format: "%.2f", node))")
            if let replica = m[ConcurrentSearchStep.metric(\.traffic.replicaShareImbalance)], f.step.traffic!.groups.count > 1 {
                line += l.pick(", busiest replica group ÷ mean \(String(format: "%.2f", replica))", "，最忙副本组 ÷ 平均 \(String(format: "%.2f", replica))")
            }
            table.notes.append(line + gapVerdict(f.step.traffic!) + ".")
        }
        return table
    }

    /// What a step's traffic verdict rests on when a node's metrics did not answer throughout.
    func gapVerdict(_ t: NodeTrafficDetails) -> String {
        let gaps = t.gaps ?? []
        guard !gaps.isEmpty else { return "" }
        let open = gaps.filter(\.open)
        if !open.isEmpty {
            let which = open.map { "\(l.nodeName($0.nodeID)) (\(Format.number((($0.lastReadMs ?? 0) / 100).rounded() / 10)) s)" }.joined(separator: ", ")
            return l.pick(" — on incomplete data: the counters of \(which) stop at their last reading", " — 数据不完整：\(which) 的计数止于最后一次读数")
        }
        let which = Set(gaps.map(\.nodeID)).sorted().map { l.nodeName($0) }.joined(separator: ", ")
        let seconds = Format.number((gaps.map { $0.toMs - $0.fromMs }.reduce(0, +) / 100).rounded() / 10)
        return l.pick(" (the metrics of \(which) did not answer for \(seconds) s in all; the totals are complete, the per-second values across the gap are spread over it)",
                      "（\(which) 的指标共 \(seconds) 秒没有应答；总数完整，跨越空缺的每秒值按空缺均摊）")
    }

    var replicaTraffic: ReportTable {
        var rows: [[ReportTable.Cell]] = []
        for f in searchesWithTraffic {
            for (i, g) in f.step.traffic!.groups.enumerated() {
                rows.append([.init(f.label, raw: f.step.id), .init(f.row ?? "", raw: f.row ?? ""),
                             .init(String(i + 1), raw: String(g.replicaID)),
                             .init(g.nodeIDs.map { String($0) }.joined(separator: ", "), raw: g.nodeIDs.map { String($0) }.joined(separator: " ")),
                             Format.plain(Double(g.searches)), Format.percent((g.sharePercent * 10).rounded() / 10)])
            }
        }
        return ReportTable(id: "replica_traffic", title: l.replicaTraffic,
                           columns: [.init(id: "step", header: l.step), .init(id: "sweep_row", header: "", csvOnly: true),
                                     .init(id: "replica_group", header: l.replicaGroup), .init(id: "nodes", header: l.nodes),
                                     .init(id: "searches", header: l.searches, alignRight: true), .init(id: "share_percent", header: l.share, alignRight: true)],
                           rows: rows)
    }
}

extension NodeTrafficDetails {
    /// Node `i`'s requests per second in interval `k`, and whether the value is spread: a change
    /// read after a gap is spread evenly over the span it covers (the gap's intervals get that
    /// rate too). nil where nothing is known (an open gap, or no reading at all).
    func requestRate(node i: Int, interval k: Int) -> (rate: Double, spread: Bool)? {
        let iv = intervals[k]
        if i < iv.requests.count, let v = iv.requests[i] {
            let start = iv.startMs(of: i)
            return (Double(v) / max((iv.atMs - start) / 1000, 0.001), start < iv.atMs - iv.durationMs - 0.5)
        }
        // In a gap: the first later value whose span covers this interval.
        for later in intervals[(k + 1)...] where i < later.requests.count {
            guard let v = later.requests[i] else { continue }
            let start = later.startMs(of: i)
            guard start <= iv.atMs - iv.durationMs + 0.5 else { return nil }
            return (Double(v) / max((later.atMs - start) / 1000, 0.001), true)
        }
        return nil
    }

    /// "node 4 29% · node 5 42% · node 7 29%", for a comparison row.
    func nodeShares(_ l: Labels) -> String {
        nodes.map { "\(l.nodeName($0.nodeID)) \(Format.number(($0.sharePercent).rounded()))%" }.joined(separator: " · ")
    }

    /// "59% / 41%" in replica-group order; empty without groups.
    var groupShares: String {
        groups.map { "\(Format.number($0.sharePercent.rounded()))%" }.joined(separator: " / ")
    }
}

extension Charts {
    /// Requests per second on each query node over a search step, stacked: who served the load,
    /// second by second.
    static func trafficChart(_ name: String, file: String, _ t: NodeTrafficDetails, _ l: Labels) -> Chart? {
        guard !t.intervals.isEmpty, !t.nodes.isEmpty else { return nil }
        let title = "\(l.nodeTraffic) (\(name))"
        let width = 760.0, height = 340.0
        let x0 = 70.0, y0 = 56.0, w = 470.0, h = 220.0
        // A change read after a metrics gap is spread over the gap and drawn paler.
        let rates = t.intervals.indices.map { k in t.nodes.indices.map { t.requestRate(node: $0, interval: k) } }
        let top = nice(rates.map { $0.reduce(0) { $0 + ($1?.rate ?? 0) } }.max() ?? 1)
        var svg = header(width: width, height: height, title: title)
        for (i, v) in ticks(top).enumerated() {
            let yy = y0 + h - h * v / top
            svg += line(x0, yy, x0 + w, yy, stroke: i == 0 ? "#999" : "#e0e0e0")
            svg += text(Format.number(v), x: x0 - 6, y: yy + 4, anchor: "end", size: 11)
        }
        svg += text(l.requestsPerSecond, x: 18, y: y0 + h / 2, anchor: "middle", size: 11, rotate: true)
        let total = max(t.intervals.last!.atMs, 1)
        var start = 0.0
        for (k, iv) in t.intervals.enumerated() {
            let xa = x0 + w * start / total, xb = x0 + w * iv.atMs / total
            var base = y0 + h
            for (i, value) in rates[k].enumerated() {
                guard let value, value.rate > 0 else { continue }
                let bh = h * value.rate / top
                svg += "<rect x=\"\(r(xa + 1))\" y=\"\(r(base - bh))\" width=\"\(r(Swift.max(1, xb - xa - 2)))\" height=\"\(r(bh))\" fill=\"\(palette[i % palette.count])\""
                    + (value.spread ? " fill-opacity=\"0.4\"" : "") + "/>\n"
                base -= bh
            }
            start = iv.atMs
        }
        svg += text(l.pick("seconds into the measured queries", "测量查询开始后的秒数"), x: x0 + w / 2, y: y0 + h + 34, anchor: "middle", size: 11)
        for s in stride(from: 0.0, through: total / 1000, by: Swift.max(1, (total / 1000 / 6).rounded(.up))) {
            svg += text(Format.number(s), x: x0 + w * s * 1000 / total, y: y0 + h + 16, anchor: "middle", size: 11)
        }
        // Legend: node, share, replica group.
        let groups = t.groups.map(\.replicaID)
        for (i, n) in t.nodes.enumerated() {
            let y = y0 + 8 + Double(i) * 20
            svg += "<rect x=\"\(r(x0 + w + 20))\" y=\"\(r(y - 10))\" width=\"12\" height=\"12\" fill=\"\(palette[i % palette.count])\"/>\n"
            let group = n.replicaID.flatMap { id in groups.firstIndex(of: id).map { $0 + 1 } }
            let label = "\(l.nodeName(n.nodeID)) \(Format.number(n.sharePercent.rounded()))%" + (group.map { l.pick(" (group \($0))", "（副本组 \($0)）") } ?? "")
            svg += text(fit(label, width: width - (x0 + w + 38) - 4, size: 11), x: x0 + w + 38, y: y, anchor: "start", size: 11)
        }
        svg += "</svg>\n"
        return Chart(file: file, title: title, svg: svg)
    }
}

/// The words only the per-node traffic tables use, in English and Chinese.
extension Labels {
    var nodeTraffic: String { pick("Node load during searches (traffic)", "节点负载分布 — 查询期间") }
    var replicaTraffic: String { pick("Searches per replica group", "各副本组查询分布") }
    var requestsPerSecond: String { pick("Requests/s", "每秒查询数") }
    var led: String { pick("Led as shard leader", "作为分片主节点") }
    var vectors: String { pick("Query vectors", "查询向量数") }
    var cpuPeak: String { pick("CPU peak", "CPU 峰值") }
    func nodeName(_ id: Int64) -> String { pick("node \(id)", "节点 \(id)") }
}
