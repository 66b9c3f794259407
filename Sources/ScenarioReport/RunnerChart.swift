import Foundation
import ScenarioRecord

extension Charts {
    /// The runner's own footprint over a watch (a soak): resident memory, CPU per check, and open
    /// files with TCP connections (dashed) — flat lines mean nothing leaks.
    static func runnerChart(_ id: String, _ w: WatchDetails, _ l: Labels) -> Chart? {
        guard w.checks.contains(where: { $0.runner != nil }) else { return nil }
        let title = "\(l.pick("The runner's own footprint", "运行器自身资源占用")) (\(id))"
        let width = 760.0, left = 70.0, right = 30.0, panel = 90.0, gap = 28.0, top = 48.0
        let height = top + 3 * panel + 2 * gap + 40
        let pw = width - left - right
        let seconds = max(1, w.durationMs / 1000, (w.checks.last?.atMs ?? 0) / 1000)
        func x(_ ms: Double) -> Double { left + pw * min(1, max(0, ms / 1000 / seconds)) }
        var svg = header(width: width, height: height, title: title)
        let series: [(String, [(Double, Double?)], [(Double, Double?)], Double)] = [
            (l.pick("Resident memory (MiB)", "常驻内存 (MiB)"), w.checks.map { ($0.atMs, $0.runner?.rssMB) }, [], 10),
            (l.pick("CPU since the previous check (% of one core)", "距上次检查的 CPU (单核百分比)"), w.checks.map { ($0.atMs, $0.runner?.cpuPercent) }, [], 10),
            (l.pick("Open files (solid) and TCP connections (dashed)", "打开的文件（实线）与 TCP 连接（虚线）"),
             w.checks.map { ($0.atMs, $0.runner.map { Double($0.openFiles) }) }, w.checks.map { ($0.atMs, $0.runner.map { Double($0.connections) }) }, 5),
        ]
        for (i, (label, values, second, floor)) in series.enumerated() {
            svg += timePanel(y0: top + Double(i) * (panel + gap), height: panel, left: left, width: pw, x: x, label: label,
                             values: values, second: second, color: palette[i], stepped: i == 2, floor: floor, l)
        }
        let axisY = top + 3 * panel + 2 * gap - gap
        svg += timeAxis(y: axisY, seconds: seconds, x: x)
        svg += "</svg>\n"
        return Chart(file: "runner_\(id).svg", title: title, svg: svg)
    }
}
