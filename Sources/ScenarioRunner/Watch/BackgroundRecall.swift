import Foundation
import GroundTruth
import ScenarioRecord
import ScenarioSpec
import Synchronization

/// Recall scored at a watch's checks (`background.recall`): at each check the first `queries`
/// of the background's query vectors are searched once more on the run's connection, beside the
/// load and never delaying a check (one probe at a time: a check that finds one still running
/// skips its own), and scored against the exact neighbours among the rows acknowledged by then,
/// less those the consistency level may not show yet — the same probe as a search step's recall
/// checkpoints. A probe whose search failed (the deployment was down) leaves no point.
final class BackgroundRecall: Sendable {
    let setting: RecallSetting
    let template: SearchTemplate
    let context: RunContext
    let origin: ContinuousClock.Instant
    /// How stale the searches may be: rows acknowledged more recently are left out of the truth.
    let bound: Duration
    private let state = Mutex<(running: Task<Void, Never>?, points: [RecallCheckpoint])>((nil, []))

    init(_ setting: RecallSetting, template: SearchTemplate, context: RunContext, origin: ContinuousClock.Instant) {
        self.setting = setting
        self.template = template
        self.context = context
        self.origin = origin
        let graceful = context.scenario.target.gracefulTime.swiftDuration
        bound = Staleness.bound(template.settings.consistency.rawValue, gracefulTime: graceful) ?? graceful
    }

    /// At a check: a probe, unless the last one is still running.
    func check() {
        state.withLock { s in
            guard s.running == nil else { return }
            s.running = Task { await self.probe() }
        }
    }

    private func probe() async {
        let sent = ContinuousClock.now
        let outcome = await RecallProbe.measure(setting, template: template, context: context, visibleBefore: sent - bound, announce: false)
        state.withLock { s in
            if let d = outcome.details, let summary = Recall.summary(d.perQuery) {
                s.points.append(RecallCheckpoint(atMs: (sent - origin).milliseconds, recall: summary.mean, recallMin: summary.min, rows: d.rows,
                                                 resurrected: d.resurrected ?? 0, indeterminateHits: d.indeterminateHits ?? 0))
            }
            s.running = nil
        }
    }

    /// Waits for the probe in flight; every point scored.
    func finish() async -> [RecallCheckpoint] {
        if let running = state.withLock({ $0.running }) { await running.value }
        return state.withLock { $0.points }
    }

    /// The mean of the points sent in `range` (from the watch's start); nil when there is none.
    func mean(sentIn range: Range<Duration>) -> Double? {
        let picked = state.withLock { $0.points.filter { range.contains(.milliseconds($0.atMs)) } }
        return picked.isEmpty ? nil : picked.map(\.recall).reduce(0, +) / Double(picked.count)
    }
}
