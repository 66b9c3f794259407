import Foundation
import ScenarioRecord

extension Charts {
    /// A watch's timeline: a band with the state at each check (healthy / serving but degraded /
    /// not serving), the background searches per second (succeeded and failed), and markers for
    /// the first fault, alerts firing, recovery commands and the return to serving.
    static func watchChart(_ id: String, _ w: WatchDetails, _ l: Labels) -> Chart {
        let title = "\(l.pick("Health timeline", "健康时间线")) (\(id))"
        let width = 760.0, height = 360.0
        let left = 70.0, right = 30.0, bandTop = 52.0, bandHeight = 22.0
        let top = 104.0, ph = 170.0
        let pw = width - left - right
        let seconds = max(1, w.durationMs / 1000, (w.checks.last?.atMs ?? 0) / 1000)
        func x(_ ms: Double) -> Double { left + pw * min(1, max(0, ms / 1000 / seconds)) }
        var svg = header(width: width, height: height, title: title)

        // State band.
        svg += text(l.pick("state", "状态"), x: left - 8, y: bandTop + 15, anchor: "end", size: 11)
        for (i, c) in w.checks.enumerated() {
            let next = i + 1 < w.checks.count ? w.checks[i + 1].atMs : min(w.durationMs, c.atMs + w.intervalMs)
            let notServing = c.serving == false || c.latencyMs == nil
            let color = notServing ? palette[1] : (c.isTroubled ? palette[3] : palette[2])
            svg += "<rect x=\"\(r(x(c.atMs)))\" y=\"\(r(bandTop))\" width=\"\(r(max(1, x(next) - x(c.atMs))))\" height=\"\(r(bandHeight))\" fill=\"\(color)\"/>\n"
        }

        // Background searches per second.
        let perSecond = w.background?.seconds ?? []
        let yMax = nice(Double(perSecond.map { $0.succeeded + $0.failed }.max() ?? 1))
        for (i, v) in ticks(yMax).enumerated() {
            let y = top + ph - ph * v / yMax
            svg += line(left, y, left + pw, y, stroke: i == 0 ? "#999" : "#e0e0e0")
            svg += text(Format.number(v), x: left - 8, y: y + 4, anchor: "end", size: 11)
        }
        svg += text(l.pick("searches / s", "查询数 / 秒"), x: 18, y: top + ph / 2, anchor: "middle", size: 11, rotate: true)
        if perSecond.isEmpty {
            svg += text(l.pick("no background load", "无后台查询负载"), x: left + pw / 2, y: top + ph / 2, anchor: "middle", fill: "#888")
        }
        let barWidth = max(1, pw / seconds - 0.5)
        for s in perSecond {
            let bx = x(Double(s.second) * 1000)
            let okHeight = ph * Double(s.succeeded) / yMax, failedHeight = ph * Double(s.failed) / yMax
            if s.succeeded > 0 {
                svg += "<rect x=\"\(r(bx))\" y=\"\(r(top + ph - okHeight))\" width=\"\(r(barWidth))\" height=\"\(r(okHeight))\" fill=\"\(palette[2])\"/>\n"
            }
            if s.failed > 0 {
                svg += "<rect x=\"\(r(bx))\" y=\"\(r(top + ph - okHeight - failedHeight))\" width=\"\(r(barWidth))\" height=\"\(r(failedHeight))\" fill=\"\(palette[1])\"/>\n"
            }
        }
        // Time axis.
        svg += timeAxis(y: top + ph, seconds: seconds, x: x)

        // Markers: where they are drawn, and what they mean in the legend.
        var markers: [(ms: Double, color: String, label: String)] = []
        if let fault = w.recovery?.faultAtMs {
            markers.append((fault, palette[1], l.pick("fault", "故障")))
        }
        if let fired = w.alerts.map(\.firedAtMs).min() { markers.append((fired, palette[3], l.pick("alert", "告警"))) }
        if let recover = w.actions.filter({ $0.kind == .recover }).map(\.startedAtMs).min() {
            markers.append((recover, palette[0], l.pick("recovery", "恢复命令")))
        }
        if let serving = w.recovery?.servingAtMs {
            markers.append((serving, palette[4], l.pick("serving again", "恢复可查询")))
        } else if let recovered = w.recovery?.recoveredAtMs {
            markers.append((recovered, palette[4], l.pick("recovered", "已恢复")))
        }
        for m in markers {
            svg += "<line x1=\"\(r(x(m.ms)))\" y1=\"\(r(bandTop - 4))\" x2=\"\(r(x(m.ms)))\" y2=\"\(r(top + ph))\" stroke=\"\(m.color)\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n"
        }

        // Legend: colors of the band and bars, then the markers with their times.
        var lx = left
        let ly = top + ph + 42
        let swatches: [(String, String)] = [(palette[2], l.pick("healthy / succeeded", "健康 / 成功")),
                                            (palette[3], l.pick("serving, degraded", "可查询但降级")),
                                            (palette[1], l.pick("not serving / failed", "不可查询 / 失败"))]
        for (color, label) in swatches {
            svg += "<rect x=\"\(r(lx))\" y=\"\(r(ly - 9))\" width=\"12\" height=\"12\" fill=\"\(color)\"/>\n"
            svg += text(label, x: lx + 17, y: ly + 1, anchor: "start", size: 11)
            lx += 17 + textWidth(label, size: 11) + 18
        }
        lx = left
        let ly2 = ly + 22
        for m in markers {
            let label = "\(m.label) \(String(format: "%.0f", m.ms / 1000))s"
            svg += "<line x1=\"\(r(lx))\" y1=\"\(r(ly2 - 4))\" x2=\"\(r(lx + 16))\" y2=\"\(r(ly2 - 4))\" stroke=\"\(m.color)\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n"
            svg += text(label, x: lx + 21, y: ly2, anchor: "start", size: 11)
            lx += 21 + textWidth(label, size: 11) + 18
        }
        svg += "</svg>\n"
        return Chart(file: "watch_\(id).svg", title: title, svg: svg)
    }
}
