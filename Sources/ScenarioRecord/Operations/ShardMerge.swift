import Foundation
import Histogram
import Primitives
import ScenarioSpec

/// `merge`: the run records of N shards (`run --shard I/N`) as one run record, as if one client
/// had sent all their load. Latency histograms are added (exact: HdrHistograms merge without
/// loss); counts are summed; QPS is the completed queries over the common window (the first
/// shard's start to the last one's end of each load step); what the server was asked about
/// (per-node traffic, monitors, recall, setup) comes from shard 0, which read it once for all.
public enum ShardMerge {
    /// A merge that cannot be made, in words that name the file and the shard.
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// One shard's record and where it was read from (for messages).
    public struct Input: Sendable {
        public var source: String
        public var record: RunRecord

        public init(source: String, record: RunRecord) {
            self.source = source
            self.record = record
        }
    }

    /// Shards whose records are missing or unfinished: an error, or with `allowPartial` a note in
    /// the merged record naming them.
    public static func merge(_ inputs: [Input], allowPartial: Bool = false) throws -> RunRecord {
        guard let first = inputs.first else { throw Problem("nothing to merge: give the run.json of every shard") }
        for input in inputs where input.record.shard?.index == nil {
            throw Problem("\(input.source) is not a shard's record (it was not made by 'run --shard I/N'\(input.record.shard?.merged != nil ? "; it is already a merged one" : ""))")
        }
        let count = first.record.shard!.count
        for input in inputs.dropFirst() {
            let r = input.record, f = first.record
            if r.scenario.name != f.scenario.name {
                throw Problem("\(input.source) is a run of scenario '\(r.scenario.name)', \(first.source) of '\(f.scenario.name)': merge the shards of one run")
            }
            if r.scenario.sha256 != f.scenario.sha256 {
                throw Problem("\(input.source) and \(first.source) ran different versions of '\(r.scenario.name)' (scenario file SHA-256 \(r.scenario.sha256.prefix(12))… and \(f.scenario.sha256.prefix(12))…): every shard must run the same file")
            }
            if r.shard!.count != count {
                throw Problem("\(input.source) is shard \(r.shard!.index!)/\(r.shard!.count), \(first.source) one of \(count) shards: merge the shards of one run")
            }
        }
        var byIndex: [Int: Input] = [:]
        for input in inputs {
            let i = input.record.shard!.index!
            if let other = byIndex[i] { throw Problem("shard \(i)/\(count) is given twice: \(other.source) and \(input.source)") }
            byIndex[i] = input
        }
        var missing = (0..<count).filter { byIndex[$0] == nil }
        for (i, input) in byIndex.sorted(by: { $0.key < $1.key }) where input.record.status == .running {
            guard allowPartial else {
                let last = input.record.steps.last.map { ", after step \($0.path) '\($0.id)'" } ?? ""
                throw Problem("shard \(i)/\(count) did not finish: \(input.source) is still marked running\(last) — the process was killed or is still running. Merge when every shard has ended, or leave it out with --allow-partial")
            }
            missing.append(i)
            byIndex[i] = nil
        }
        missing.sort()
        if !missing.isEmpty, !allowPartial {
            throw Problem("shard\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) missing: give every shard's run.json, or merge without \(missing.count == 1 ? "it" : "them") with --allow-partial")
        }
        let shards = byIndex.sorted { $0.key < $1.key }.map(\.value.record)
        guard let lead = shards.first else { throw Problem("no finished shard to merge") }

        var merged = lead
        merged.shard = .init(index: nil, count: count, startAt: lead.shard?.startAt, merged: byIndex.keys.sorted())
        merged.startedAt = shards.map(\.startedAt).min()!
        merged.endedAt = shards.compactMap(\.endedAt).max()
        merged.host = Array(Set(shards.map(\.host))).sorted().joined(separator: ", ")
        merged.steps = lead.steps.map { step in
            let same = shards.compactMap { s in s.steps.first { $0.path == step.path && $0.id == step.id } }
            return mergeStep(step, same)
        }
        if !missing.isEmpty, !merged.steps.isEmpty {
            merged.steps[0].notes.append(StepNote(.shardsMissing, ["shards": missing.map { "\($0)/\(count)" }.joined(separator: ", ")]))
        }
        let cpu = shards.compactMap(\.client)
        if !cpu.isEmpty {
            merged.client = .init(cpuMs: cpu.map(\.cpuMs).reduce(0, +), peakRSSMB: cpu.map(\.peakRSSMB).max()!)
        }
        // Each shard judged the thresholds on the steps it ran: all of them, once, on the merged numbers.
        var seen = Set<String>()
        let thresholds = shards.flatMap(\.thresholds).filter { seen.insert($0.expression).inserted }
        merged.thresholds = ThresholdEvaluation.reevaluate(thresholds, steps: merged.steps)
        // The worst of the shards' outcomes, then the thresholds on the merged numbers.
        if let failed = shards.first(where: { $0.status == .failed }) {
            merged.status = .failed
            merged.failure = failed.failure
        } else if shards.contains(where: { $0.status == .interrupted }) {
            merged.status = .interrupted
        } else {
            merged.status = merged.thresholds.contains { !$0.passed } ? .thresholdsFailed : .passed
        }
        return merged
    }

    /// One step of every shard that has it (the lead's first): a load's numbers added up; a
    /// per-shard write's rows added up; anything else as shard 0 recorded it.
    static func mergeStep(_ lead: StepRecord, _ all: [StepRecord]) -> StepRecord {
        let ran = all.filter { $0.status != .skipped }
        guard ran.count > 1 || (lead.status == .skipped && ran.count == 1) else { return lead }
        guard let base = ran.first else { return lead }
        if base.search != nil { return mergeLoad(ran) }
        if base.metrics["rows"] != nil, base.metrics["rowsPerSecond"] != nil { return mergeWrites(ran) }
        return base
    }

    /// The measured phase of each step: start and end by the wall clock.
    static func phase(_ s: StepRecord) -> (start: Date, end: Date) {
        let start = s.measuredFrom ?? s.startedAt
        let ms = s.metrics["totalTime"] ?? s.durationMs
        return (start, start.addingTimeInterval(ms / 1000))
    }

    static func mergeLoad(_ steps: [StepRecord]) -> StepRecord {
        var m = steps[0]
        let phases = steps.map(phase)
        let from = phases.map(\.start).min()!, to = phases.map(\.end).max()!
        let window = to.timeIntervalSince(from)
        let overlap = max(0, phases.map(\.end).min()!.timeIntervalSince(phases.map(\.start).max()!))
        let declared = Set(StepKinds.metrics(of: m.kind).map(\.name))
        func set(_ name: String, _ value: Double?) {
            if declared.contains(name) { m.metrics[name] = value }
        }
        func sum(_ name: String) -> Double? {
            let values = steps.compactMap { $0.metrics[name] }
            return values.isEmpty ? nil : values.reduce(0, +)
        }
        for name in ["queries", "errors", "late", "dropped", "pages", "rows", "hot.queries", "cold.queries"] { set(name, sum(name)) }
        let queries = sum("queries") ?? 0, errors = sum("errors") ?? 0
        let completed = queries - errors
        set("errorRate", queries > 0 ? errors / queries * 100 : 0)
        set("totalTime", window * 1000)
        set("qps", window > 0 ? completed / window : nil)
        set("pagesPerSecond", window > 0 ? sum("pages").map { $0 / window } : nil)
        // Per-query means, weighted by each shard's completed queries.
        for name in ["rowsPerQuery", "hitsPerQuery"] {
            let parts = steps.compactMap { s -> (Double, Double)? in
                guard let v = s.metrics[name] else { return nil }
                return (v, (s.metrics["queries"] ?? 0) - (s.metrics["errors"] ?? 0))
            }
            let weight = parts.map(\.1).reduce(0, +)
            set(name, weight > 0 ? parts.map { $0.0 * $0.1 }.reduce(0, +) / weight : nil)
        }
        // Percentiles of all queries, from the added histograms.
        var latency = LatencyHistogram.latency()
        for s in steps { if let h = s.search?.latency { latency.add(LatencyHistogram(decoding: h)) } }
        let summary = LatencySummary(latency)
        for (name, value) in [("avg", summary?.mean), ("min", summary?.min), ("p50", summary?.p50), ("p90", summary?.p90), ("p95", summary?.p95),
                              ("p99", summary?.p99), ("p999", summary?.p999), ("max", summary?.max)] {
            set(name, value?.milliseconds)
        }
        if let p50 = m.metrics["p50"], let server = m.metrics["serverP50"] { set("clientOverheadP50", p50 - server) }
        if var search = m.search {
            search.latency = latency.encoded
            search.concurrency = steps.compactMap { $0.search?.concurrency }.reduce(0, +)
            search.targetRate = steps.compactMap { $0.search?.targetRate }.reduce(0, +)
            if m.search?.targetRate == nil { search.targetRate = nil }
            search.warmupQueries = steps.compactMap { $0.search?.warmupQueries }.reduce(0, +)
            search.errorsByCode = steps.compactMap { $0.search?.errorsByCode }.reduce(into: [:]) { acc, d in acc.merge(d, uniquingKeysWith: +) }
            var reasons: [String: ErrorReason] = [:]
            for r in steps.flatMap({ $0.search?.errorReasons ?? [] }) {
                let key = r.code + "\u{0}" + r.reason
                reasons[key, default: ErrorReason(code: r.code, reason: r.reason, count: 0)].count += r.count
            }
            search.errorReasons = reasons.isEmpty ? nil : reasons.values.sorted { ($0.count, $1.reason) > ($1.count, $0.reason) }
            search.firstError = steps.lazy.compactMap { $0.search?.firstError }.first
            m.search = search
        }
        if var hot = m.details(of: HotSearchStep.self)?.hot {
            var hots = LatencyHistogram.latency(), colds = LatencyHistogram.latency()
            for s in steps {
                if let h = s.details(of: HotSearchStep.self)?.hot {
                    hots.add(LatencyHistogram(decoding: h.hot))
                    colds.add(LatencyHistogram(decoding: h.cold))
                }
            }
            hot.hot = hots.encoded
            hot.cold = colds.encoded
            m.updateDetails(of: HotSearchStep.self) { $0.hot = hot }
            let h = LatencySummary(hots), c = LatencySummary(colds)
            set("hot.avg", h?.mean.milliseconds); set("hot.p50", h?.p50.milliseconds); set("hot.p99", h?.p99.milliseconds)
            set("cold.avg", c?.mean.milliseconds); set("cold.p50", c?.p50.milliseconds); set("cold.p99", c?.p99.milliseconds)
            if let ha = h?.mean, let ca = c?.mean, ha > .zero { set("hotSpeedup", ca / ha) }
        }
        m.rates = mergedRates(steps, from: from, windowMs: window * 1000)
        // The traffic is shard 0's reading of all the load; its offset stays shard 0's.
        let timelines = steps.compactMap { s in s.timeline.map { ($0, (s.measuredFrom ?? s.startedAt).timeIntervalSince(from) * 1000) } }
        m.timeline = timelines.count == steps.count ? LoadTimelineRecord.merged(timelines) : nil
        if let offset = steps[0].timeline?.trafficOffsetMs { m.timeline?.trafficOffsetMs = offset + ((steps[0].measuredFrom ?? steps[0].startedAt).timeIntervalSince(from) * 1000).rounded() }
        m.measuredFrom = from
        m.startedAt = steps.map(\.startedAt).min()!
        m.durationMs = steps.map { $0.startedAt.addingTimeInterval($0.durationMs / 1000) }.max()!.timeIntervalSince(m.startedAt) * 1000
        m.clientCpuMs = steps.compactMap(\.clientCpuMs).reduce(0, +)
        if let failed = steps.first(where: { $0.status == .failed }) {
            m.status = .failed
            m.failure = failed.failure
        }
        if window > 0, overlap / window < 0.9 {
            m.notes.append(StepNote(.shardOverlap, ["overlap": String(format: "%.0f", overlap / window * 100), "window": String(format: "%.1f", window)]))
        }
        return m
    }

    /// The shards' completions per interval, each shifted to where its phase started in the
    /// common window and added up; nil when the shards used different intervals.
    static func mergedRates(_ steps: [StepRecord], from: Date, windowMs: Double) -> [RateSamples]? {
        let series = steps.compactMap { s in s.rates?.first { $0.metric == "qps" }.map { (s, $0) } }
        guard series.count == steps.count, let interval = series.first?.1.intervalMs, interval > 0,
              series.allSatisfy({ $0.1.intervalMs == interval }) else { return nil }
        var counts: [Double] = []
        for (s, r) in series {
            let shift = Int(((s.measuredFrom ?? s.startedAt).timeIntervalSince(from) * 1000 / interval).rounded())
            for (i, c) in r.counts.enumerated() {
                let at = shift + i
                if at >= counts.count { counts += Array(repeating: 0, count: at - counts.count + 1) }
                counts[at] += c
            }
        }
        return [RateSamples(metric: "qps", counts: counts, intervalMs: interval, spanMs: max(windowMs, interval * Double(counts.count - 1)))]
    }

    /// A `perShard` insert or upsert: rows added up, over the common window.
    static func mergeWrites(_ steps: [StepRecord]) -> StepRecord {
        var m = steps[0]
        let rows = steps.compactMap { $0.metrics["rows"] }.reduce(0, +)
        let from = steps.map(\.startedAt).min()!
        // Each shard wrote for rows ÷ rowsPerSecond from (about) its start.
        let to = steps.map { s -> Date in
            let seconds = (s.metrics["rowsPerSecond"] ?? 0) > 0 ? (s.metrics["rows"] ?? 0) / s.metrics["rowsPerSecond"]! : s.durationMs / 1000
            return s.startedAt.addingTimeInterval(seconds)
        }.max()!
        let window = to.timeIntervalSince(from)
        m.metrics["rows"] = rows
        m.metrics["rowsPerSecond"] = window > 0 ? rows / window : nil
        m.rates = nil
        let timelines = steps.compactMap { s in s.timeline.map { ($0, (s.measuredFrom ?? s.startedAt).timeIntervalSince(from) * 1000) } }
        m.timeline = timelines.count == steps.count ? LoadTimelineRecord.merged(timelines) : nil
        m.clientCpuMs = steps.compactMap(\.clientCpuMs).reduce(0, +)
        m.durationMs = steps.map { $0.startedAt.addingTimeInterval($0.durationMs / 1000) }.max()!.timeIntervalSince(from) * 1000
        m.startedAt = from
        if let failed = steps.first(where: { $0.status == .failed }) {
            m.status = .failed
            m.failure = failed.failure
        }
        return m
    }
}
