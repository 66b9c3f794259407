import Foundation
import ScenarioRecord

extension Charts {
    /// One series of a panel: points (x in ms, y or nil for a gap), its colour and, when dashed,
    /// the dash pattern (drawn lighter).
    struct PanelSeries {
        var points: [(Double, Double?)]
        var color: String
        var dash: String? = nil
    }

    /// One panel of a chart over time: its axis, grid and a line through the checks that have a
    /// value (a gap where one has none), and optionally a second, dashed series on the same axis.
    static func timePanel(y0: Double, height panel: Double, left: Double, width pw: Double, x: (Double) -> Double, label: String,
                          values: [(Double, Double?)], second: [(Double, Double?)] = [], color: String, stepped: Bool, floor: Double,
                          _ l: Labels) -> String {
        seriesPanel(y0: y0, height: panel, left: left, width: pw, x: x, label: label,
                    series: [PanelSeries(points: second, color: color, dash: "6 4"), PanelSeries(points: values, color: color)],
                    stepped: stepped, floor: floor, l)
    }

    /// A panel with any number of series on one axis, drawn in order (the last on top). A
    /// series jumps over the points without a value, or with `breakAtGaps` stops there and
    /// starts again after; `top` fixes the axis' maximum (a percentage's 100).
    static func seriesPanel(y0: Double, height panel: Double, left: Double, width pw: Double, x: (Double) -> Double, label: String,
                            series: [PanelSeries], stepped: Bool = false, breakAtGaps: Bool = false, floor: Double, top: Double? = nil,
                            _ l: Labels) -> String {
        let known = series.flatMap { $0.points.compactMap { $0.1 } }
        let yMax = top ?? nice(max(floor, known.max() ?? floor))
        var s = text(label, x: left, y: y0 - 6, anchor: "start", size: 11, weight: "bold")
        for (i, v) in ticks(yMax).enumerated() where i % (stepped && yMax <= 5 ? 1 : 2) == 0 || i == 5 {
            let y = y0 + panel - panel * v / yMax
            s += line(left, y, left + pw, y, stroke: i == 0 ? "#999" : "#e0e0e0")
            s += text(Format.number(v), x: left - 8, y: y + 4, anchor: "end", size: 10)
        }
        func polyline(_ series: PanelSeries) -> String {
            var runs: [[String]] = [[]]
            var previousY: Double?
            for (ms, v) in series.points {
                guard let v else {
                    previousY = nil
                    if breakAtGaps, !runs[runs.count - 1].isEmpty { runs.append([]) }
                    continue
                }
                let px = x(ms), py = y0 + panel - panel * min(v, yMax) / yMax
                if stepped, let p = previousY { runs[runs.count - 1].append("\(r(px)),\(r(p))") }
                runs[runs.count - 1].append("\(r(px)),\(r(py))")
                previousY = py
            }
            return runs.filter { $0.count > 1 }.map { points in
                "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"2\""
                    + (series.dash.map { " stroke-dasharray=\"\($0)\" stroke-opacity=\"0.6\"" } ?? "") + "/>\n"
            }.joined()
        }
        for one in series { s += polyline(one) }
        if known.isEmpty {
            s += text(l.pick("not measured", "未测得"), x: left + pw / 2, y: y0 + panel / 2, anchor: "middle", fill: "#888")
        }
        return s
    }

    /// Ticks and labels of a time axis of `seconds` at `y`: about ten, `shortest` s apart or more
    /// (steps of 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 30, 60 min).
    static func timeAxis(y: Double, seconds: Double, shortest: Double = 5, x: (Double) -> Double) -> String {
        var svg = ""
        let step = [1.0, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].filter { $0 >= shortest }.first { seconds / $0 <= 10 } ?? 3600
        var t = 0.0
        while t <= seconds + 0.001 {
            let xx = x(t * 1000)
            svg += line(xx, y, xx, y + 4, stroke: "#999")
            svg += text(t >= 60 && step >= 60 ? "\(Int(t / 60))m" : "\(Int(t))s", x: xx, y: y + 17, anchor: "middle", size: 11)
            t += step
        }
        return svg
    }
}
