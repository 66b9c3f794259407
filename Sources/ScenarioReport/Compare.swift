import Foundation
import ScenarioRecord
import ScenarioSpec

/// `compare OLD NEW`: every metric both runs recorded for the same step, with its change, and
/// the regressions beyond a tolerance — direction-aware (higher QPS is better, higher P99 worse).
public struct Comparison: Sendable {
    public struct Row: Sendable {
        public var step: String
        public var kind: String
        public var metric: String
        public var unit: MetricUnit
        public var better: MetricSpec.Better
        public var old: Double
        public var new: Double
        /// (new − old) ÷ |old| × 100; nil when old is 0.
        public var changePercent: Double?
        public var regression: Bool
        public var improvement: Bool
    }

    public var rows: [Row]
    /// Tolerance in percent.
    public var maxRegression: Double
    /// Tolerance for fractions such as recall, in absolute terms (0.01: a drop from 0.95 to
    /// 0.939 is a regression): a relative tolerance of 10 % would let recall fall from 0.95 to 0.86.
    public var maxFractionDrop: Double
    public var onlyInOld: [String]
    public var onlyInNew: [String]
    public var regressions: [Row] { rows.filter(\.regression) }

    /// Compares the steps of two records by step id (nested sweep steps as `<sweep>[<value>].<id>`,
    /// a parallel's steps by their own ids).
    public init(old: RunRecord, new: RunRecord, maxRegression: Double, maxFractionDrop: Double = 0.01) {
        self.maxRegression = maxRegression
        self.maxFractionDrop = maxFractionDrop
        func index(_ r: RunRecord) -> [(String, StepRecord)] {
            var out: [(String, StepRecord)] = []
            for s in r.steps where s.status == .ok {
                out.append((s.id, s))
                if let sweep = s.sweep {
                    for row in sweep.rows {
                        for n in row.steps where n.status == .ok { out.append(("\(s.id)[\(row.value)].\(n.id)", n)) }
                    }
                }
                // A parallel's steps ran once each: compared by their own ids.
                for n in s.parallel ?? [] where n.status == .ok { out.append((n.id, n)) }
            }
            return out
        }
        let oldSteps = index(old), newSteps = Dictionary(index(new), uniquingKeysWith: { a, _ in a })
        var rows: [Row] = []
        for (key, o) in oldSteps {
            guard let n = newSteps[key], n.kind == o.kind else { continue }
            let specs = StepKinds.metrics(of: o.kind)
            for spec in specs {
                // A step's wall time is compared only for search steps: for create, load or drop it is
                // milliseconds of noise that would flag "regressions" nobody can act on.
                guard spec.name != "totalTime" || StepKinds.type(named: o.kind)?.measuresRequestLatency == true,
                      let a = o.metrics[spec.name], let b = n.metrics[spec.name] else { continue }
                let change: Double? = a != 0 ? (b - a) / abs(a) * 100 : (b == 0 ? 0 : nil)
                var regression = false, improvement = false
                switch spec.better {
                case .higher where spec.unit == .fraction:
                    regression = a - b > maxFractionDrop + 1e-12
                    improvement = b - a > maxFractionDrop + 1e-12
                case .lower where spec.unit == .fraction:
                    regression = b - a > maxFractionDrop + 1e-12
                    improvement = a - b > maxFractionDrop + 1e-12
                case .lower:
                    regression = change.map { $0 > maxRegression } ?? (b > a)
                    improvement = change.map { $0 < -maxRegression } ?? false
                case .higher:
                    regression = change.map { $0 < -maxRegression } ?? false
                    improvement = change.map { $0 > maxRegression } ?? (b > a)
                case .neither:
                    break
                }
                rows.append(Row(step: key, kind: o.kind, metric: spec.name, unit: spec.unit, better: spec.better, old: a, new: b,
                                changePercent: change, regression: regression, improvement: improvement))
            }
        }
        self.rows = rows
        let oldKeys = Set(oldSteps.map(\.0)), newKeys = Set(newSteps.keys)
        onlyInOld = oldKeys.subtracting(newKeys).sorted()
        onlyInNew = newKeys.subtracting(oldKeys).sorted()
    }

    /// A Markdown table of every shared metric; regressions are marked and listed first.
    public func markdown(oldName: String, newName: String) -> String {
        var out = "# milvus-scenario compare\n\n"
        out += "Old: `\(oldName)` · New: `\(newName)` · tolerance \(Format.number(maxRegression))%\n\n"
        if regressions.isEmpty {
            out += "✅ **No regression beyond \(Format.number(maxRegression))%** (recall and other fractions: a drop of more than \(Format.number(maxFractionDrop))) in \(rows.count) shared metrics.\n\n"
        } else {
            out += "❌ **\(regressions.count) regression\(regressions.count == 1 ? "" : "s") beyond \(Format.number(maxRegression))%** (fractions such as recall: \(Format.number(maxFractionDrop))): "
            out += regressions.map { "`\($0.step).\($0.metric)`" }.joined(separator: ", ") + "\n\n"
        }
        out += "| step | metric | old | new | change | better | verdict |\n|---|---|---:|---:|---:|---|---|\n"
        let ordered = regressions + rows.filter { !$0.regression }
        for r in ordered {
            let verdict = r.regression ? "❌ regression" : r.improvement ? "✅ improvement" : ""
            let change = r.changePercent.map { ($0 > 0 ? "+" : "") + String(format: "%.1f%%", $0) } ?? "new"
            out += "| \(r.step) | \(r.metric) | \(Format.withUnit(r.old, r.unit.rawValue)) | \(Format.withUnit(r.new, r.unit.rawValue)) | \(change) | \(r.better.rawValue) | \(verdict) |\n"
        }
        if !onlyInOld.isEmpty { out += "\nSteps only in the old run: \(onlyInOld.joined(separator: ", "))\n" }
        if !onlyInNew.isEmpty { out += "\nSteps only in the new run: \(onlyInNew.joined(separator: ", "))\n" }
        return out
    }
}
