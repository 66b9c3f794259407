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
    /// Written as CSV only (a per-second series too long for report.md).
    var csvOnly = false
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
    /// Like `ms`, but empty (so Markdown leaves out an all-empty column) when unknown.
    static func msOrBlank(_ v: Double?) -> ReportTable.Cell { v == nil ? ReportTable.Cell("", raw: "") : ms(v) }
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
        case "fraction": return String(format: "%.3f", v)
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

    /// "replica_search (replicas=2)" inside a sweep row, else the step's id.
    var label: String { step.id + (row.map { " (\($0))" } ?? "") }
    /// The step in a file name: a sweep repeats its steps' ids, so the row is added
    /// ("search" in row "replicas=2" → search_replicas_2).
    var fileSuffix: String { step.id + (row.map { "_" + String($0.map { $0.isLetter || $0.isNumber ? $0 : "_" }) } ?? "") }
}

extension RunRecord {
    var flatSteps: [FlatStep] {
        var out: [FlatStep] = []
        for s in steps {
            out.append(FlatStep(step: s, row: nil))
            // A sweep row's steps are labelled with the row; a parallel's ran once each, side by
            // side, and stand as steps of their own.
            for group in s.nestedGroups {
                for nested in group.steps { out.append(FlatStep(step: nested, row: group.rowLabel)) }
            }
        }
        return out
    }
}

/// Builds every table of a run from its record.
struct TableBuilder {
    let record: RunRecord
    let l: Labels

    /// The run's tables: environment and steps, then each kind's own (in `StepReporters.all`
    /// order), then the thresholds.
    var all: [ReportTable] {
        ([environment, stepsTable, notes] + StepReporters.all.flatMap { $0.tables(self) } + [timelineSummary, timelineSeconds, nodeTimeline]
            + [thresholds].compactMap { $0 })
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
        if let shard = r.shard {
            let start = shard.startAt.map { Format.utc.string(from: $0) }
            let text: String, raw: String
            if let merged = shard.merged {
                let list = merged.map(String.init).joined(separator: ", ")
                text = l.pick("merged from \(merged.count) of \(shard.count) shards (\(list))", "由 \(shard.count) 个分片中的 \(merged.count) 个合并（\(list)）")
                    + (start.map { l.pick(", load started at \($0)", "，负载开始于 \($0)") } ?? "")
                raw = "merged=\(list) count=\(shard.count)" + (start.map { " start_at=\($0)" } ?? "")
            } else {
                let i = shard.index ?? 0
                text = l.pick("shard \(i) of 0…\(shard.count - 1) (its share of the load)", "分片 \(i)（共 0…\(shard.count - 1)，承担其份额的负载）")
                    + (start.map { l.pick(", load started at \($0)", "，负载开始于 \($0)") } ?? "")
                raw = "index=\(i) count=\(shard.count)" + (start.map { " start_at=\($0)" } ?? "")
            }
            rows.append([.init(l.pick("Shards", "分片"), raw: "shards"), .init(text, raw: raw)])
        }
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
            let what = s.failure.map { "\($0.rpc.map { "\($0): " } ?? "")\($0.reason)" } ?? (s.status == .ok ? StepReporters.brief(s, l) : "")
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

    /// Every step's notes, in the report's language (`code` keeps the fact in the CSV).
    var notes: ReportTable {
        let rows = record.flatSteps.flatMap { f in
            f.step.notes.map { n -> [ReportTable.Cell] in
                [.init(f.step.path), .init(f.label, raw: f.step.id), .init(f.row ?? ""),
                 .init(n.code.rawValue), .init(l.note(n), raw: n.description)]
            }
        }
        return ReportTable(id: "notes", title: l.notes,
                           columns: [.init(id: "path", header: "#"), .init(id: "id", header: "ID"), .init(id: "sweep_row", header: "", csvOnly: true),
                                     .init(id: "code", header: "", csvOnly: true), .init(id: "note", header: l.note)],
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
