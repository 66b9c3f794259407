import Foundation
import ScenarioRecord
import ScenarioSpec

/// Search quality (召回率): the recall table of every search step that measured it, and for a
/// sweep whose rows did, the QPS-against-recall chart (ann-benchmarks' plot).
extension TableBuilder {
    var searchesWithRecall: [FlatStep] { record.flatSteps.filter { $0.step.recall != nil } }

    var recall: ReportTable {
        let rows = searchesWithRecall.map { f -> [ReportTable.Cell] in
            let r = f.step.recall!
            let sorted = r.perQuery.sorted()
            let median = sorted.isEmpty ? nil : sorted[(sorted.count - 1) / 2]
            return [.init(f.label, raw: f.step.id), .init(f.row ?? "", raw: f.row ?? ""), Format.plain(Double(r.queries)), Format.plain(Double(r.k)),
                    Format.recall(f.step.metrics["recall"]), Format.recall(f.step.metrics["recall.p5"]), Format.recall(f.step.metrics["recall.min"]),
                    Format.recall(median), .init(r.metric),
                    Format.plain(Double(r.rows)),
                    .init(r.reused ? l.pick("reused", "复用")
                            : (r.source == "file neighbors" ? l.pick("from the file", "来自文件") + ", " : "") + Format.number((r.groundTruthMs / 100).rounded() / 10) + " s",
                          raw: r.reused ? "" : Format.raw(r.groundTruthMs)),
                    .init(r.perQuery.map { String(format: "%.4g", $0) }.joined(separator: " "))]
        }
        var table = ReportTable(id: "recall", title: l.recallTitle,
                                columns: [.init(id: "step", header: l.step), .init(id: "sweep_row", header: "", csvOnly: true),
                                          .init(id: "queries", header: l.queries, alignRight: true), .init(id: "k", header: "k", alignRight: true),
                                          .init(id: "recall", header: l.recall, alignRight: true), .init(id: "recall_p5", header: l.recallP5, alignRight: true),
                                          .init(id: "recall_min", header: l.recallMin, alignRight: true), .init(id: "recall_p50", header: l.recallP50, alignRight: true),
                                          .init(id: "metric", header: l.metricType), .init(id: "rows", header: l.rows, alignRight: true),
                                          .init(id: "ground_truth_ms", header: l.groundTruthTime, alignRight: true),
                                          .init(id: "per_query", header: "", csvOnly: true)],
                                rows: rows)
        guard !rows.isEmpty else { return table }
        table.notes.append(l.pick(
            "Recall@k: the share of each query's exact k nearest rows the search found, over the first queries of the step (searched again after the measured ones, with the same parameters). The exact neighbours are the tool's own brute force over every row, made again from the insert steps' seeds; a hit counts when its distance is within the k-th nearest's (ties are interchangeable). The CSV lists every query's recall.",
            "召回率@k：每个查询的精确 k 个最近邻中被检索到的比例，取该步骤最前面的若干查询（在测量查询之后用相同参数再检索一次）。精确近邻由工具对全部数据暴力计算得到，数据按插入步骤的种子重新生成；命中结果的距离不超过第 k 个最近邻的距离即计为找到（距离相同者可互换）。CSV 中列出每个查询的召回率。"))
        return table
    }
}

extension Format {
    /// Recall to three decimals (0.953), "—" when unknown.
    static func recall(_ v: Double?) -> ReportTable.Cell {
        ReportTable.Cell(v.map { String(format: "%.3f", $0) } ?? "—", raw: raw(v))
    }
}

extension Charts {
    /// Recall over time (`recall.every`): each checkpoint's mean and lowest recall against the
    /// seconds since the queries started, with the rows it was scored over.
    static func recallOverTime(_ f: FlatStep, _ l: Labels) -> Chart? {
        guard let points = f.step.recall?.checkpoints, !points.isEmpty else { return nil }
        let title = l.pick("Recall over time", "召回率随时间变化") + " (\(f.label))"
        let width = 640.0, height = 360.0
        let x0 = 70.0, y0 = 50.0, w = 520.0, h = 230.0
        let end = max(1, (points.map(\.atMs).max() ?? 1) / 1000)
        let low = max(0, floor(((points.map(\.recallMin).min() ?? 0) - 0.05) * 10) / 10)
        func x(_ ms: Double) -> Double { x0 + w * (ms / 1000) / end }
        func y(_ r: Double) -> Double { y0 + h * (1 - (r - low) / max(0.0001, 1 - low)) }
        var svg = header(width: width, height: height, title: title)
        for i in 0...4 {
            let v = low + (1 - low) * Double(i) / 4
            svg += line(x0, y(v), x0 + w, y(v), stroke: "#ddd")
            svg += text(String(format: "%.2f", v), x: x0 - 8, y: y(v) + 4, anchor: "end", size: 11)
        }
        svg += line(x0, y0 + h, x0 + w, y0 + h, stroke: "#888")
        svg += text(l.pick("seconds since the queries started", "查询开始后的秒数"), x: x0 + w / 2, y: y0 + h + 36, anchor: "middle", size: 11)
        for (series, color, name) in [(points.map(\.recall), palette[0], l.pick("mean", "平均")), (points.map(\.recallMin), palette[1], l.pick("lowest query", "最低"))] {
            let path = zip(points, series).map { "\(r(x($0.atMs))),\(r(y($1)))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
            for (p, v) in zip(points, series) {
                svg += "<circle cx=\"\(r(x(p.atMs)))\" cy=\"\(r(y(v)))\" r=\"3\" fill=\"\(color)\"><title>\(name) \(String(format: "%.3f", v)) \(l.pick("at", "于")) \(r(p.atMs / 1000)) s, \(p.rows) \(l.rows)</title></circle>\n"
            }
        }
        for p in points { svg += text(r(p.atMs / 1000), x: x(p.atMs), y: y0 + h + 16, anchor: "middle", size: 10) }
        svg += text(l.pick("— mean", "— 平均"), x: x0 + 10, y: y0 + h + 56, anchor: "start", size: 11, fill: palette[0])
        svg += text(l.pick("— lowest query", "— 最低查询"), x: x0 + 120, y: y0 + h + 56, anchor: "start", size: 11, fill: palette[1])
        svg += "</svg>\n"
        return Chart(file: "recall_\(f.fileSuffix).svg", title: title, svg: svg)
    }

    /// QPS against recall for a sweep whose rows measured recall: recall on x, QPS on a log
    /// scale on y, each point labelled with its parameter value — the higher and further right,
    /// the better (ann-benchmarks' plot).
    static func recallChart(_ id: String, _ sweep: SweepDetails, _ l: Labels) -> Chart? {
        let points = sweep.rows.compactMap { row -> (label: String, recall: Double, qps: Double)? in
            guard row.status == .ok, let qps = row.qps, qps > 0, let r = row.steps.first(where: { $0.recall != nil })?.recall, !r.perQuery.isEmpty else { return nil }
            return ("\(sweep.parameter)=\(row.value)", r.mean, qps)
        }
        guard !points.isEmpty else { return nil }
        let title = l.pick("QPS against recall", "QPS 与召回率") + " (\(id))"
        let width = 640.0, height = 400.0
        let x0 = 80.0, y0 = 50.0, w = 500.0, h = 280.0
        // x: from a round recall below the lowest point to 1.
        let low = max(0, ((points.map(\.recall).min()! - 0.02) * 10).rounded(.down) / 10)
        let xs = { (r: Double) in x0 + w * (r - low) / max(1 - low, 0.01) }
        // y: log10, whole decades around the points.
        let lo = floor(log10(points.map(\.qps).min()!)), hi = max(lo + 1, ceil(log10(points.map(\.qps).max()!)))
        let ys = { (q: Double) in y0 + h - h * (log10(q) - lo) / (hi - lo) }
        var svg = header(width: width, height: height, title: title)
        for d in Int(lo)...Int(hi) {
            let v = pow(10, Double(d))
            svg += line(x0, ys(v), x0 + w, ys(v), stroke: d == Int(lo) ? "#999" : "#e0e0e0")
            svg += text(Format.number(v), x: x0 - 6, y: ys(v) + 4, anchor: "end", size: 11)
            // 2× and 5× of the decade, lighter.
            for m in [2.0, 5.0] where d < Int(hi) {
                svg += line(x0, ys(v * m), x0 + w, ys(v * m), stroke: "#f0f0f0")
                svg += text(Format.number(v * m), x: x0 - 6, y: ys(v * m) + 4, anchor: "end", size: 10, fill: "#888")
            }
        }
        let steps = max(1, Int(((1 - low) * 10).rounded()))
        for i in 0...steps {
            let r = low + (1 - low) * Double(i) / Double(steps)
            svg += line(xs(r), y0, xs(r), y0 + h, stroke: i == 0 ? "#999" : "#e0e0e0")
            svg += text(String(format: "%.2f", r), x: xs(r), y: y0 + h + 16, anchor: "middle", size: 11)
        }
        svg += text(l.pick("recall@k (mean)", "召回率@k（平均）"), x: x0 + w / 2, y: y0 + h + 38, anchor: "middle", size: 12)
        svg += text(l.pick("QPS (log scale)", "QPS（对数刻度）"), x: 20, y: y0 + h / 2, anchor: "middle", size: 12, rotate: true)
        // The curve in sweep order, then the points with their labels.
        let path = points.map { "\(r(xs($0.recall))),\(r(ys($0.qps)))" }.joined(separator: " ")
        svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(palette[0])\" stroke-width=\"1.5\"/>\n"
        // Points that land on top of each other share one label ("ef=64, 128").
        var labels: [(x: Double, y: Double, text: String)] = []
        for p in points {
            let x = xs(p.recall), y = ys(p.qps)
            // Every point names itself exactly on hover, whatever happens to its label.
            let tip = "\(p.label): " + l.pick("recall", "召回率") + " \(String(format: "%.3f", p.recall)), \(Format.number(p.qps)) QPS"
            svg += "<circle cx=\"\(r(x))\" cy=\"\(r(y))\" r=\"4\" fill=\"\(palette[0])\"><title>\(xml(tip))</title></circle>\n"
            if let i = labels.firstIndex(where: { abs($0.x - x) < 24 && abs($0.y - y) < 14 }) {
                labels[i].text += ", " + p.label.split(separator: "=").last.map(String.init)!
            } else {
                labels.append((x, y, p.label))
            }
        }
        for (i, label) in labels.enumerated() {
            // Near the right edge the label goes to the left of its point.
            let right = label.x > x0 + w - 60
            svg += text(label.text, x: right ? label.x - 8 : label.x, y: label.y + (i % 2 == 0 ? -9 : 17), anchor: right ? "end" : "middle", size: 11)
        }
        svg += "</svg>\n"
        return Chart(file: "recall_\(id).svg", title: title, svg: svg)
    }
}

/// The words only the recall tables use, in English and Chinese.
extension Labels {
    var recallTitle: String { pick("Search quality (recall)", "检索质量（召回率）") }
    var recallMin: String { pick("Recall min", "最低召回率") }
    var metricType: String { pick("Metric", "距离度量") }
    var groundTruthTime: String { pick("Ground truth", "精确近邻计算") }
}
