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
            if let sweep = s.sweep {
                out += "    \(sweep.parameter.padding(toLength: 10, withPad: " ", startingAt: 0))  \("QPS".leftPad(9))  \("avg ms".leftPad(9))  \("P99 ms".leftPad(9))  speed-up\n"
                for row in sweep.rows {
                    if row.status == .ok {
                        out += "    \(row.value.padding(toLength: 10, withPad: " ", startingAt: 0))  \(Format.number(row.qps).leftPad(9))  \(Format.number(row.avgMs).leftPad(9))  \(Format.number(row.p99Ms).leftPad(9))  \(row.speedup.map { String(format: "%.2fx", $0) } ?? "-")\n"
                    } else {
                        out += "    \(row.value.padding(toLength: 10, withPad: " ", startingAt: 0))  \(row.status.rawValue): \(row.reason ?? "")\n"
                    }
                }
            }
            if let m = s.monitor {
                for n in m.nodes {
                    out += "    node \(n.nodeID) \(n.name)\(n.replicaID.map { " (replica \($0))" } ?? ""): \(n.memoryMB.map { String(format: "%.0f MB", $0) } ?? "memory ?"), \(n.cpuPercent.map { String(format: "CPU %.0f%%", $0) } ?? "CPU ?"), \(n.segments) segments, \(n.rows) rows\n"
                }
                if let rs = m.replicaSegmentImbalance, let rr = m.replicaRowImbalance {
                    out += "    balance within replica groups: segments \(String(format: "%.2f", rs)), rows \(String(format: "%.2f", rr)); across nodes: segments \(String(format: "%.2f", m.segmentImbalance)), rows \(String(format: "%.2f", m.rowImbalance)) (max ÷ mean) — \(m.balanced ? "balanced" : "unbalanced")\n"
                } else {
                    out += "    balance: segments \(String(format: "%.2f", m.segmentImbalance)), rows \(String(format: "%.2f", m.rowImbalance)) (max ÷ mean) — \(m.balanced ? "balanced" : "unbalanced")\n"
                }
            }
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
        let m = s.metrics
        if s.status == .skipped { return text + "\n" }
        if s.status != .ok { return text + (s.failure.map { "\n       \($0.reason)\($0.hint.map { " — \($0)" } ?? "")" } ?? "") + "\n" }
        switch s.kind {
        case "concurrentSearch", "hotSearch":
            text += " \(Format.number(m["queries"])) queries in \(Format.number((m["totalTime"] ?? 0) / 1000)) s, \(Format.number(m["qps"])) QPS, avg \(Format.number(m["avg"])) ms, P50 \(Format.number(m["p50"])) ms, P99 \(Format.number(m["p99"])) ms"
            if let e = m["errors"], e > 0 { text += ", \(Format.number(e)) errors" }
            if let h = m["hot.avg"], let c = m["cold.avg"] { text += "; hot avg \(Format.number(h)) ms vs cold \(Format.number(c)) ms" }
        case "insert":
            text += " \(Format.number(m["rows"])) rows, \(Format.number(m["rowsPerSecond"])) rows/s"
            if m["flushTime"] != nil { text += ", flush+seal \(Format.number(((m["flushTime"] ?? 0) + (m["sealTime"] ?? 0)) / 1000)) s" }
        case "load":
            text += " \(Format.number(m["replicas"])) replica group(s) in \(Format.number((m["totalTime"] ?? 0) / 1000)) s"
        case "watch":
            text += " \(Format.number((m["totalTime"] ?? s.durationMs) / 1000)) s, \(Format.number(m["checks"])) checks (\(Format.number(m["unhealthyChecks"])) not serving), \(Format.number(m["alertsFired"])) alert(s), \(Format.number(m["notificationsSent"])) notification(s) delivered, \(Format.number(m["notificationsFailed"])) failed"
            if let r = s.watch?.recovery {
                func sec(_ key: String) -> String { m[key].map { String(format: "%.1f s", $0 / 1000) } ?? "never" }
                text += "\n    first fault in place at \(String(format: "%.1f", r.faultAtMs / 1000)) s: detected after \(sec("timeToDetect")), live after \(r.liveAtMs == nil && r.detectedAtMs != nil ? "— (liveness not lost, or not back)" : sec("timeToLive")), serving after \(r.servingLost ? sec("timeToServing") : "0 s (never stopped)")"
                let rates = [("before", r.successBefore), ("during", r.successDuring), ("after", r.successAfter)].compactMap { name, v in v.map { "\(name) \(Format.number($0))%" } }
                if !rates.isEmpty { text += "\n    background search success: " + rates.joined(separator: ", ") }
            }
            if let empty = s.watch?.background?.emptyResults, empty > 0 {
                text += "\n    \(empty) background search\(empty == 1 ? "" : "es") succeeded with no hits"
            }
            if let w = s.watch, let b = w.rowsBefore {
                if let c = w.rowCount, c.outcome != .verified {
                    let after = w.rowsAfter.map { "\($0) after" } ?? "after unverified"
                    text += "\n    rows: \(b) before, \(after): " + TableBuilder.rowCountFinding(c, Labels(language: "en"))
                } else if let a = w.rowsAfter {
                    text += "\n    rows: \(b) before, \(a) after"
                }
            }
            for a in s.watch?.actions ?? [] {
                let result = a.dryRun ? "dry run, not run" : (a.error ?? "exit \(a.exitCode.map(String.init) ?? "?")")
                text += "\n    \(a.kind.rawValue) at \(String(format: "%.1f", a.startedAtMs / 1000)) s: \(a.command) → \(result)\(a.durationMs.map { String(format: " in %.1f s", $0 / 1000) } ?? "")"
            }
        case "health":
            text += " healthy \(Format.number(m["healthy"])), live \(Format.number(m["live"])), connect+list \(Format.number(m["latency"])) ms"
        default:
            text += " \(Format.number((m["totalTime"] ?? s.durationMs) / 1000)) s"
        }
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
