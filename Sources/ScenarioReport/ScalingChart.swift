import Foundation
import ScenarioRecord

extension Charts {
    /// A scaling watch over time, three panels on one time axis: the query nodes the deployment
    /// reported at each check, their average CPU (what the auto-scaler compares with its limit),
    /// and the background searches' P99 — with a marker at every scaling decision.
    static func scalingChart(_ id: String, _ w: WatchDetails, _ l: Labels) -> Chart? {
        guard let decisions = w.scaling, !w.checks.isEmpty else { return nil }
        let title = "\(l.pick("Scaling", "扩缩容")) (\(id))"
        let width = 760.0, left = 70.0, right = 30.0, panel = 90.0, gap = 28.0, top = 48.0
        let height = top + 3 * panel + 2 * gap + 80
        let pw = width - left - right
        let seconds = max(1, w.durationMs / 1000, (w.checks.last?.atMs ?? 0) / 1000)
        func x(_ ms: Double) -> Double { left + pw * min(1, max(0, ms / 1000 / seconds)) }
        var svg = header(width: width, height: height, title: title)

        func panelSVG(_ index: Int, label: String, values: [(Double, Double?)], color: String, stepped: Bool, floor: Double,
                      second: [(Double, Double?)] = []) -> String {
            timePanel(y0: top + Double(index) * (panel + gap), height: panel, left: left, width: pw, x: x, label: label,
                      values: values, second: second, color: color, stepped: stepped, floor: floor, l)
        }
        svg += panelSVG(0, label: l.pick("Query nodes: running (own /metrics, solid) and reported by the cluster (GetMetrics, dashed)",
                                         "查询节点数：运行中（自身 /metrics，实线）与集群报告（GetMetrics，虚线）"),
                        values: w.checks.map { ($0.atMs, $0.queryNodes.map(Double.init)) }, color: palette[0], stepped: true, floor: 1,
                        second: w.checks.map { ($0.atMs, $0.reportedQueryNodes.map(Double.init)) })
        svg += panelSVG(1, label: l.pick("Query nodes' average CPU (%)", "查询节点平均 CPU (%)"),
                        values: w.checks.map { ($0.atMs, $0.nodeCPUAveragePercent) }, color: palette[3], stepped: false, floor: 10)
        svg += panelSVG(2, label: l.pick("Background search P99 (ms)", "后台查询 P99 (毫秒)"),
                        values: w.checks.map { ($0.atMs, $0.backgroundP99Ms) }, color: palette[4], stepped: false, floor: 1)

        // Decisions, across all panels.
        let bottom = top + 3 * panel + 2 * gap
        for d in decisions {
            let color = d.isScaleOut ? palette[2] : palette[1]
            svg += "<line x1=\"\(r(x(d.atMs)))\" y1=\"\(r(top - 4))\" x2=\"\(r(x(d.atMs)))\" y2=\"\(r(bottom - gap))\" stroke=\"\(color)\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n"
            if let serving = d.servingAtMs {
                svg += "<line x1=\"\(r(x(serving)))\" y1=\"\(r(top - 4))\" x2=\"\(r(x(serving)))\" y2=\"\(r(bottom - gap))\" stroke=\"\(palette[0])\" stroke-width=\"1\" stroke-dasharray=\"2 3\"/>\n"
            }
        }
        // Time axis under the last panel.
        let axisY = bottom - gap
        svg += timeAxis(y: axisY, seconds: seconds, x: x)
        var lx = left
        let ly = axisY + 44
        for (color, dash, label) in [(palette[2], "5 3", l.pick("scale out", "扩容")), (palette[1], "5 3", l.pick("scale in", "缩容")),
                                     (palette[0], "2 3", l.pick("new node serves searches", "新节点开始处理查询"))] {
            svg += "<line x1=\"\(r(lx))\" y1=\"\(r(ly - 4))\" x2=\"\(r(lx + 16))\" y2=\"\(r(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\" stroke-dasharray=\"\(dash)\"/>\n"
            svg += text(label, x: lx + 21, y: ly, anchor: "start", size: 11)
            lx += 21 + textWidth(label, size: 11) + 18
        }
        svg += "</svg>\n"
        return Chart(file: "scaling_\(id).svg", title: title, svg: svg)
    }
}
