import Foundation
import ScenarioRecord

/// An SVG chart written next to the report and linked from it.
struct Chart: Sendable {
    var file: String
    var title: String
    var svg: String
}

/// SVG charts, self-contained (no scripts, no external fonts), sized so that labels fit:
/// widths of text are estimated generously (CJK characters count as a full em).
enum Charts {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]
    static let font = "font-family=\"'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif\""

    static func all(_ record: RunRecord, labels l: Labels) -> [Chart] {
        var charts: [Chart] = []
        if let c = latencySpectrum(record, l) { charts.append(c) }
        // Each kind draws its own: of a top-level step (a sweep's comparison), then of every step
        // wherever it ran (in a sweep row or a parallel too).
        for s in record.steps { charts += StepReporters.reporter(for: s)?.runCharts(s, l) ?? [] }
        for f in record.flatSteps { charts += StepReporters.reporter(for: f.step)?.charts(f, l) ?? [] }
        // Every load step's seconds, whatever its kind.
        charts += record.flatSteps.compactMap { loadTimeline($0, l) }
        return charts
    }

    // MARK: latency percentile spectrum

    /// Latency by percentile with the percentile axis log-scaled (0 %, 90 %, 99 %, 99.9 % … equally
    /// spaced), as HdrHistogram's plots draw it: the tail gets as much room as the median.
    static func latencySpectrum(_ record: RunRecord, _ l: Labels) -> Chart? {
        let series = record.flatSteps.compactMap { f -> (String, [(Double, Double)])? in
            guard let h = f.step.search?.latency, let points = spectrum(h) else { return nil }
            return (f.label, points)
        }
        guard !series.isEmpty else { return nil }
        let decades = max(2.0, min(5.0, series.flatMap { $0.1.map(\.0) }.max()!.rounded(.up)))
        let yMax = nice(series.flatMap { $0.1.map(\.1) }.max()!)
        let title = l.pick("Latency by percentile", "延迟百分位分布")
        let legendWidth = min(260, max(120, series.map { textWidth($0.0, size: 12) }.max()! + 40))
        let width = 560 + legendWidth, height = 380.0
        let left = 70.0, right = legendWidth + 20, top = 48.0, bottom = 56.0
        let pw = width - left - right, ph = height - top - bottom
        var svg = header(width: width, height: height, title: title)
        // Grid and axes
        for d in 0...Int(decades) {
            let x = left + pw * Double(d) / decades
            svg += line(x, top, x, top + ph, stroke: "#e0e0e0")
            let label = d == 0 ? "0%" : percentLabel(d)
            svg += text(label, x: x, y: top + ph + 18, anchor: "middle")
        }
        for (i, v) in ticks(yMax).enumerated() {
            let y = top + ph - ph * v / yMax
            svg += line(left, y, left + pw, y, stroke: i == 0 ? "#999" : "#e0e0e0")
            svg += text(Format.number(v), x: left - 8, y: y + 4, anchor: "end")
        }
        svg += text(l.pick("percentile", "百分位"), x: left + pw / 2, y: height - 14, anchor: "middle")
        svg += text(l.pick("latency (ms)", "延迟 (ms)"), x: 16, y: top + ph / 2, anchor: "middle", rotate: true)
        // Lines
        for (i, s) in series.enumerated() {
            let color = palette[i % palette.count]
            let pts = s.1.map { (x, y) in (left + pw * min(x, decades) / decades, top + ph - ph * y / yMax) }
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(pts.map { "\(r($0.0)),\(r($0.1))" }.joined(separator: " "))\"/>\n"
            let ly = top + 8 + Double(i) * 20
            svg += line(width - right + 14, ly, width - right + 34, ly, stroke: color, width: 3)
            svg += text(s.0, x: width - right + 40, y: ly + 4, anchor: "start")
        }
        svg += "</svg>\n"
        return Chart(file: "latency.svg", title: title, svg: svg)
    }

    /// (log10(1 / (1 - p)), latency ms) pairs, from 0 up to the highest recorded latency.
    static func spectrum(_ h: EncodedHistogram) -> [(Double, Double)]? {
        let pairs = h.counts.filter { $0.count == 2 && $0[1] > 0 }.map { (Double($0[0]), Double($0[1])) }.sorted { $0.0 < $1.0 }
        let total = pairs.reduce(0) { $0 + $1.1 }
        guard total > 0 else { return nil }
        let scale = h.unit == "us" ? 1000.0 : 1.0
        let maxDecade = max(1, log10(total))
        var points: [(Double, Double)] = []
        var k = 0.0
        while k <= maxDecade {
            let p = 1 - pow(10, -k)
            let rank = max(1, (p * total).rounded(.up))
            var cumulative = 0.0
            var value = pairs.last!.0
            for (v, c) in pairs {
                cumulative += c
                if cumulative >= rank { value = v; break }
            }
            points.append((k, value / scale))
            k += 0.05
        }
        points.append((maxDecade, pairs.last!.0 / scale))
        return points
    }

    static func percentLabel(_ decades: Int) -> String {
        // 1 → 90%, 2 → 99%, 3 → 99.9% …
        if decades == 1 { return "90%" }
        return "99" + (decades > 2 ? "." + String(repeating: "9", count: decades - 2) : "") + "%"
    }

    // MARK: sweep comparison

    static func sweepChart(_ id: String, _ sweep: SweepDetails, _ l: Labels) -> Chart? {
        guard !sweep.rows.isEmpty else { return nil }
        let title = "\(l.comparison(sweep.parameter)) (\(id))"
        let categories = sweep.rows.map { "\(l.parameter(sweep.parameter)) \($0.value)" }
        let width = 760.0, height = 320.0
        var svg = header(width: width, height: height, title: title)
        let na = l.pick("not supported", "不支持")
        svg += barPanel(x: 60, y: 56, w: 300, h: 220, title: "QPS", categories: categories, values: sweep.rows.map { $0.status == .ok ? $0.qps : nil },
                        color: palette[0], missing: na)
        svg += barPanel(x: 440, y: 56, w: 300, h: 220, title: l.pick("P99 latency (ms)", "P99 延迟 (ms)"), categories: categories,
                        values: sweep.rows.map { $0.status == .ok ? $0.p99Ms : nil }, color: palette[1], missing: na)
        svg += "</svg>\n"
        return Chart(file: "sweep_\(id).svg", title: title, svg: svg)
    }

    // MARK: node load

    static func nodeChart(_ id: String, _ m: MonitorDetails, _ l: Labels) -> Chart {
        let title = "\(l.nodeLoad) (\(id))"
        let categories = m.nodes.map { $0.name }
        let width = 760.0, height = 320.0
        var svg = header(width: width, height: height, title: title)
        svg += barPanel(x: 60, y: 56, w: 300, h: 220, title: l.rows, categories: categories, values: m.nodes.map { Double($0.rows) },
                        color: palette[2], missing: "—", extra: m.nodes.map { l.pick("\($0.segments) segment\($0.segments == 1 ? "" : "s")", "\($0.segments) 个 Segment") })
        svg += barPanel(x: 440, y: 56, w: 300, h: 220, title: l.memory, categories: categories, values: m.nodes.map(\.memoryMB),
                        color: palette[3], missing: "—")
        svg += "</svg>\n"
        return Chart(file: "nodes_\(id).svg", title: title, svg: svg)
    }

    /// A bar chart in a box: value labels above bars, category labels below, `missing` where no value.
    static func barPanel(x: Double, y: Double, w: Double, h: Double, title: String, categories: [String], values: [Double?],
                         color: String, missing: String, extra: [String]? = nil) -> String {
        var svg = text(title, x: x + w / 2, y: y - 14, anchor: "middle", weight: "bold")
        let top = nice(values.compactMap { $0 }.max() ?? 1)
        for (i, v) in ticks(top).enumerated() {
            let yy = y + h - h * v / top
            svg += line(x, yy, x + w, yy, stroke: i == 0 ? "#999" : "#e0e0e0")
            svg += text(Format.number(v), x: x - 6, y: yy + 4, anchor: "end", size: 11)
        }
        let slot = w / Double(max(1, categories.count))
        let bar = min(60, slot * 0.6)
        for (i, c) in categories.enumerated() {
            let cx = x + slot * (Double(i) + 0.5)
            if let v = values[i] {
                let bh = h * v / top
                svg += "<rect x=\"\(r(cx - bar / 2))\" y=\"\(r(y + h - bh))\" width=\"\(r(bar))\" height=\"\(r(bh))\" fill=\"\(color)\"/>\n"
                svg += text(Format.number(v), x: cx, y: y + h - bh - 5, anchor: "middle", size: 11)
            } else {
                svg += text(missing, x: cx, y: y + h - 6, anchor: "middle", size: 11, fill: "#888")
            }
            let fitted = fit(c, width: slot - 4, size: 11)
            svg += text(fitted, x: cx, y: y + h + 16, anchor: "middle", size: 11)
            if let extra { svg += text(extra[i], x: cx, y: y + h + 31, anchor: "middle", size: 11, fill: "#555") }
        }
        return svg
    }

    // MARK: drawing helpers

    static func header(width: Double, height: Double, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(r(width))\" height=\"\(r(height))\" viewBox=\"0 0 \(r(width)) \(r(height))\" \(font) font-size=\"12\">\n"
            + "<title>\(xml(title))</title>\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
            + text(title, x: width / 2, y: 24, anchor: "middle", size: 15, weight: "bold")
    }

    static func text(_ s: String, x: Double, y: Double, anchor: String, size: Double = 12, weight: String? = nil, fill: String = "#222", rotate: Bool = false) -> String {
        let transform = rotate ? " transform=\"rotate(-90 \(r(x)) \(r(y)))\"" : ""
        return "<text x=\"\(r(x))\" y=\"\(r(y))\" text-anchor=\"\(anchor)\" font-size=\"\(r(size))\" fill=\"\(fill)\"\(weight.map { " font-weight=\"\($0)\"" } ?? "")\(transform)>\(xml(s))</text>\n"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1) -> String {
        "<line x1=\"\(r(x1))\" y1=\"\(r(y1))\" x2=\"\(r(x2))\" y2=\"\(r(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(r(width))\"/>\n"
    }

    /// Estimated width of a text: a full em for CJK and other wide characters, 0.62 em otherwise.
    static func textWidth(_ s: String, size: Double) -> Double {
        s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x2E80 ? size : size * 0.62) }
    }

    /// The text, shortened with "…" to fit `width`.
    static func fit(_ s: String, width: Double, size: Double) -> String {
        guard textWidth(s, size: size) > width else { return s }
        var out = ""
        for ch in s {
            if textWidth(out + String(ch) + "…", size: size) > width { break }
            out.append(ch)
        }
        return out + "…"
    }

    /// A round axis maximum at or above v: 1, 2, 2.5, 5 × 10^n.
    static func nice(_ v: Double) -> Double {
        guard v > 0, v.isFinite else { return 1 }
        let target = v * 1.05       // room for the value label above the tallest bar
        let exp = pow(10, floor(log10(target)))
        for m in [1.0, 2, 2.5, 5, 10] where m * exp >= target { return m * exp }
        return 10 * exp
    }

    static func ticks(_ top: Double) -> [Double] { (0...5).map { top * Double($0) / 5 } }

    static func r(_ v: Double) -> String {
        let s = String(format: "%.1f", v)
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }
}
