import Foundation
import ScenarioRecord
import ScenarioSpec

/// `sweep`: one comparison table per sweep (the document's 副本数 table, with speed-up).
struct SweepReporter: StepReporter {
    typealias Spec = SweepStep

    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        let rows = s.sweep?.rows.count ?? 0, unsupported = s.sweep?.rows.filter { $0.status == .unsupported }.count ?? 0
        return l.pick("\(rows) rows" + (unsupported > 0 ? ", \(unsupported) not supported by this deployment" : ""),
                      "\(rows) 组" + (unsupported > 0 ? "，其中 \(unsupported) 组当前部署不支持" : ""))
    }

    static func summaryDetails(_ s: StepRecord) -> String {
        guard let sweep = s.sweep else { return "" }
        let withRecall = sweep.rows.contains { $0.steps.contains { $0.recall != nil } }
        var out = "    \(sweep.parameter.padding(toLength: 10, withPad: " ", startingAt: 0))  \("QPS".leftPad(9))  \("avg ms".leftPad(9))  \("P99 ms".leftPad(9))  speed-up" + (withRecall ? "  recall" : "") + "\n"
        for row in sweep.rows {
            if row.status == .ok {
                out += "    \(row.value.padding(toLength: 10, withPad: " ", startingAt: 0))  \(Format.number(row.qps).leftPad(9))  \(Format.number(row.avgMs).leftPad(9))  \(Format.number(row.p99Ms).leftPad(9))  \(row.speedup.map { String(format: "%.2fx", $0) } ?? "-")"
                    + (withRecall ? "  " + (row.steps.first { $0.recall != nil }?.metrics["recall"].map { String(format: "%.3f", $0) } ?? "-").leftPad(6) : "") + "\n"
            } else {
                out += "    \(row.value.padding(toLength: 10, withPad: " ", startingAt: 0))  \(row.status.rawValue): \(row.reason ?? "")\n"
            }
        }
        return out
    }

    static func tables(_ b: TableBuilder) -> [ReportTable] { b.comparisons }

    static func runCharts(_ s: StepRecord, _ l: Labels) -> [Chart] {
        guard let sweep = s.sweep else { return [] }
        return [Charts.sweepChart(s.id, sweep, l), Charts.recallChart(s.id, sweep, l)].compactMap { $0 }
    }
}

extension TableBuilder {
    var comparisons: [ReportTable] {
        record.steps.compactMap { s -> ReportTable? in
            guard let sweep = s.sweep else { return nil }
            let withRecall = sweep.rows.contains { $0.steps.contains { $0.recall != nil } }
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
                    return [.init(row.value), .init(l.status(row.status.rawValue), raw: row.status.rawValue), .init("—", raw: ""), .init("—", raw: ""), .init("—", raw: ""), speed]
                        + (withRecall ? [.init("—", raw: "")] : [])
                        + [.init(""), .init(""), .init(reason.hasPrefix(prefix) ? String(reason.dropFirst(prefix.count)) : reason, raw: reason)]
                }
                // Who served the row's searches: its first search step's traffic, when measured.
                let traffic = row.steps.first { $0.traffic != nil }?.traffic
                let nodes = traffic.map { ReportTable.Cell($0.nodeShares(l), raw: $0.nodes.map { "\($0.nodeID):\(Format.raw($0.sharePercent))" }.joined(separator: " ")) } ?? .init("")
                let groups = traffic.flatMap { t in t.groups.isEmpty ? nil : ReportTable.Cell(t.groupShares, raw: t.groups.map { Format.raw($0.sharePercent) }.joined(separator: " ")) } ?? .init("")
                let recall = row.steps.first { $0.recall != nil }?.metrics["recall"]
                return [.init(row.value), .init(l.status("ok"), raw: "ok"), Format.plain(row.qps.map { ($0 * 10).rounded() / 10 }), Format.ms(row.avgMs), Format.ms(row.p99Ms), speed]
                    + (withRecall ? [Format.recall(recall)] : [])
                    + [nodes, groups, .init("")]
            }
            return ReportTable(id: "comparison_\(s.id)", title: "\(l.comparison(sweep.parameter)) (\(s.id))",
                               columns: [.init(id: sweep.parameter, header: l.parameter(sweep.parameter)), .init(id: "status", header: l.status),
                                         .init(id: "qps", header: "QPS", alignRight: true), .init(id: "avg_ms", header: l.zh ? "平均延迟" : l.avg, alignRight: true),
                                         .init(id: "p99_ms", header: l.sweepP99, alignRight: true), .init(id: "speedup", header: l.speedup, alignRight: true)]
                                         + (withRecall ? [.init(id: "recall", header: l.recall, alignRight: true)] : [])
                                         + [.init(id: "node_shares", header: l.nodeShares), .init(id: "group_shares", header: l.groupShares),
                                         .init(id: "note", header: l.note)],
                               rows: rows)
        }
    }
}

extension StepRecord {
    /// A `sweep`'s rows (nil for a step of another kind).
    var sweep: SweepDetails? { details(of: SweepStep.self)?.sweep }
}

/// The words only the `sweep` tables use, in English and Chinese.
extension Labels {
    var speedup: String { pick("Speed-up", "性能提升") }
    var baseline: String { pick("baseline", "基准") }
    var nodeShares: String { pick("Node shares", "节点查询占比") }
    var groupShares: String { pick("Replica group shares", "副本组查询占比") }
}
