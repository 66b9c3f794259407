import Foundation
import ScenarioRecord

/// One table of a report: the Markdown report shows it, the CSV writer writes it as
/// `<id>.csv`. Both render from this one model, so they can never disagree.
struct ReportTable: Sendable {
    struct Column: Sendable {
        /// Stable English column id (the CSV header).
        var id: String
        /// Localized heading (Markdown).
        var header: String
        var alignRight = false
        /// Only in the CSV (the Markdown shows the same fact another way).
        var csvOnly = false
    }

    /// A value: `text` for people (with its unit), `raw` for machines (plain number or text).
    struct Cell: Sendable {
        var text: String
        var raw: String
        init(_ text: String, raw: String? = nil) {
            self.text = text
            self.raw = raw ?? text
        }
    }

    var id: String
    var title: String
    var columns: [Column]
    var rows: [[Cell]]
    /// Lines shown under the table in Markdown (explanations, verdicts).
    var notes: [String] = []
}

/// Number formats shared by every writer.
enum Format {
    /// 3 significant figures, like the document's "23.5ms"; integers stay integers.
    static func number(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "—" }
        if v == v.rounded(), abs(v) < 1e15 { return Int(v).formatted(.number.grouping(.never)) }
        let a = abs(v)
        if a >= 100 { return String(format: "%.0f", v) }
        if a >= 10 { return String(format: "%.1f", v) }
        if a >= 1 { return String(format: "%.2f", v) }
        return String(format: "%.3g", v)
    }

    /// Machine form: up to 6 decimals, no grouping, no unit.
    static func raw(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
        var s = String(format: "%.6f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    static func ms(_ v: Double?) -> ReportTable.Cell { ReportTable.Cell(v == nil ? "—" : number(v) + "ms", raw: raw(v)) }
    static func seconds(fromMs v: Double?) -> ReportTable.Cell {
        ReportTable.Cell(v.map { String(format: "%.2fs", $0 / 1000) } ?? "—", raw: raw(v.map { $0 / 1000 }))
    }
    static func plain(_ v: Double?) -> ReportTable.Cell { ReportTable.Cell(number(v), raw: raw(v)) }
    static func percent(_ v: Double?) -> ReportTable.Cell { ReportTable.Cell(v == nil ? "—" : number(v) + "%", raw: raw(v)) }
    static func ratio(_ v: Double?) -> ReportTable.Cell { ReportTable.Cell(v.map { String(format: "%.2f", $0) } ?? "—", raw: raw(v)) }
    /// yes / no in the report's language, 1 / 0 in the CSV, "—" when unknown.
    static func yesNo(_ b: Bool?, _ l: Labels) -> ReportTable.Cell {
        ReportTable.Cell(b.map { $0 ? l.yes : l.no } ?? "—", raw: b.map { $0 ? "1" : "0" } ?? "")
    }
    static func speedup(_ v: Double?) -> ReportTable.Cell { ReportTable.Cell(v.map { String(format: "%.1fx", $0) } ?? "—", raw: raw(v)) }

    /// A threshold's value in its unit, as written in scenarios ("100ms", "80%", "1.2").
    static func withUnit(_ v: Double?, _ unit: String) -> String {
        guard let v else { return "—" }
        switch unit {
        case "ms": return number(v) + "ms"
        case "%": return number(v) + "%"
        case "/s": return number(v) + "/s"
        case "x": return String(format: "%.2fx", v)
        default: return number(v)
        }
    }

    static let utc: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f
    }()
}

/// Steps in record order, sweep rows' nested steps included, with the sweep row they ran in.
struct FlatStep: Sendable {
    var step: StepRecord
    /// "replicas=2" for a step inside a sweep row.
    var row: String?
}

extension RunRecord {
    var flatSteps: [FlatStep] {
        var out: [FlatStep] = []
        for s in steps {
            out.append(FlatStep(step: s, row: nil))
            if let sweep = s.sweep {
                for row in sweep.rows {
                    for nested in row.steps { out.append(FlatStep(step: nested, row: "\(sweep.parameter)=\(row.value)")) }
                }
            }
        }
        return out
    }
}

/// Builds every table of a run from its record.
struct TableBuilder {
    let record: RunRecord
    let l: Labels

    var all: [ReportTable] {
        ([environment, stepsTable, queryPerformance, hotQueries, nodeLoad, balance] + comparisons + [health].compactMap { $0 } + watchTables + [thresholds].compactMap { $0 })
            .filter { !$0.rows.isEmpty }
    }

    var environment: ReportTable {
        let r = record
        var rows: [[ReportTable.Cell]] = [
            [.init(l.tool, raw: "tool"), .init("\(r.tool) \(r.toolVersion)")],
            [.init(l.scenarioFile, raw: "scenario"), .init("\(r.scenario.file) (sha256 \(r.scenario.sha256.prefix(12))…)",
                                                            raw: "\(r.scenario.file) sha256:\(r.scenario.sha256)")],
            [.init(l.server, raw: "server"), .init([r.target.uri, r.target.serverVersion.map { "Milvus \($0)" }, r.target.deployMode?.lowercased()]
                                                        .compactMap { $0 }.joined(separator: ", "))],
            [.init(l.queryNodes, raw: "query_nodes"), .init(r.target.queryNodes.map(String.init) ?? "—", raw: r.target.queryNodes.map(String.init) ?? "")],
            [.init(l.started, raw: "started_utc"), .init(Format.utc.string(from: r.startedAt))],
            [.init(l.ended, raw: "ended_utc"), .init(r.endedAt.map { Format.utc.string(from: $0) } ?? "—", raw: r.endedAt.map { Format.utc.string(from: $0) } ?? "")],
            [.init(l.host, raw: "host"), .init(r.host)],
        ]
        if let c = r.client {
            rows.append([.init(l.client, raw: "client"), .init(String(format: l.pick("CPU %.1f s, peak memory %.0f MiB", "CPU %.1f 秒，峰值内存 %.0f MiB"), c.cpuMs / 1000, c.peakRSSMB),
                                                                raw: String(format: "cpu_s=%.3f peak_rss_mib=%.1f", c.cpuMs / 1000, c.peakRSSMB))])
        }
        return ReportTable(id: "environment", title: l.environment,
                           columns: [.init(id: "key", header: ""), .init(id: "value", header: "")], rows: rows)
    }

    var stepsTable: ReportTable {
        let rows = record.flatSteps.map { f -> [ReportTable.Cell] in
            let s = f.step
            let what = s.failure.map { "\($0.rpc.map { "\($0): " } ?? "")\($0.reason)" } ?? (s.status == .ok ? Self.brief(s, l) : "")
            return [.init(s.path), .init(s.id + (f.row.map { " (\($0))" } ?? ""), raw: s.id), .init(f.row ?? ""), .init(s.kind),
                    .init(l.status(s.status.rawValue), raw: s.status.rawValue), Format.seconds(fromMs: s.durationMs), .init(what)]
        }
        return ReportTable(id: "steps", title: l.steps,
                           columns: [.init(id: "path", header: "#"), .init(id: "id", header: "ID"), .init(id: "sweep_row", header: "", csvOnly: true),
                                     .init(id: "kind", header: l.kind),
                                     .init(id: "status", header: l.status), .init(id: "duration_s", header: l.duration, alignRight: true),
                                     .init(id: "summary", header: l.summary)],
                           rows: rows)
    }

    /// One line about what a step did.
    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        let m = s.metrics
        switch s.kind {
        case "insert": return l.pick("\(Format.number(m["rows"])) rows, \(Format.number(m["rowsPerSecond"])) rows/s",
                                     "\(Format.number(m["rows"])) 行，\(Format.number(m["rowsPerSecond"])) 行/秒")
        case "concurrentSearch", "hotSearch":
            return "\(Format.number(m["queries"])) \(l.pick("queries", "个查询")), \(Format.number(m["qps"])) QPS, P99 \(Format.number(m["p99"]))ms"
        case "load": return m["replicas"].map { l.pick("\(Format.number($0)) replica group\($0 == 1 ? "" : "s")", "\(Format.number($0)) 个副本组") } ?? ""
        case "index": return m["indexedRows"].map { l.pick("\(Format.number($0)) rows indexed", "已索引 \(Format.number($0)) 行") } ?? ""
        case "monitor": return l.pick("\(Format.number(m["nodes"])) query node\(m["nodes"] == 1 ? "" : "s")", "\(Format.number(m["nodes"])) 个查询节点")
        case "health": return m["healthy"] == 1 ? l.pick("healthy", "健康") : l.pick("not healthy", "不健康")
        case "watch":
            var parts = [l.pick("\(Format.number(m["checks"])) checks, \(Format.number(m["unhealthyChecks"])) not serving",
                                "检查 \(Format.number(m["checks"])) 次，\(Format.number(m["unhealthyChecks"])) 次不可查询")]
            if let a = m["alertsFired"], a > 0 { parts.append(l.pick("\(Format.number(a)) alert\(a == 1 ? "" : "s")", "告警 \(Format.number(a)) 次")) }
            if let t = m["timeToServing"], s.watch?.recovery?.servingLost == true { parts.append(l.pick("serving again after \(String(format: "%.1f", t / 1000)) s", "\(String(format: "%.1f", t / 1000)) 秒后恢复可查询")) }
            return parts.joined(separator: l.pick(", ", "，"))
        case "sweep":
            let rows = s.sweep?.rows.count ?? 0, unsupported = s.sweep?.rows.filter { $0.status == .unsupported }.count ?? 0
            return l.pick("\(rows) rows" + (unsupported > 0 ? ", \(unsupported) not supported by this deployment" : ""),
                          "\(rows) 组" + (unsupported > 0 ? "，其中 \(unsupported) 组当前部署不支持" : ""))
        default: return ""
        }
    }

    var queryPerformance: ReportTable {
        let searches = record.flatSteps.filter { $0.step.kind == "concurrentSearch" && $0.step.search != nil }
        let rows = searches.map { f -> [ReportTable.Cell] in
            let s = f.step, m = s.metrics, d = s.search!
            let loadText: String
            if let rate = d.targetRate {
                loadText = l.pick("open loop \(Format.number(rate))/s", "开环 \(Format.number(rate))/秒")
            } else {
                loadText = l.pick("concurrency \(d.concurrency)", "并发度 \(d.concurrency)")
            }
            let errors = m["errors"] ?? 0
            return [.init(s.id + (f.row.map { " (\($0))" } ?? ""), raw: s.id), .init(f.row ?? "", raw: f.row ?? ""),
                    .init(loadText, raw: d.targetRate.map { "open:\(Format.raw($0))" } ?? "closed:\(d.concurrency)"),
                    Format.plain(m["queries"]), Format.seconds(fromMs: m["totalTime"]), Format.plain(m["qps"]),
                    Format.ms(m["avg"]), Format.ms(m["p50"]), Format.ms(m["p95"]), Format.ms(m["p99"]), Format.ms(m["p999"]), Format.ms(m["max"]),
                    .init(errors == 0 ? "0" : "\(Format.number(errors)) (\(Format.number(m["errorRate"]))%)", raw: Format.raw(errors))]
        }
        var table = ReportTable(id: "query_performance", title: l.queryPerformance,
                                columns: [.init(id: "step", header: l.step), .init(id: "sweep_row", header: "", csvOnly: true), .init(id: "load", header: l.load),
                                          .init(id: "queries", header: l.queries, alignRight: true),
                                          .init(id: "total_time_s", header: l.totalTime, alignRight: true), .init(id: "qps", header: l.qps + (l.zh ? " (QPS)" : ""), alignRight: true),
                                          .init(id: "avg_ms", header: l.avg, alignRight: true), .init(id: "p50_ms", header: l.p50, alignRight: true),
                                          .init(id: "p95_ms", header: l.p95, alignRight: true), .init(id: "p99_ms", header: l.p99, alignRight: true),
                                          .init(id: "p999_ms", header: l.p999, alignRight: true), .init(id: "max_ms", header: l.max, alignRight: true),
                                          .init(id: "errors", header: l.errors, alignRight: true)],
                                rows: rows)
        if searches.contains(where: { $0.step.search?.targetRate != nil }) {
            table.notes.append(l.pick("Open-loop latency is measured from each query's intended start, so a stalled server shows in the percentiles.",
                                      "开环负载的延迟从每个查询的计划发送时间算起，服务器卡顿会体现在百分位延迟中。"))
        }
        for f in searches {
            let errors = f.step.search!.errorsByCode
            if !errors.isEmpty {
                table.notes.append("\(f.step.id): " + errors.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }.joined(separator: "; "))
            }
        }
        return table
    }

    var hotQueries: ReportTable {
        let hot = record.flatSteps.filter { $0.step.kind == "hotSearch" }
        let rows = hot.map { f -> [ReportTable.Cell] in
            let m = f.step.metrics
            return [.init(f.step.id), Format.plain(m["queries"]), Format.plain(m["qps"]), Format.ms(m["avg"]), Format.ms(m["p99"]),
                    Format.ms(m["hot.avg"]), Format.ms(m["cold.avg"]), Format.ratio(m["hotSpeedup"])]
        }
        var table = ReportTable(id: "hot_queries", title: l.hotQueries,
                                columns: [.init(id: "step", header: l.step), .init(id: "queries", header: l.queries, alignRight: true),
                                          .init(id: "qps", header: l.qps + (l.zh ? " (QPS)" : ""), alignRight: true), .init(id: "avg_ms", header: l.avg, alignRight: true),
                                          .init(id: "p99_ms", header: l.p99, alignRight: true), .init(id: "hot_avg_ms", header: l.hotAvg, alignRight: true),
                                          .init(id: "cold_avg_ms", header: l.coldAvg, alignRight: true), .init(id: "hot_speedup", header: l.hotCold, alignRight: true)],
                                rows: rows)
        for f in hot {
            if let r = f.step.metrics["hotSpeedup"] {
                table.notes.append(r > 1.1
                    ? l.pick("\(f.step.id): hot queries were \(String(format: "%.2f", r))× as fast as cold ones.",
                             "\(f.step.id)：热点查询比普通查询快 \(String(format: "%.2f", r)) 倍。")
                    : l.pick("\(f.step.id): hot queries were not measurably faster than cold ones (cold ÷ hot = \(String(format: "%.2f", r))); the document's claim that they are did not hold here.",
                             "\(f.step.id)：热点查询并未明显快于普通查询（普通 ÷ 热点 = \(String(format: "%.2f", r))），文档中“热点查询更快”的结论在此未成立。"))
            }
        }
        return table
    }

    var nodeLoad: ReportTable {
        var rows: [[ReportTable.Cell]] = []
        for f in record.flatSteps {
            guard let m = f.step.monitor else { continue }
            // Replica ids are 18-digit numbers: people see 1, 2, … (in id order), the CSV keeps the id.
            let groups = Array(Set(m.nodes.compactMap(\.replicaID))).sorted()
            for n in m.nodes {
                let group = n.replicaID.flatMap { id in groups.firstIndex(of: id).map { $0 + 1 } }
                rows.append([.init(f.step.id), .init("\(n.name) (\(n.nodeID))", raw: String(n.nodeID)),
                             .init(group.map(String.init) ?? "—", raw: n.replicaID.map(String.init) ?? ""),
                             Format.plain(n.memoryMB.map { ($0 * 10).rounded() / 10 }), Format.percent(n.memoryPercent.map { ($0 * 100).rounded() / 100 }),
                             Format.plain(Double(n.segments)), Format.plain(Double(n.rows)), Format.percent(n.cpuPercent.map { $0.rounded() })])
            }
        }
        return ReportTable(id: "node_load", title: l.nodeLoad,
                           columns: [.init(id: "step", header: l.step), .init(id: "node", header: l.node), .init(id: "replica_group", header: l.replicaGroup),
                                     .init(id: "memory_mb", header: l.memory, alignRight: true), .init(id: "memory_percent", header: l.memoryPercent, alignRight: true),
                                     .init(id: "segments", header: l.segments, alignRight: true), .init(id: "rows", header: l.rows, alignRight: true),
                                     .init(id: "cpu_percent", header: l.cpu, alignRight: true)],
                           rows: rows)
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

    var comparisons: [ReportTable] {
        record.steps.compactMap { s -> ReportTable? in
            guard let sweep = s.sweep else { return nil }
            let rows = sweep.rows.enumerated().map { i, row -> [ReportTable.Cell] in
                let speed: ReportTable.Cell
                if row.status != .ok {
                    speed = .init("—", raw: "")
                } else if i == 0 {
                    speed = .init(l.baseline, raw: Format.raw(row.speedup ?? 1))
                } else {
                    speed = Format.speedup(row.speedup)
                }
                if row.status != .ok {
                    let reason = row.reason ?? ""
                    let prefix = "not supported by this deployment: "
                    return [.init(row.value), .init(l.status(row.status.rawValue), raw: row.status.rawValue), .init("—", raw: ""), .init("—", raw: ""), .init("—", raw: ""), speed,
                            .init(reason.hasPrefix(prefix) ? String(reason.dropFirst(prefix.count)) : reason, raw: reason)]
                }
                return [.init(row.value), .init(l.status("ok"), raw: "ok"), Format.plain(row.qps.map { ($0 * 10).rounded() / 10 }), Format.ms(row.avgMs), Format.ms(row.p99Ms), speed, .init("")]
            }
            return ReportTable(id: "comparison_\(s.id)", title: "\(l.comparison(sweep.parameter)) (\(s.id))",
                               columns: [.init(id: sweep.parameter, header: l.parameter(sweep.parameter)), .init(id: "status", header: l.status),
                                         .init(id: "qps", header: "QPS", alignRight: true), .init(id: "avg_ms", header: l.zh ? "平均延迟" : l.avg, alignRight: true),
                                         .init(id: "p99_ms", header: l.sweepP99, alignRight: true), .init(id: "speedup", header: l.speedup, alignRight: true),
                                         .init(id: "note", header: l.note)],
                               rows: rows)
        }
    }

    var health: ReportTable? {
        let steps = record.flatSteps.filter { $0.step.health != nil }
        let rows = steps.map { f -> [ReportTable.Cell] in
            let s = f.step, h = s.health!, m = s.metrics
            let unhealthy = h.components.filter { $0.value.lowercased() != "healthy" }.map { "\($0.key): \($0.value)" }.sorted()
            let reasons = (h.reasons + unhealthy + [h.servingError].compactMap { $0 }).joined(separator: "; ")
            return [.init(s.id), Format.yesNo(m["healthy"].map { $0 == 1 }, l), Format.yesNo(m["live"].map { $0 == 1 }, l), Format.yesNo(h.checkHealth, l), Format.ms(m["latency"]), Format.ms(m["searchLatency"]), .init(reasons)]
        }
        return ReportTable(id: "health", title: l.health,
                           columns: [.init(id: "step", header: l.step), .init(id: "healthy", header: l.healthy), .init(id: "live", header: l.live),
                                     .init(id: "check_health", header: "CheckHealth"), .init(id: "latency_ms", header: l.latency, alignRight: true),
                                     .init(id: "search_latency_ms", header: l.pick("Search latency", "查询延迟"), alignRight: true), .init(id: "reasons", header: l.reasons)],
                           rows: rows)
    }

    var thresholds: ReportTable? {
        let rows = record.thresholds.map { t -> [ReportTable.Cell] in
            [.init(t.expression), .init(t.observed == nil ? l.notMeasured : Format.withUnit(t.observed, t.unit), raw: Format.raw(t.observed)),
             .init(t.passed ? "✅ \(l.pass)" : "❌ \(l.fail)", raw: t.passed ? "pass" : "fail"), .init(t.note ?? "")]
        }
        return ReportTable(id: "thresholds", title: l.thresholds,
                           columns: [.init(id: "threshold", header: l.expression), .init(id: "observed", header: l.observed, alignRight: true),
                                     .init(id: "result", header: l.result), .init(id: "note", header: l.note)],
                           rows: rows)
    }
}
