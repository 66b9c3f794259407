import Foundation
import ScenarioRecord
import ScenarioSpec

/// A comparison as text: the Markdown table `compare` prints, and a JUnit file with one test
/// case per gated metric.
extension RunComparison {
    /// What was compared, for the heading: the files or folder as the user named them.
    public struct Names: Sendable {
        public var old: String
        public var new: String
        public init(old: String, new: String) {
            self.old = old
            self.new = new
        }
    }

    public func markdown(_ names: Names) -> String {
        var out = "# milvus-scenario compare\n\n"
        if baselineRuns == 1 {
            out += "Old: `\(names.old)` · New: `\(names.new)`\n\n"
        } else {
            out += "Baseline: `\(names.old)` (\(baselineRuns) runs: median and spread; metrics with fewer than \(settings.minimumHistory) runs against the latest) · New: `\(names.new)`\n\n"
        }
        out += "Gated: \(gateDescription). \(Self.methodSentence(settings, history: baselineRuns > 1))\n\n"
        for w in warnings { out += "⚠️ \(w)\n\n" }
        let gated = gatedRows
        if regressions.isEmpty {
            out += "✅ **No significant regression** in \(gated.count) gated metric\(gated.count == 1 ? "" : "s")"
            out += inconclusive.isEmpty ? ".\n\n" : " (\(inconclusive.count) inconclusive: \(inconclusive.map { "`\($0.step).\($0.metric)`" }.joined(separator: ", "))).\n\n"
        } else {
            out += "❌ **\(regressions.count) significant regression\(regressions.count == 1 ? "" : "s")**: "
            out += regressions.map { "`\($0.step).\($0.metric)` (\(changeText($0)))" }.joined(separator: ", ") + "\n\n"
        }
        if !gated.isEmpty {
            let oldHeader = baselineRuns == 1 ? "old" : "baseline median (min – max, runs)"
            out += "| step | metric | \(oldHeader) | new | change | 90 % interval | tolerance | verdict |\n|---|---|---:|---:|---:|---:|---:|---|\n"
            let order: [Verdict] = [.regression, .tooFewSamples, .inconclusive, .improvement, .withinTolerance]
            for r in gated.sorted(by: { order.firstIndex(of: $0.verdict)! < order.firstIndex(of: $1.verdict)! }) {
                let interval = r.interval.map { "\(Self.amount($0.low, r.tolerance!, r.unit, signed: true)) … \(Self.amount($0.high, r.tolerance!, r.unit, signed: true))" } ?? "—"
                out += "| \(r.step) | \(r.metric) | \(oldCell(r)) | \(Format.withUnit(r.new, r.unit.rawValue)) | \(changeText(r)) | \(interval) | \(r.tolerance!.text(unit: r.unit)) | \(verdictText(r)) |\n"
            }
            out += "\n"
        }
        let shown = rows.filter { !$0.gated }
        if !shown.isEmpty {
            out += "## Other metrics (shown, not judged)\n\n| step | metric | \(baselineRuns == 1 ? "old" : "baseline median") | new | change |\n|---|---|---:|---:|---:|\n"
            for r in shown {
                let change = r.changePercent.map { ($0 > 0 ? "+" : "") + String(format: "%.1f%%", $0) } ?? "new"
                out += "| \(r.step) | \(r.metric) | \(Format.withUnit(r.old, r.unit.rawValue)) | \(Format.withUnit(r.new, r.unit.rawValue)) | \(change) |\n"
            }
            out += "\n"
        }
        if !onlyInOld.isEmpty { out += "Steps only in the \(baselineRuns == 1 ? "old run" : "latest baseline run"): \(onlyInOld.joined(separator: ", "))\n\n" }
        if !onlyInNew.isEmpty { out += "Steps only in the new run: \(onlyInNew.joined(separator: ", "))\n\n" }
        return out
    }

    var gateDescription: String {
        switch gateSource {
        case .options: return "the metrics given with --metric (\(gatedRows.count))"
        case .scenario: return "the scenario's `regressions:` block (\(gatedRows.count) metric\(gatedRows.count == 1 ? "" : "s"))"
        case .defaults:
            return "the defaults — QPS, P50/P95/P99, error rate, recall, rows/s (tolerance \(ScenarioNumber.format(settings.relativePercent))%, recall \(ScenarioNumber.format(settings.fractionDrop)), error rate \(ScenarioNumber.format(settings.percentPoints)) points)"
        }
    }

    static func methodSentence(_ s: Settings, history: Bool) -> String {
        let level = ScenarioNumber.format(s.confidence * 100)
        let extra = history ? "and beyond 3 robust SDs of the baseline runs' own spread"
                            : "plus the \(ScenarioNumber.format(s.runNoisePercent)) % two identical runs may drift apart (--run-noise; a --baseline history measures it instead)"
        return "A regression is a change whose whole one-sided \(level) % bound, resampled from the runs' histograms and per-interval series, lies beyond the tolerance \(extra). See docs/regression-gate.md."
    }

    func oldCell(_ r: Row) -> String {
        let u = r.unit.rawValue
        guard let b = r.baseline else { return Format.withUnit(r.old, u) }
        return "\(Format.withUnit(b.median, u)) (\(Format.withUnit(b.min, u)) – \(Format.withUnit(b.max, u)), \(b.runs))"
    }

    func changeText(_ r: Row) -> String {
        if let c = r.change, let t = r.tolerance { return Self.amount(c, t, r.unit, signed: true) }
        return r.changePercent.map { ($0 > 0 ? "+" : "") + String(format: "%.1f%%", $0) } ?? "new"
    }

    func verdictText(_ r: Row) -> String {
        let note = r.note.map { " (\($0))" } ?? ""
        switch r.verdict {
        case .regression: return "❌ regression" + note
        case .improvement: return "✅ improvement" + note
        case .inconclusive: return "❔ inconclusive: not significant" + note
        case .tooFewSamples: return "❔ inconclusive" + note
        case .withinTolerance: return "✅ within tolerance" + (r.note?.hasPrefix("too few") == true ? "" : note)
        case .notGated: return ""
        }
    }

    /// One test case per gated metric: a failure for a significant regression, skipped for an
    /// inconclusive one.
    public func junit(_ names: Names) -> String {
        let gated = gatedRows
        let failures = regressions.count, skipped = inconclusive.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"milvus-scenario compare\" tests=\"\(gated.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\">\n"
        out += "  <testsuite name=\"compare\" tests=\"\(gated.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\">\n"
        out += "    <properties>\n"
        out += "      <property name=\"old\" value=\"\(xml(names.old))\"/>\n      <property name=\"new\" value=\"\(xml(names.new))\"/>\n"
        out += "      <property name=\"baselineRuns\" value=\"\(baselineRuns)\"/>\n"
        for w in warnings { out += "      <property name=\"warning\" value=\"\(xml(w))\"/>\n" }
        out += "    </properties>\n"
        for r in gated {
            let summary = "\(oldCell(r)) → \(Format.withUnit(r.new, r.unit.rawValue)): \(changeText(r))"
                + (r.interval.map { ", 90 % interval \(Self.amount($0.low, r.tolerance!, r.unit, signed: true)) … \(Self.amount($0.high, r.tolerance!, r.unit, signed: true))" } ?? "")
                + ", tolerance \(r.tolerance!.text(unit: r.unit))" + (r.note.map { " (\($0))" } ?? "")
            out += "    <testcase classname=\"compare.\(xml(r.step))\" name=\"\(xml(r.metric))\" time=\"0\">\n"
            switch r.verdict {
            case .regression:
                out += "      <failure message=\"\(xml("significant regression: " + summary))\" type=\"regression\">\(xml(summary))</failure>\n"
            case .inconclusive, .tooFewSamples:
                out += "      <skipped message=\"\(xml("inconclusive: " + summary))\"/>\n"
            default:
                out += "      <system-out>\(xml(r.verdict.rawValue + ": " + summary))</system-out>\n"
            }
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }
}
