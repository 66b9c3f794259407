import Foundation
import ScenarioRecord

// A load step second by second: the timeline chart (operations, latency, errors and, with the
// nodes' traffic, each query node's requests, share and CPU on one time axis, with metrics gaps
// and the step's faults marked), a summary table for report.md, and the per-second series as
// CSV (timeline_seconds.csv, node_timeline.csv).

extension Charts {
    static func loadTimeline(_ f: FlatStep, _ l: Labels) -> Chart? {
        guard let t = f.step.timeline, t.isWorthShowing else { return nil }
        let traffic = f.step.traffic.flatMap { $0.intervals.isEmpty || $0.nodes.isEmpty ? nil : $0 }
        let offset = t.trafficOffsetMs ?? 0
        let title = "\(l.pick("Second by second", "逐秒时间线")) (\(f.label))"
        let width = 760.0, left = 70.0, right = 30.0, panel = 80.0, gap = 36.0, top = 68.0
        let panels = traffic == nil ? 3 : 6
        let axisY = top + Double(panels) * (panel + gap) - gap
        let pw = width - left - right
        let seconds = max(0.001, t.spanMs / 1000, ((traffic?.intervals.last?.atMs ?? 0) + offset) / 1000)
        func x(_ ms: Double) -> Double { left + pw * min(1, max(0, ms / 1000 / seconds)) }
        func y0(_ i: Int) -> Double { top + Double(i) * (panel + gap) }
        let mid = t.sent.indices.map { (Double($0) * t.intervalMs + t.endMs($0)) / 2 }
        func perSecond(_ counts: [Int]) -> [(Double, Double?)] { counts.indices.map { (mid[$0], Double(counts[$0]) / t.seconds($0)) } }

        // Legend lines under the axis: what each panel's lines are, the nodes, the marks.
        var legend: [(color: String, dash: String?, label: String, box: Bool)] = [
            (palette[0], nil, l.pick("completed", "完成"), false), (palette[0], "6 4", l.pick("sent", "发送"), false),
            (palette[3], nil, "P99", false), (palette[3], "6 4", "P50", false), (palette[1], nil, l.pick("errors", "错误"), false),
        ]
        var svg = ""
        svg += seriesPanel(y0: y0(0), height: panel, left: left, width: pw, x: x, label: l.pick("Operations per second", "每秒操作数"),
                           series: [PanelSeries(points: perSecond(t.sent), color: palette[0], dash: "6 4"), PanelSeries(points: perSecond(t.completed), color: palette[0])],
                           floor: 1, l)
        svg += seriesPanel(y0: y0(1), height: panel, left: left, width: pw, x: x, label: l.pick("Latency (ms) of the operations completed in each second", "每秒完成操作的延迟（毫秒）"),
                           series: [PanelSeries(points: zip(mid, t.p50Ms).map { ($0, $1) }, color: palette[3], dash: "6 4"),
                                    PanelSeries(points: zip(mid, t.p99Ms).map { ($0, $1) }, color: palette[3])],
                           floor: 1, l)
        let totals: [(code: String, count: Int)] = (t.errorsByCode ?? [:]).map { (code: $0.key, count: $0.value.reduce(0, +)) }
        let codes = totals.sorted { a, b in a.count != b.count ? a.count > b.count : a.code < b.code }
        let listed: String = codes.prefix(4).map { "\($0.code): \($0.count)" }.joined(separator: ", ")
        let errorsLabel = l.pick("Errors per second", "每秒错误数") + (codes.isEmpty ? "" : " (\(listed))")
        svg += seriesPanel(y0: y0(2), height: panel, left: left, width: pw, x: x, label: fit(errorsLabel, width: pw, size: 11),
                           series: [PanelSeries(points: perSecond(t.errors), color: palette[1])], stepped: true, floor: 1, l)

        if let traffic {
            // An interval much shorter than the sampling interval (the last reading right after
            // the previous one) says little per second: left out of the node panels.
            let nodeMid = traffic.intervals.map { iv -> Double in iv.atMs - iv.durationMs / 2 + offset }
            let tooShort = traffic.intervals.map { $0.durationMs < traffic.intervalMs / 2 }
            var rates: [PanelSeries] = [], shares: [PanelSeries] = [], cpus: [PanelSeries] = []
            for (i, n) in traffic.nodes.enumerated() {
                let color = palette[(i + 4) % palette.count]
                let values = traffic.intervals.indices.map { traffic.requestRate(node: i, interval: $0) }
                // Measured values solid; a change read after a gap, spread over it, dashed.
                rates.append(PanelSeries(points: values.indices.map { (nodeMid[$0], tooShort[$0] ? nil : values[$0].flatMap { $0.spread ? nil : $0.rate }) }, color: color))
                if values.contains(where: { $0?.spread == true }) {
                    rates.append(PanelSeries(points: values.indices.map { (nodeMid[$0], values[$0].flatMap { $0.spread ? $0.rate : nil }) }, color: color, dash: "3 3"))
                }
                shares.append(PanelSeries(points: traffic.intervals.enumerated().map { k, iv in
                    let known = iv.requests.compactMap { $0 }.reduce(0, +)
                    // A share needs every node read in the interval and its own span.
                    guard !tooShort[k], known > 0, !iv.requests.contains(where: { $0 == nil }), iv.sinceMs == nil, let v = iv.requests[i] else { return (nodeMid[k], nil) }
                    return (nodeMid[k], Double(v) / Double(known) * 100)
                }, color: color))
                cpus.append(PanelSeries(points: traffic.intervals.enumerated().map { k, iv in (nodeMid[k], tooShort[k] || i >= iv.cpuPercent.count ? nil : iv.cpuPercent[i]) }, color: color))
                let group = n.replicaID.flatMap { id in traffic.groups.map(\.replicaID).firstIndex(of: id).map { $0 + 1 } }
                legend.append((color, nil, l.nodeName(n.nodeID) + (group.map { l.pick(" (group \($0))", "（副本组 \($0)）") } ?? ""), true))
            }
            svg += seriesPanel(y0: y0(3), height: panel, left: left, width: pw, x: x,
                               label: l.pick("Requests per second on each query node (dashed: read after a metrics gap, spread over it)", "各查询节点每秒请求数（虚线：指标空缺后读到、均摊到空缺内）"),
                               series: rates, breakAtGaps: true, floor: 1, l)
            svg += seriesPanel(y0: y0(4), height: panel, left: left, width: pw, x: x, label: l.pick("Share of the requests (%)", "请求占比（%）"),
                               series: shares, breakAtGaps: true, floor: 100, top: 100, l)
            svg += seriesPanel(y0: y0(5), height: panel, left: left, width: pw, x: x, label: l.pick("Process CPU (% of one core)", "进程 CPU（单核百分比）"),
                               series: cpus, breakAtGaps: true, floor: 10, l)
            // Metrics gaps: shaded over the node panels, named in the first of them.
            for g in traffic.gaps ?? [] {
                let xa = x(g.fromMs + offset), xb = max(x(g.toMs + offset), xa + 2)
                svg += "<rect x=\"\(r(xa))\" y=\"\(r(y0(3)))\" width=\"\(r(xb - xa))\" height=\"\(r(y0(5) + panel - y0(3)))\" fill=\"#888\" fill-opacity=\"0.15\"/>\n"
                svg += text(l.pick("no metrics: \(l.nodeName(g.nodeID))", "无指标：\(l.nodeName(g.nodeID))"), x: xa + 3, y: y0(3) + 12, anchor: "start", size: 10, fill: "#555")
            }
            if !(traffic.gaps ?? []).isEmpty { legend.append(("#888", nil, l.pick("metrics did not answer", "指标无应答"), true)) }
        }
        // The step's faults: a dashed line through every panel at the time each ran.
        for (k, a) in (t.faults ?? []).enumerated() {
            let xx = x(a.startedAtMs)
            svg += "<line x1=\"\(r(xx))\" y1=\"\(r(top - 14))\" x2=\"\(r(xx))\" y2=\"\(r(axisY))\" stroke=\"\(palette[1])\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\n"
            svg += text(fit(a.name, width: 120, size: 10), x: xx + 3, y: top - 16 - Double(k % 2) * 10, anchor: "start", size: 10, fill: palette[1])
        }
        svg += timeAxis(y: axisY, seconds: seconds, shortest: 1, x: x)
        svg += text(l.pick("seconds into the measured phase", "测量阶段开始后的秒数"), x: left + pw / 2, y: axisY + 32, anchor: "middle", size: 11)

        // The legend, wrapped into rows.
        var lx = left, ly = axisY + 56
        var items = ""
        for item in legend {
            let w = 21 + textWidth(item.label, size: 11) + 16
            if lx + w > width - right, lx > left { lx = left; ly += 20 }
            if item.box {
                items += "<rect x=\"\(r(lx))\" y=\"\(r(ly - 10))\" width=\"14\" height=\"10\" fill=\"\(item.color)\"\(item.color == "#888" ? " fill-opacity=\"0.3\"" : "")/>\n"
            } else {
                items += "<line x1=\"\(r(lx))\" y1=\"\(r(ly - 5))\" x2=\"\(r(lx + 16))\" y2=\"\(r(ly - 5))\" stroke=\"\(item.color)\" stroke-width=\"2\""
                    + (item.dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>\n"
            }
            items += text(item.label, x: lx + 21, y: ly, anchor: "start", size: 11)
            lx += w
        }
        for a in t.faults ?? [] {
            let label = "\(a.name) \(String(format: "%.1f", a.startedAtMs / 1000))s" + (a.exitCode.map { $0 == 0 ? "" : l.pick(" (exit \($0))", "（退出码 \($0)）") } ?? "")
            let w = 21 + textWidth(label, size: 11) + 16
            if lx + w > width - right, lx > left { lx = left; ly += 20 }
            items += "<line x1=\"\(r(lx))\" y1=\"\(r(ly - 5))\" x2=\"\(r(lx + 16))\" y2=\"\(r(ly - 5))\" stroke=\"\(palette[1])\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>\n"
            items += text(label, x: lx + 21, y: ly, anchor: "start", size: 11)
            lx += w
        }
        let height = ly + 16
        return Chart(file: "timeline_\(f.fileSuffix).svg", title: title, svg: header(width: width, height: height, title: title) + svg + items + "</svg>\n")
    }
}

extension TableBuilder {
    var stepsWithTimeline: [FlatStep] { record.flatSteps.filter { $0.step.timeline != nil } }

    /// One row per load step: how steady its seconds were, its worst second, its failures, the
    /// faults it ran and the gaps in the nodes' metrics.
    var timelineSummary: ReportTable {
        var rows: [[ReportTable.Cell]] = []
        for f in stepsWithTimeline where f.step.timeline!.isWorthShowing {
            let t = f.step.timeline!
            let qps = t.completed.indices.filter { t.endMs($0) - Double($0) * t.intervalMs >= t.intervalMs * 0.5 }.map { Double(t.completed[$0]) / t.seconds($0) }
            let worst = t.p99Ms.indices.filter { t.p99Ms[$0] != nil }.max { t.p99Ms[$0]! < t.p99Ms[$1]! }
            let errorSeconds = t.errors.filter { $0 > 0 }.count
            let faults = (t.faults ?? []).map { "\($0.name) @ \(String(format: "%.1f", $0.startedAtMs / 1000)) s" }.joined(separator: "; ")
            let gaps = (f.step.traffic?.gaps ?? []).map {
                "\(l.nodeName($0.nodeID)) \(String(format: "%.1f", $0.fromMs / 1000))–\(String(format: "%.1f", $0.toMs / 1000)) s" + ($0.open ? l.pick(" (to the end)", "（直到结束）") : "")
            }.joined(separator: "; ")
            rows.append([.init(f.label, raw: f.step.id), .init(f.row ?? "", raw: f.row ?? ""),
                         .init(Format.number(t.spanMs / 1000) + "s", raw: Format.raw(t.spanMs / 1000)),
                         Format.plain(qps.min().map { ($0 * 10).rounded() / 10 }), Format.plain(qps.max().map { ($0 * 10).rounded() / 10 }),
                         Format.ms(worst.flatMap { t.p99Ms[$0] }),
                         .init(worst.map { String(format: "%.0f s", t.endMs($0) / 1000) } ?? "—", raw: worst.map { Format.raw(t.endMs($0) / 1000) } ?? ""),
                         Format.plain(Double(errorSeconds)), .init(faults.isEmpty ? "—" : faults, raw: faults), .init(gaps.isEmpty ? "—" : gaps, raw: gaps)])
        }
        var table = ReportTable(id: "timeline", title: l.pick("Second by second", "逐秒时间线"),
                                columns: [.init(id: "step", header: l.step), .init(id: "sweep_row", header: "", csvOnly: true),
                                          .init(id: "measured_s", header: l.pick("Measured", "测量时长"), alignRight: true),
                                          .init(id: "qps_lowest_second", header: l.pick("QPS, slowest second", "最慢一秒 QPS"), alignRight: true),
                                          .init(id: "qps_highest_second", header: l.pick("QPS, fastest second", "最快一秒 QPS"), alignRight: true),
                                          .init(id: "p99_worst_second_ms", header: l.pick("P99, worst second", "最差一秒 P99"), alignRight: true),
                                          .init(id: "p99_worst_second_at_s", header: l.pick("at", "时刻"), alignRight: true),
                                          .init(id: "seconds_with_errors", header: l.pick("Seconds with errors", "有错误的秒数"), alignRight: true),
                                          .init(id: "faults", header: l.pick("Faults", "故障")),
                                          .init(id: "metrics_gaps", header: l.pick("Metrics gaps", "指标空缺"))],
                                rows: rows)
        if !rows.isEmpty {
            table.notes.append(l.pick(
                "Each load step's measured phase in intervals of a second (timeline_seconds.csv; each query node's part in node_timeline.csv), drawn in timeline_<step>.svg. P99 of a second is that second's completions' (about 9 % buckets); a second cut short by the end of the phase is left out of the QPS columns.",
                "每个负载步骤的测量阶段按秒统计（timeline_seconds.csv；各查询节点的部分见 node_timeline.csv），图见 timeline_<步骤>.svg。每秒的 P99 取该秒完成的操作（约 9% 精度的分桶）；阶段结束时不满一秒的区间不计入 QPS 列。"))
        }
        return table
    }

    /// Every interval of every load step's timeline (CSV only).
    var timelineSeconds: ReportTable {
        var rows: [[ReportTable.Cell]] = []
        for f in stepsWithTimeline {
            let t = f.step.timeline!
            for i in t.sent.indices {
                let codes = (t.errorsByCode ?? [:]).compactMap { $0.value[i] > 0 ? "\($0.key):\($0.value[i])" : nil }.sorted().joined(separator: " ")
                rows.append([.init(f.label, raw: f.step.id), .init(f.row ?? "", raw: f.row ?? ""),
                             Format.plain(t.endMs(i) / 1000), Format.plain(t.seconds(i)),
                             Format.plain(Double(t.sent[i])), Format.plain(Double(t.completed[i])), Format.plain(Double(t.completed[i]) / t.seconds(i)),
                             Format.plain(Double(t.errors[i])), .init(codes),
                             Format.ms(t.p50Ms[i]), Format.ms(t.p99Ms[i]), Format.ms(t.maxMs[i])])
            }
        }
        var table = ReportTable(id: "timeline_seconds", title: l.pick("Second by second", "逐秒时间线"),
                                columns: [.init(id: "step", header: l.step), .init(id: "sweep_row", header: ""),
                                          .init(id: "at_s", header: ""), .init(id: "interval_s", header: ""),
                                          .init(id: "sent", header: ""), .init(id: "completed", header: ""), .init(id: "qps", header: ""),
                                          .init(id: "errors", header: ""), .init(id: "errors_by_code", header: ""),
                                          .init(id: "p50_ms", header: ""), .init(id: "p99_ms", header: ""), .init(id: "max_ms", header: "")],
                                rows: rows)
        table.csvOnly = true
        return table
    }

    /// Every node's part of every interval of the steps whose traffic was read (CSV only), on the
    /// timeline's clock; a gap's intervals have no values, and the change read after a gap says
    /// where it began (`since_s`).
    var nodeTimeline: ReportTable {
        var rows: [[ReportTable.Cell]] = []
        for f in stepsWithTimeline {
            guard let traffic = f.step.traffic else { continue }
            let offset = f.step.timeline?.trafficOffsetMs ?? 0
            for iv in traffic.intervals {
                let known = iv.requests.compactMap { $0 }.reduce(0, +)
                let whole = !iv.requests.contains { $0 == nil } && iv.sinceMs == nil
                for (i, n) in traffic.nodes.enumerated() {
                    let requests = i < iv.requests.count ? iv.requests[i] : nil
                    let since = iv.sinceMs.flatMap { i < $0.count ? $0[i] : nil }
                    rows.append([.init(f.label, raw: f.step.id), .init(f.row ?? "", raw: f.row ?? ""),
                                 Format.plain((iv.atMs + offset) / 1000), Format.plain(iv.durationMs / 1000),
                                 .init(l.nodeName(n.nodeID), raw: String(n.nodeID)),
                                 Format.plain(requests.map(Double.init)), Format.plain(iv.led.flatMap { i < $0.count ? $0[i] : nil }.map(Double.init)),
                                 Format.percent(whole && known > 0 ? requests.map { (Double($0) / Double(known) * 1000).rounded() / 10 } : nil),
                                 Format.percent(i < iv.cpuPercent.count ? iv.cpuPercent[i].map { ($0 * 10).rounded() / 10 } : nil),
                                 Format.plain(since.map { ($0 + offset) / 1000 }),
                                 .init(requests == nil ? "no answer" : "", raw: requests == nil ? "no_answer" : "")])
                }
            }
        }
        var table = ReportTable(id: "node_timeline", title: l.nodeTraffic,
                                columns: [.init(id: "step", header: l.step), .init(id: "sweep_row", header: ""),
                                          .init(id: "at_s", header: ""), .init(id: "interval_s", header: ""), .init(id: "node", header: ""),
                                          .init(id: "requests", header: ""), .init(id: "led", header: ""), .init(id: "share_percent", header: ""),
                                          .init(id: "cpu_percent", header: ""), .init(id: "since_s", header: ""), .init(id: "metrics", header: "")],
                                rows: rows)
        table.csvOnly = true
        return table
    }
}

extension LoadTimelineRecord {
    /// Three seconds or more: a shorter phase (a quick insert) has no course worth a chart or a
    /// row of its own (its seconds are still in timeline_seconds.csv).
    var isWorthShowing: Bool { spanMs >= 3000 && !sent.isEmpty }
}
