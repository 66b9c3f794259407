import Foundation
import ScenarioRecord
import ScenarioSpec

/// The request loads' shared lines (searches and queries): queries, QPS and latency percentiles.
enum SearchLines {
    /// A search step's per-node traffic over time, when it was measured.
    static func trafficCharts(_ f: FlatStep, _ l: Labels) -> [Chart] {
        (f.step.traffic.flatMap { Charts.trafficChart(f.label, file: "traffic_\(f.fileSuffix).svg", $0, l) }.map { [$0] } ?? [])
            + [Charts.recallOverTime(f, l)].compactMap { $0 }
    }

    static func brief<S: StepSpec>(_ s: StepRecord, _ l: Labels, as kind: S.Type) -> String where S.Metrics: LoadLatencyMetrics {
        let m = s.metrics(of: kind)
        return "\(Format.number(m[\.load.queries])) \(l.pick("queries", "个查询")), \(Format.number(m[\.load.qps])) QPS, P99 \(Format.number(m[\.load.p99]))ms"
    }

    /// The summary line; `extra` follows the figures (a hot search's hot against cold).
    static func summary<S: StepSpec>(_ s: StepRecord, as kind: S.Type, extra: String = "") -> String where S.Metrics: LoadLatencyMetrics {
        let m = s.metrics(of: kind)
        var text = " \(Format.number(m[\.load.queries])) queries in \(Format.number((m[\.totalTime] ?? 0) / 1000)) s, \(Format.number(m[\.load.qps])) QPS, avg \(Format.number(m[\.load.avg])) ms, P50 \(Format.number(m[\.load.p50])) ms, P99 \(Format.number(m[\.load.p99])) ms"
        if let e = m[\.load.errors], e > 0 { text += ", \(Format.number(e)) errors" }
        // Search kinds only (the proxy's own latency); a query load records none.
        if let p50 = s.metrics[TrafficMetrics().serverP50.name], let p99 = s.metrics[TrafficMetrics().serverP99.name] {
            text += " (server P50 \(Format.number(p50)) ms, P99 \(Format.number(p99)) ms)"
        }
        text += extra
        // Why queries failed, in the server's words (the failure line of a failed step says it already).
        if s.failure == nil, let reasons = s.search?.errorReasons {
            for r in reasons { text += "\n    \(r.count) × \(r.code): \(r.reason)" }
        }
        return text
    }

    /// Which node served how much, under the step's summary line.
    /// The recall summary line, when the step measured it.
    static func recallLine(_ s: StepRecord) -> String {
        guard let r = s.recall, let mean = s.metrics["recall"] else { return "" }
        return "    recall@\(r.k): \(String(format: "%.3f", mean)) mean, \(String(format: "%.3f", s.metrics["recall.p5"] ?? 0)) P5, \(String(format: "%.3f", s.metrics["recall.min"] ?? 0)) min over \(r.queries) queries; exact neighbours over \(r.rows) rows " + (r.reused ? "(reused)" : String(format: "in %.1f s", r.groundTruthMs / 1000))
            + (r.hitsChecked.map { "; \($0) hits checked, \((r.resurrected ?? 0) + (r.wrongValues ?? 0) + (r.wrongScores ?? 0)) not what the collection holds" } ?? "") + "\n"
    }

    static func trafficLines(_ s: StepRecord) -> String {
        var out = recallLine(s)
        guard let t = s.traffic, !t.nodes.isEmpty else { return out }
        let groups = t.groups.map(\.replicaID)
        for n in t.nodes {
            let group = n.replicaID.flatMap { id in groups.firstIndex(of: id).map { " (group \($0 + 1))" } } ?? ""
            out += "    node \(n.nodeID)\(group): \(n.requests) requests (\(Format.number(n.sharePercent.rounded()))%), led \(n.led)"
                + (n.vectors.map { $0 != n.led ? ", \($0) query vectors" : "" } ?? "") + (n.cpuPercent.map { ", CPU \(Format.number($0.rounded()))%" } ?? "") + (n.failures > 0 ? ", \(n.failures) failed" : "")
                + (t.gaps ?? []).filter { $0.nodeID == n.nodeID }.map { g in
                    ", metrics did not answer " + String(format: "%.1f–%.1f s", g.fromMs / 1000, g.toMs / 1000) + (g.open ? " (to the end: totals incomplete)" : "")
                }.joined() + "\n"
        }
        if t.groups.count > 1 {
            out += "    replica groups: " + t.groups.enumerated().map { "\($0.offset + 1): \($0.element.searches) searches (\(Format.number($0.element.sharePercent.rounded()))%)" }.joined(separator: ", ") + "\n"
        }
        return out
    }

    /// The failures of a search step for a table note: the reasons with counts when the record
    /// has them, else the counts by code; then the first failure's full message.
    static func errorNote(_ d: SearchDetails, _ l: Labels) -> String? {
        if let reasons = d.errorReasons, !reasons.isEmpty {
            var text = reasons.map { "\($0.count) × \($0.code): \($0.reason)" }.joined(separator: "; ")
            if reasons.count > 1, let first = d.firstError { text += l.pick(" — first failure: ", " — 首个失败: ") + first }
            return text
        }
        guard !d.errorsByCode.isEmpty else { return nil }
        return d.errorsByCode.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }.joined(separator: "; ")
    }
}

/// `concurrentSearch`: the document's query-performance table (查询性能).
struct ConcurrentSearchReporter: StepReporter {
    typealias Spec = ConcurrentSearchStep
    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        let m = s.metrics(of: Spec.self)
        guard let pages = m[\.pages] else { return SearchLines.brief(s, l, as: Spec.self) }
        return SearchLines.brief(s, l, as: Spec.self)
            + l.pick(", \(Format.number(Double(pages))) pages, \(Format.number(m[\.rowsPerQuery])) rows each",
                     ", \(Format.number(Double(pages))) 页，每次 \(Format.number(m[\.rowsPerQuery])) 行")
    }
    static func summary(_ s: StepRecord) -> String {
        let m = s.metrics(of: Spec.self)
        guard let pages = m[\.pages] else { return SearchLines.summary(s, as: Spec.self) }
        return SearchLines.summary(s, as: Spec.self, extra: ", iterator: \(Format.number(Double(pages))) pages at \(Format.number(m[\.pagesPerSecond])) pages/s, \(Format.number(m[\.rowsPerQuery])) rows per query")
    }
    static func summaryDetails(_ s: StepRecord) -> String { SearchLines.trafficLines(s) }
    /// The traffic tables cover every search step (this kind's, hotSearch's and sweep rows').
    static func tables(_ b: TableBuilder) -> [ReportTable] { [b.queryPerformance, b.recall, b.nodeTraffic, b.replicaTraffic] }

    static func charts(_ f: FlatStep, _ l: Labels) -> [Chart] { SearchLines.trafficCharts(f, l) }
}

/// `query`: scalar queries, in the query-performance table beside the searches.
struct QueryReporter: StepReporter {
    typealias Spec = QueryStep

    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        let rows = s.metrics(of: Spec.self)[\.rowsPerQuery]
        return SearchLines.brief(s, l, as: Spec.self) + l.pick(", \(Format.number(rows)) rows each", ", 每个 \(Format.number(rows)) 行")
    }

    static func summary(_ s: StepRecord) -> String {
        SearchLines.summary(s, as: Spec.self, extra: ", \(Format.number(s.metrics(of: Spec.self)[\.rowsPerQuery])) rows per query")
    }

    static func summaryDetails(_ s: StepRecord) -> String {
        guard let a = (s.details as? QueryStepDetails)?.answers else { return "" }
        return "    verify: \(a.queries) answers checked, \(a.rows) rows: \(a.wrongRows) wrong rows, \(a.missingRows) missing, \(a.extraRows) extra, \(a.wrongValues) wrong values"
            + (a.staleRows + a.indeterminateRows > 0 ? " (\(a.staleRows) stale, \(a.indeterminateRows) indeterminate)" : "") + "\n"
    }

    /// Every step's checked answers (queries' `verify`, searches' recall hits).
    static func tables(_ b: TableBuilder) -> [ReportTable] { [b.answers, b.wrongAnswers] }
}

/// `hybridSearch`: fused searches over several fields, in the query-performance table.
struct HybridSearchReporter: StepReporter {
    typealias Spec = HybridSearchStep

    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        let hits = s.metrics(of: Spec.self)[\.hitsPerQuery]
        return SearchLines.brief(s, l, as: Spec.self) + l.pick(", \(Format.number(hits)) hits each", ", 每个 \(Format.number(hits)) 条结果")
    }

    static func summary(_ s: StepRecord) -> String {
        SearchLines.summary(s, as: Spec.self, extra: ", \(Format.number(s.metrics(of: Spec.self)[\.hitsPerQuery])) hits per query")
    }
}

/// `hotSearch`: hot against cold queries (热点查询性能).
struct HotSearchReporter: StepReporter {
    typealias Spec = HotSearchStep
    static func brief(_ s: StepRecord, _ l: Labels) -> String { SearchLines.brief(s, l, as: Spec.self) }
    static func summary(_ s: StepRecord) -> String {
        let m = s.metrics(of: Spec.self)
        var hotCold = ""
        if let h = m[\.hotAvg], let c = m[\.coldAvg] { hotCold = "; hot avg \(Format.number(h)) ms vs cold \(Format.number(c)) ms" }
        return SearchLines.summary(s, as: Spec.self, extra: hotCold)
    }
    static func summaryDetails(_ s: StepRecord) -> String { SearchLines.trafficLines(s) }
    static func tables(_ b: TableBuilder) -> [ReportTable] { [b.hotQueries] }

    static func charts(_ f: FlatStep, _ l: Labels) -> [Chart] { SearchLines.trafficCharts(f, l) }
}

extension TableBuilder {
    var queryPerformance: ReportTable {
        // Searches and scalar queries: both record the same percentiles (`LoadMetrics`), by the
        // same names, so the rows read them alike.
        let searches = record.flatSteps.filter { StepKinds.type(named: $0.step.kind)?.recordsLatencyPercentiles == true && $0.step.search != nil }
        let withRecall = searches.contains { $0.step.recall != nil }
        let rows = searches.map { f -> [ReportTable.Cell] in
            let s = f.step, m = s.metrics(of: ConcurrentSearchStep.self), d = s.search!
            let loadText: String
            if let rate = d.targetRate {
                loadText = l.pick("open loop \(Format.number(rate))/s", "开环 \(Format.number(rate))/秒")
            } else {
                loadText = l.pick("concurrency \(d.concurrency)", "并发度 \(d.concurrency)")
            }
            let errors = m[\.load.errors] ?? 0
            return [.init(s.id + (f.row.map { " (\($0))" } ?? ""), raw: s.id), .init(f.row ?? "", raw: f.row ?? ""),
                    .init(loadText, raw: d.targetRate.map { "open:\(Format.raw($0))" } ?? "closed:\(d.concurrency)"),
                    Format.plain(m[\.load.queries]), Format.seconds(fromMs: m[\.totalTime]), Format.plain(m[\.load.qps]),
                    Format.ms(m[\.load.avg]), Format.ms(m[\.load.p50]), Format.ms(m[\.load.p95]), Format.ms(m[\.load.p99]), Format.ms(m[\.load.p999]), Format.ms(m[\.load.max]),
                    Format.msOrBlank(m[\.traffic.serverP50]), Format.msOrBlank(m[\.traffic.serverP99]),
                    .init(errors == 0 ? "0" : "\(Format.number(errors)) (\(Format.number(m[\.load.errorRate]))%)", raw: Format.raw(errors))]
                + (withRecall ? [Format.recall(m[\.quality.recall])] : [])
        }
        var table = ReportTable(id: "query_performance", title: l.queryPerformance,
                                columns: [.init(id: "step", header: l.step), .init(id: "sweep_row", header: "", csvOnly: true), .init(id: "load", header: l.load),
                                          .init(id: "queries", header: l.queries, alignRight: true),
                                          .init(id: "total_time_s", header: l.totalTime, alignRight: true), .init(id: "qps", header: l.qps + (l.zh ? " (QPS)" : ""), alignRight: true),
                                          .init(id: "avg_ms", header: l.avg, alignRight: true), .init(id: "p50_ms", header: l.p50, alignRight: true),
                                          .init(id: "p95_ms", header: l.p95, alignRight: true), .init(id: "p99_ms", header: l.p99, alignRight: true),
                                          .init(id: "p999_ms", header: l.p999, alignRight: true), .init(id: "max_ms", header: l.max, alignRight: true),
                                          .init(id: "server_p50_ms", header: l.serverP50, alignRight: true), .init(id: "server_p99_ms", header: l.serverP99, alignRight: true),
                                          .init(id: "errors", header: l.errors, alignRight: true)]
                                    + (withRecall ? [.init(id: "recall", header: l.recall, alignRight: true)] : []),
                                rows: rows)
        if searches.contains(where: { $0.step.search?.targetRate != nil }) {
            table.notes.append(l.pick("Open-loop latency is measured from each query's intended start, so a stalled server shows in the percentiles.",
                                      "开环负载的延迟从每个查询的计划发送时间算起，服务器卡顿会体现在百分位延迟中。"))
        }
        if searches.contains(where: { $0.step.traffic?.proxyLatency != nil }) {
            table.notes.append(l.pick("Server P50/P99: the proxy's own search latency (milvus_proxy_sq_latency) over the same queries, interpolated within its power-of-two buckets (so exact only to the bucket: 8–16 ms, 16–32 ms …); the rest of the client's latency is network, gRPC and the client.",
                                      "服务端 P50/P99：代理自身记录的同一批查询的延迟（milvus_proxy_sq_latency），在其按 2 的幂划分的区间内插值（精度只到区间：8–16 ms、16–32 ms……）；客户端延迟的其余部分来自网络、gRPC 和客户端。"))
        }
        for f in searches {
            if let note = SearchLines.errorNote(f.step.search!, l) { table.notes.append("\(f.step.id): " + note) }
        }
        return table
    }

    var hotQueries: ReportTable {
        let hot = record.flatSteps.filter { $0.step.kind == HotSearchStep.kind }
        let rows = hot.map { f -> [ReportTable.Cell] in
            let m = f.step.metrics(of: HotSearchStep.self)
            return [.init(f.step.id), Format.plain(m[\.load.queries]), Format.plain(m[\.load.qps]), Format.ms(m[\.load.avg]), Format.ms(m[\.load.p99]),
                    Format.ms(m[\.hotAvg]), Format.ms(m[\.coldAvg]), Format.ratio(m[\.hotSpeedup])]
        }
        var table = ReportTable(id: "hot_queries", title: l.hotQueries,
                                columns: [.init(id: "step", header: l.step), .init(id: "queries", header: l.queries, alignRight: true),
                                          .init(id: "qps", header: l.qps + (l.zh ? " (QPS)" : ""), alignRight: true), .init(id: "avg_ms", header: l.avg, alignRight: true),
                                          .init(id: "p99_ms", header: l.p99, alignRight: true), .init(id: "hot_avg_ms", header: l.hotAvg, alignRight: true),
                                          .init(id: "cold_avg_ms", header: l.coldAvg, alignRight: true), .init(id: "hot_speedup", header: l.hotCold, alignRight: true)],
                                rows: rows)
        for f in hot {
            if let r = f.step.metrics(of: HotSearchStep.self)[\.hotSpeedup] {
                table.notes.append(r > 1.1
                    ? l.pick("\(f.step.id): hot queries were \(String(format: "%.2f", r))× as fast as cold ones.",
                             "\(f.step.id)：热点查询比普通查询快 \(String(format: "%.2f", r)) 倍。")
                    : l.pick("\(f.step.id): hot queries were not measurably faster than cold ones (cold ÷ hot = \(String(format: "%.2f", r))); the document's claim that they are did not hold here.",
                             "\(f.step.id)：热点查询并未明显快于普通查询（普通 ÷ 热点 = \(String(format: "%.2f", r))），文档中“热点查询更快”的结论在此未成立。"))
            }
            if let d = f.step.search, let note = SearchLines.errorNote(d, l) { table.notes.append("\(f.step.id): " + note) }
        }
        return table
    }
}

extension StepRecord {
    /// A `hotSearch`'s hot and cold latencies (nil for a step of another kind).
    var hot: HotSearchDetails? { details(of: HotSearchStep.self)?.hot }
}

/// The words only the search kinds tables use, in English and Chinese.
extension Labels {
    var queryPerformance: String { pick("Query performance", "查询性能统计") }
    var hotQueries: String { pick("Hot-query performance", "热点查询性能") }
    var hotAvg: String { pick("Hot avg", "热点平均延迟") }
    var coldAvg: String { pick("Cold avg", "普通平均延迟") }
    var hotCold: String { pick("Speed-up (cold ÷ hot)", "加速比 (普通 ÷ 热点)") }
}
