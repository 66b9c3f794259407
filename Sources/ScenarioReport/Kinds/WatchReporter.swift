import Foundation
import ScenarioRecord
import ScenarioSpec

/// `watch`: recovery timings, the health timeline, alerts and commands (`WatchTables.swift`).
struct WatchReporter: StepReporter {
    typealias Spec = WatchStep

    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        let m = s.metrics(of: WatchStep.self)
        var parts = [l.pick("\(Format.number(m[\.checks])) checks, \(Format.number(m[\.unhealthyChecks])) not serving",
                            "检查 \(Format.number(m[\.checks])) 次，\(Format.number(m[\.unhealthyChecks])) 次不可查询")]
        if let a = m[\.alertsFired], a > 0 { parts.append(l.pick("\(Format.number(a)) alert\(a == 1 ? "" : "s")", "告警 \(Format.number(a)) 次")) }
        if let t = m[\.timeToServing], s.watch?.recovery?.servingLost == true { parts.append(l.pick("serving again after \(String(format: "%.1f", t / 1000)) s", "\(String(format: "%.1f", t / 1000)) 秒后恢复可查询")) }
        return parts.joined(separator: l.pick(", ", "，"))
    }

    static func summary(_ s: StepRecord) -> String {
        let m = s.metrics(of: WatchStep.self)
        var text = " \(Format.number((m[\.totalTime] ?? s.durationMs) / 1000)) s, \(Format.number(m[\.checks])) checks (\(Format.number(m[\.unhealthyChecks])) not serving), \(Format.number(m[\.alertsFired])) alert(s), \(Format.number(m[\.notificationsSent])) notification(s) delivered, \(Format.number(m[\.notificationsFailed])) failed"
        if let r = s.watch?.recovery {
            func sec(_ key: KeyPath<WatchStep.Metrics, Metric<DurationValue>>) -> String { m[key].map { String(format: "%.1f s", $0 / 1000) } ?? "never" }
            text += "\n    first fault in place at \(String(format: "%.1f", r.faultAtMs / 1000)) s: detected after \(sec(\.timeToDetect)), live after \(r.liveAtMs == nil && r.detectedAtMs != nil ? "— (liveness not lost, or not back)" : sec(\.timeToLive)), serving after \(r.servingLost ? sec(\.timeToServing) : "0 s (never stopped)")"
            let after = r.settleMs.map { "after (from \(Format.number($0 / 1000)) s on)" } ?? "after"
            let rates = [("before", r.successBefore), ("during", r.successDuring), (after, r.successAfter)].compactMap { name, v in v.map { "\(name) \(Format.number($0))%" } }
            if !rates.isEmpty { text += "\n    background search success: " + rates.joined(separator: ", ") }
        }
        if let w = s.watch?.writes {
            let r = s.watch?.recovery
            let rates = [("before", r?.writeSuccessBefore), ("during", r?.writeSuccessDuring), ("after", r?.writeSuccessAfter)].compactMap { name, v in v.map { "\(name) \(Format.number($0))%" } }
            text += "\n    background writes: \(Format.number(w.rows.map(Double.init))) rows acknowledged"
            if let during = r?.rowsWrittenDuring { text += " (\(during) during the fault)" }
            if !rates.isEmpty { text += "; insert success " + rates.joined(separator: ", ") }
        }
        if let empty = s.watch?.background?.emptyResults, empty > 0 {
            text += "\n    \(empty) background search\(empty == 1 ? "" : "es") succeeded with no hits"
        }
        if let b = s.watch?.background, (b.late ?? 0) > 0 || (b.notSent ?? 0) > 0 {
            text += "\n    background searches: \(b.late ?? 0) started more than 1 ms after their due time, \(b.notSent ?? 0) not sent before their timeout (at most \(b.maxInFlight.map(String.init) ?? "?") in flight)"
        }
        if let w = s.watch, let b = w.rowsBefore {
            if let c = w.rowCount, c.outcome != .verified {
                let after = w.rowsAfter.map { "\($0) after" } ?? "after unverified"
                text += "\n    rows: \(b) before, \(after): " + TableBuilder.rowCountFinding(c, Labels(language: "en"))
            } else if let a = w.rowsAfter {
                text += "\n    rows: \(b) before, \(a) after"
                if let written = w.writes?.rows { text += " (\(b + written) expected: \(written) written)" }
            }
        }
        if let points = s.watch?.recall, !points.isEmpty {
            let mean = points.map(\.recall).reduce(0, +) / Double(points.count)
            text += "\n    recall at \(points.count) checks: mean \(Format.number(mean)), lowest \(Format.number(points.map(\.recall).min()))"
            if let r = s.watch?.recovery { text += " (before \(Format.number(r.recallBefore)), during \(Format.number(r.recallDuring)), after \(Format.number(r.recallAfter)))" }
        }
        if let a = s.watch?.answers {
            text += "\n    background answers checked: \(a.searches) searches, \(a.hits) hits, \(a.wrongHits) wrong"
            if let r = s.watch?.recovery, r.wrongHitsDuring != nil || r.wrongHitsBefore != nil {
                text += " (before \(r.wrongHitsBefore.map(String.init) ?? "—"), during \(r.wrongHitsDuring.map(String.init) ?? "—"), after \(r.wrongHitsAfter.map(String.init) ?? "—"))"
            }
            if a.indeterminate > 0 { text += ", \(a.indeterminate) on rows still changing (accepted)" }
        }
        if let a = s.watch?.audit {
            text += "\n    rows read back by key: \(a.rows) of \(a.expectedRows) known; \(a.lost) acknowledged lost, \(a.back) back, \(a.upsertsLost) upserts lost, \(a.wrongValues) wrong values"
            if a.indeterminateStored + a.indeterminateNotStored > 0 { text += "; unknown outcome: \(a.indeterminateStored) stored, \(a.indeterminateNotStored) not" }
        }
        for r in s.watch?.scaling ?? [] {
            func after(_ t: Double?) -> String { t.map { String(format: "%.1f s", ($0 - r.atMs) / 1000) } ?? "not within the watch" }
            text += "\n    scale \(r.from) → \(r.to) at \(String(format: "%.1f", r.atMs / 1000)) s (\(r.reason)): node \(r.isScaleOut ? "up" : "gone") after \(after(r.nodesAtMs)), cluster reported \(r.to) after \(after(r.reportedAtMs))"
            if r.isScaleOut { text += ", a new node held segments after \(after(r.segmentsAtMs)), served searches after \(after(r.servingAtMs))" }
        }
        for a in s.watch?.actions ?? [] {
            let result = a.dryRun ? "dry run, not run" : (a.error ?? "exit \(a.exitCode.map(String.init) ?? "?")")
            text += "\n    \(a.kind.rawValue) at \(String(format: "%.1f", a.startedAtMs / 1000)) s: \(a.command) → \(result)\(a.durationMs.map { String(format: " in %.1f s", $0 / 1000) } ?? "")"
        }
        return text
    }

    static func tables(_ b: TableBuilder) -> [ReportTable] { b.watchTables }

    static func charts(_ f: FlatStep, _ l: Labels) -> [Chart] {
        guard let w = f.step.watch else { return [] }
        return [Charts.watchChart(f.step.id, w, l), Charts.scalingChart(f.step.id, w, l), Charts.runnerChart(f.step.id, w, l)].compactMap { $0 }
    }
}

extension StepRecord {
    /// What a `watch` saw (nil for a step of another kind).
    var watch: WatchDetails? { details(of: WatchStep.self)?.watch }
}
