import Foundation
import ScenarioRecord

/// The plain-text summary printed at the end of a run and saved as summary.txt: like every
/// other report, a function of the record.
public enum Summary {
    public static func text(_ r: RunRecord) -> String {
        var out = "\(r.scenario.title ?? r.scenario.name) — \(r.scenario.file)\n"
        out += "target \(r.target.uri)"
        if let v = r.target.serverVersion { out += ", Milvus \(v)" }
        if let m = r.target.deployMode { out += " (\(m.lowercased())" + (r.target.queryNodes.map { ", \($0) query node\($0 == 1 ? "" : "s")" } ?? "") + ")" }
        out += "\n\n"
        for s in r.steps {
            out += line(s, indent: "")
            out += StepReporters.summaryDetails(s)
        }
        if !r.thresholds.isEmpty {
            out += "\nthresholds\n"
            for t in r.thresholds {
                out += "  \(t.passed ? "pass" : "FAIL")  \(t.expression)  (observed \(t.observed.map { Format.withUnit($0, t.unit) } ?? "nothing")\(t.note.map { "; \($0)" } ?? ""))\n"
            }
        }
        if let f = r.failure { out += "\nerror: \(f)\n" }
        if let c = r.client {
            out += String(format: "\nclient: CPU %.1f s, peak memory %.0f MiB\n", c.cpuMs / 1000, c.peakRSSMB)
        }
        out += "\nresult: \(verdict(r.status))\n"
        return out
    }

    static func line(_ s: StepRecord, indent: String) -> String {
        let mark: String
        switch s.status {
        case .ok: mark = "ok  "
        case .failed: mark = "FAIL"
        case .unsupported: mark = "n/a "
        case .skipped: mark = "skip"
        }
        var text = "\(indent)\(mark) \(s.path.leftPad(3)) \(s.kind.padding(toLength: 16, withPad: " ", startingAt: 0)) \(s.id.padding(toLength: 18, withPad: " ", startingAt: 0))"
        if s.status == .skipped { return text + "\n" }
        if s.status != .ok { return text + (s.failure.map { "\n       \($0.reason)\($0.hint.map { " — \($0)" } ?? "")" } ?? "") + "\n" }
        text += StepReporters.summary(s)
        if let f = s.failure { text += "\n       \(f.reason)\(f.hint.map { " — \($0)" } ?? "")" }
        if let retries = s.retries, !retries.isEmpty {
            text += "\n    repeated after transient failures: " + retries.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
        }
        return text + "\n"
    }

    public static func verdict(_ status: RunRecord.Status) -> String {
        switch status {
        case .passed: return "passed"
        case .thresholdsFailed: return "a threshold failed"
        case .failed: return "a step failed"
        case .interrupted: return "interrupted"
        case .running: return "running"
        }
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
