import Foundation
import ScenarioRecord
import ScenarioSpec

/// `capacity`: every rate tried and the highest that held the SLA (a table per step, and the
/// latency-against-rate chart).
struct CapacityReporter: StepReporter {
    typealias Spec = CapacityStep

    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        guard let c = s.capacity else { return "" }
        let sla = "P99 < \(Format.number(c.p99LimitMs))ms"
        let max = c.maxQps.map { "\(Format.number($0))/s" } ?? l.pick("none", "无")
        return l.pick("max \(max) with \(sla)", "满足 \(sla) 的最高速率 \(max)") + (c.clientLimited ? l.pick(" (client limit)", "（客户端上限）") : "")
    }

    static func summary(_ s: StepRecord) -> String {
        guard let c = s.capacity else { return StepReporters.totalTime(s) }
        let max = c.maxQps.map { "\(Format.number($0))/s" } ?? "none"
        return "highest rate with P99 < \(Format.number(c.p99LimitMs)) ms and errors ≤ \(Format.number(c.maxErrorRate))%: \(max) (\(c.rates.count) rates tried)"
            + (c.clientLimited ? "; stopped at the client's limit" : "")
    }

    static func summaryDetails(_ s: StepRecord) -> String {
        guard let c = s.capacity else { return "" }
        var out = SearchLines.recallLine(s)
        for r in c.rates {
            let p99 = r.p99Ms.map { Format.number($0) + " ms" } ?? "—"
            out += "    \((Format.number(r.target) + "/s").leftPad(9)) \(r.phase.padding(toLength: 6, withPad: " ", startingAt: 0)) achieved \(Format.number(r.achieved))/s, P99 \(p99), errors \(r.errors), late \(r.late), dropped \(r.dropped) — "
                + (r.passed ? "pass" : "fail: " + r.failureWords.joined(separator: "; ")) + "\n"
        }
        return out
    }

    static func tables(_ b: TableBuilder) -> [ReportTable] { b.capacity }

    static func charts(_ f: FlatStep, _ l: Labels) -> [Chart] {
        f.step.capacity.flatMap { Charts.capacityChart(f.label, file: "capacity_\(f.fileSuffix).svg", $0, l) }.map { [$0] } ?? []
    }
}

extension TableBuilder {
    var capacity: [ReportTable] {
        record.flatSteps.compactMap { f -> ReportTable? in
            guard let c = f.step.capacity else { return nil }
            let rows = c.rates.map { r -> [ReportTable.Cell] in
                [Format.plain(r.target), .init(r.phase == "step" ? l.pick("step", "递增") : l.pick("bisect", "二分"), raw: r.phase),
                 Format.plain((r.achieved * 10).rounded() / 10), Format.ms(r.p50Ms), Format.ms(r.p99Ms),
                 .init(r.errors == 0 ? "0" : "\(r.errors) (\(Format.number((r.errorRate * 100).rounded() / 100))%)", raw: String(r.errors)),
                 Format.plain(Double(r.late)), Format.plain(Double(r.dropped)), Format.plain(Double(r.clientLate)),
                 .init(r.passed ? l.pick("✅ pass", "✅ 通过") : "❌ " + l.failures(r).joined(separator: "; "), raw: r.passed ? "pass" : r.failureWords.joined(separator: "; "))]
            }
            var table = ReportTable(id: "capacity_\(f.step.id)", title: "\(l.capacityTitle) (\(f.label))",
                                    columns: [.init(id: "target_per_second", header: l.targetRate, alignRight: true), .init(id: "phase", header: l.phase),
                                              .init(id: "achieved_per_second", header: l.achievedRate, alignRight: true),
                                              .init(id: "p50_ms", header: l.p50, alignRight: true), .init(id: "p99_ms", header: l.p99, alignRight: true),
                                              .init(id: "errors", header: l.errors, alignRight: true), .init(id: "late", header: l.late, alignRight: true),
                                              .init(id: "dropped", header: l.dropped, alignRight: true), .init(id: "client_late", header: l.clientLate, alignRight: true),
                                              .init(id: "verdict", header: l.verdict)],
                                    rows: rows)
            let max = c.maxQps.map { "\(Format.number($0))/s" } ?? l.pick("none of the rates", "没有任何速率")
            table.notes.append(l.pick(
                "SLA: P99 below \(Format.number(c.p99LimitMs)) ms, errors at most \(Format.number(c.maxErrorRate))%, at least 95% of the rate achieved\(c.minRecall.map { ", recall at least \(String(format: "%.3f", $0))" } ?? ""). Highest passing rate: \(max). Open loop, at most \(c.concurrency) queries in flight, each rate held \(Format.number(c.holdMs / 1000)) s after its warm-up; latency counts from each query's due time, so queueing shows.",
                "SLA：P99 低于 \(Format.number(c.p99LimitMs)) ms，错误率不超过 \(Format.number(c.maxErrorRate))%，至少达到目标速率的 95%\(c.minRecall.map { "，召回率不低于 \(String(format: "%.3f", $0))" } ?? "")。满足 SLA 的最高速率：\(max)。开环负载，最多 \(c.concurrency) 个查询同时进行，每个速率预热后保持 \(Format.number(c.holdMs / 1000)) 秒；延迟从每个查询的计划发送时间算起，排队会体现在延迟中。"))
            if c.clientLimited {
                table.notes.append(l.pick(
                    "Stopped at the client's limit: at the last rate the tool's own schedule handed queries out late while connections were idle, so higher rates would measure this client, not the server. Run the client on a machine of its own (or with more cores) to go further.",
                    "在客户端上限处停止：最后一个速率下，工具自身的调度在有空闲连接时仍延迟发出查询，更高的速率测到的将是客户端而非服务器。要继续测量，请在单独（或核数更多）的机器上运行客户端。"))
            }
            return table
        }
    }
}

extension Charts {
    /// P50 and P99 against the target rate, with the SLA line: where latency crosses it is the
    /// capacity.
    static func capacityChart(_ name: String, file: String, _ c: CapacityDetails, _ l: Labels) -> Chart? {
        let points = c.rates.filter { $0.p99Ms != nil }.sorted { $0.target < $1.target }
        guard !points.isEmpty else { return nil }
        let title = l.pick("Latency against rate", "延迟与速率") + " (\(name))"
        let width = 640.0, height = 380.0
        let x0 = 70.0, y0 = 50.0, w = 500.0, h = 260.0
        let xMax = nice(points.map(\.target).max()!)
        // Up to 4× the SLA: a collapsed rate's seconds would flatten everything that matters;
        // points above are drawn at the top with their value.
        let yMax = nice(min(c.p99LimitMs * 4, max(c.p99LimitMs * 1.2, points.compactMap(\.p99Ms).max()!)))
        let xs = { (v: Double) in x0 + w * v / xMax }, ys = { (v: Double) in y0 + h - h * min(v, yMax) / yMax }
        var svg = header(width: width, height: height, title: title)
        for (i, v) in ticks(yMax).enumerated() {
            svg += line(x0, ys(v), x0 + w, ys(v), stroke: i == 0 ? "#999" : "#e0e0e0")
            svg += text(Format.number(v), x: x0 - 6, y: ys(v) + 4, anchor: "end", size: 11)
        }
        for v in ticks(xMax) { svg += text(Format.number(v), x: xs(v), y: y0 + h + 16, anchor: "middle", size: 11) }
        svg += text(l.pick("target rate (queries/s)", "目标速率（查询/秒）"), x: x0 + w / 2, y: y0 + h + 36, anchor: "middle", size: 12)
        svg += text(l.pick("latency (ms)", "延迟 (ms)"), x: 18, y: y0 + h / 2, anchor: "middle", size: 12, rotate: true)
        // The SLA.
        svg += "<line x1=\"\(r(x0))\" y1=\"\(r(ys(c.p99LimitMs)))\" x2=\"\(r(x0 + w))\" y2=\"\(r(ys(c.p99LimitMs)))\" stroke=\"#d62728\" stroke-dasharray=\"6,4\"/>\n"
        svg += text("SLA P99 \(Format.number(c.p99LimitMs)) ms", x: x0 + w - 4, y: ys(c.p99LimitMs) - 6, anchor: "end", size: 11, fill: "#d62728")
        for (series, color, value) in [("P50", palette[0], \CapacityDetails.Rate.p50Ms), ("P99", palette[3], \CapacityDetails.Rate.p99Ms)] {
            let pts = points.compactMap { p in p[keyPath: value].map { (xs(p.target), ys($0)) } }
            svg += "<polyline points=\"\(pts.map { "\(r($0.0)),\(r($0.1))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
            let withValue = points.filter { $0[keyPath: value] != nil }
            for (i, p) in pts.enumerated() {
                let passed = withValue[i].passed
                svg += "<circle cx=\"\(r(p.0))\" cy=\"\(r(p.1))\" r=\"4\" fill=\"\(passed ? color : "#fff")\" stroke=\"\(color)\"/>\n"
                if let v = withValue[i][keyPath: value], v > yMax {
                    svg += text("↑ \(Format.number(v.rounded())) ms", x: p.0, y: p.1 - 8, anchor: "middle", size: 10, fill: color)
                }
            }
            svg += text(series, x: x0 + w + 10, y: pts.last!.1 + 4, anchor: "start", size: 11, fill: color)
        }
        if let max = c.maxQps {
            svg += line(xs(max), y0, xs(max), y0 + h, stroke: "#2ca02c")
            svg += text(l.pick("max \(Format.number(max))/s", "最高 \(Format.number(max))/秒"), x: xs(max) + 4, y: y0 + 12, anchor: "start", size: 11, fill: "#2ca02c")
        }
        svg += text(l.pick("filled: rate passed · hollow: failed", "实心：通过 · 空心：未通过"), x: x0, y: height - 8, anchor: "start", size: 10, fill: "#666")
        svg += "</svg>\n"
        return Chart(file: file, title: title, svg: svg)
    }
}

extension StepRecord {
    /// A `capacity` step's rates (nil for a step of another kind).
    var capacity: CapacityDetails? { details(of: CapacityStep.self)?.capacity }
}

extension Labels {
    /// Why a capacity rate failed, in the report's language (older records' English as it is).
    func failures(_ r: CapacityDetails.Rate) -> [String] {
        r.reasons?.map(note) ?? r.failures ?? []
    }
}

/// The words only the `capacity` tables use, in English and Chinese.
extension Labels {
    var capacityTitle: String { pick("Capacity: highest rate within the SLA", "容量：满足 SLA 的最高速率") }
    var targetRate: String { pick("Target rate (/s)", "目标速率 (/秒)") }
    var achievedRate: String { pick("Achieved (/s)", "实际速率 (/秒)") }
    var phase: String { pick("Phase", "阶段") }
    var late: String { pick("Late", "延迟发出") }
    var dropped: String { pick("Dropped", "未发出") }
    var clientLate: String { pick("Client late", "客户端延迟") }
}
