import Foundation
import ScenarioRecord

extension Charts {
    /// One panel of a chart over time: its axis, grid and a line through the checks that have a
    /// value (a gap where one has none), and optionally a second, dashed series on the same axis.
    static func timePanel(y0: Double, height panel: Double, left: Double, width pw: Double, x: (Double) -> Double, label: String,
                          values: [(Double, Double?)], second: [(Double, Double?)] = [], color: String, stepped: Bool, floor: Double,
                          _ l: Labels) -> String {
        let known = (values + second).compactMap { $0.1 }
        let yMax = nice(max(floor, known.max() ?? floor))
        var s = text(label, x: left, y: y0 - 6, anchor: "start", size: 11, weight: "bold")
        for (i, v) in ticks(yMax).enumerated() where i % (stepped && yMax <= 5 ? 1 : 2) == 0 || i == 5 {
            let y = y0 + panel - panel * v / yMax
            s += line(left, y, left + pw, y, stroke: i == 0 ? "#999" : "#e0e0e0")
            s += text(Format.number(v), x: left - 8, y: y + 4, anchor: "end", size: 10)
        }
        func polyline(_ series: [(Double, Double?)], dash: String?) -> String {
            var points: [String] = []
            var previousY: Double?
            for (ms, v) in series {
                guard let v else { previousY = nil; continue }
                let px = x(ms), py = y0 + panel - panel * v / yMax
                if stepped, let p = previousY { points.append("\(r(px)),\(r(p))") }
                points.append("\(r(px)),\(r(py))")
                previousY = py
            }
            guard points.count > 1 else { return "" }
            return "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\""
                + (dash.map { " stroke-dasharray=\"\($0)\" stroke-opacity=\"0.6\"" } ?? "") + "/>\n"
        }
        s += polyline(second, dash: "6 4") + polyline(values, dash: nil)
        if known.isEmpty {
            s += text(l.pick("not measured", "未测得"), x: left + pw / 2, y: y0 + panel / 2, anchor: "middle", fill: "#888")
        }
        return s
    }
}
