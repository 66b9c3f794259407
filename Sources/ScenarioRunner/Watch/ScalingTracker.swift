import Foundation
import ScenarioRecord

/// Follows each scaling decision of a watch through the checks after it: when the deployment
/// reported the new number of query nodes, when a new node held a segment, when it ran searches
/// (its own `milvus_querynode_sq_req_count`, which starts at 0 with the process). A decision is
/// followed until the next one; then, from the background searches, P99 and success before,
/// during and after the change.
struct ScalingTracker: Sendable {
    /// The background searches' windows around a change: this long before it and after it.
    static let window = Duration.seconds(30)

    private(set) var records: [ScalingRecord] = []

    mutating func decided(_ record: ScalingRecord) {
        records.append(record)
    }

    /// One check: the query node ids the cluster reported (GetMetrics; nil when it did not
    /// answer), those whose own metrics endpoint answered, and what each endpoint said
    /// (segments, searches run).
    mutating func observe(atMs: Double, reported: Set<Int64>?, live: Set<Int64>, segments: [Int64: Int], searches: [Int64: Double]) {
        guard var r = records.last else { return }
        let before = Set(r.nodesBefore)
        let added = live.union(reported ?? []).subtracting(before)
        if r.isScaleOut {
            r.nodesAdded = added.sorted()
            if r.nodesAtMs == nil, !added.intersection(live).isEmpty, live.count >= r.to { r.nodesAtMs = atMs }
            if r.reportedAtMs == nil, let reported, reported.count == r.to, !reported.subtracting(before).isEmpty { r.reportedAtMs = atMs }
            if r.segmentsAtMs == nil, added.contains(where: { (segments[$0] ?? 0) > 0 }) { r.segmentsAtMs = atMs }
            if r.servingAtMs == nil, added.contains(where: { (searches[$0] ?? 0) > 0 }) { r.servingAtMs = atMs }
        } else {
            // Gone: its own endpoint no longer answers; the cluster may report it for a while longer.
            let gone = before.subtracting(live)
            if !gone.isEmpty { r.nodesRemoved = gone.sorted() }
            if r.nodesAtMs == nil, !gone.isEmpty, live.count <= r.to { r.nodesAtMs = atMs }
            if r.reportedAtMs == nil, let reported, reported.count == r.to { r.reportedAtMs = atMs }
        }
        records[records.count - 1] = r
    }

    /// The records with the background searches' numbers around each change.
    func finished(background: BackgroundSearches?, endMs: Double) -> [ScalingRecord] {
        records.enumerated().map { i, record in
            var r = record
            guard let background else { return r }
            let next = i + 1 < records.count ? records[i + 1].atMs : endMs
            let previous = i > 0 ? records[i - 1].atMs : 0
            // Scaling out, the change is complete when a new node serves; scaling in, when the node is gone.
            let settled = (r.isScaleOut ? r.servingAtMs : r.nodesAtMs).map { min($0, next) } ?? next
            let w = Self.window.milliseconds
            let before = Duration.milliseconds(max(previous, r.atMs - w))..<Duration.milliseconds(r.atMs)
            let during = Duration.milliseconds(r.atMs)..<Duration.milliseconds(max(r.atMs, settled))
            let after = Duration.milliseconds(settled)..<Duration.milliseconds(min(next, settled + w))
            r.p99BeforeMs = background.window(before.lowerBound...before.upperBound).p99Ms
            r.successBefore = background.successRate(sentIn: before)
            if during.upperBound > during.lowerBound {
                let d = background.window(during.lowerBound...during.upperBound)
                r.p99DuringMs = d.p99Ms
                r.failedDuring = d.failed
                r.successDuring = background.successRate(sentIn: during)
            }
            if after.upperBound > after.lowerBound {
                r.p99AfterMs = background.window(after.lowerBound...after.upperBound).p99Ms
                r.successAfter = background.successRate(sentIn: after)
            }
            return r
        }
    }

    /// Why the auto-scaler decided: the signal against its limit.
    static func reason(to: Int, from: Int, cpu: Double?, memory: Double?, cpuAbove: Double, memoryAbove: Double) -> String {
        func p(_ v: Double?) -> String { v.map { String(format: "%.0f%%", $0) } ?? "?" }
        if to > from {
            if let cpu, cpu > cpuAbove { return "CPU \(p(cpu)) > \(p(cpuAbove))" }
            return "memory \(p(memory)) > \(p(memoryAbove))"
        }
        return "CPU \(p(cpu)) < \(p(cpuAbove / 2)) and memory \(p(memory)) < \(p(memoryAbove / 2))"
    }
}
