import Alerting
import Foundation
import ScenarioRecord
import ScenarioSpec
import Synchronization

/// The faults a load step injects into its measured phase (`faults`): each command run at its
/// time from the phase's start, announced on the console, and recorded with its exit code and
/// output for the timeline. Those not yet due when the phase ends are not run; one still running
/// is waited for.
final class PhaseFaults: Sendable {
    private let faults: [WatchStep.Fault]
    private let step: Step
    private let context: RunContext
    private let actions = Mutex<[ActionRecord]>([])
    private let tasks = Mutex<[Task<Void, Never>]>([])

    init(_ faults: [WatchStep.Fault], _ step: Step, _ context: RunContext) {
        self.faults = faults
        self.step = step
        self.context = context
    }

    /// Schedules every fault from now (the phase's start).
    func start() {
        guard !faults.isEmpty else { return }
        let clock = ContinuousClock()
        let origin = clock.now
        let (context, step, dryRun) = (context, step, context.dryRunActions)
        let scheduled = faults.enumerated().map { i, fault in
            Task {
                try? await clock.sleep(until: origin + fault.at.swiftDuration)
                guard !Task.isCancelled, !context.isStopping else { return }
                let name = fault.name ?? "fault \(i + 1)"
                context.progress.note("\(step.id): \(dryRun ? "would inject" : "injecting") \(name): \(CommandRunner.display(fault.command))")
                let action = await WatchRunner.execute(fault.command, kind: .fault, name: name, at: (clock.now - origin).milliseconds, dryRun: dryRun)
                self.actions.withLock { $0.append(action) }
                context.progress.note("\(step.id): \(WatchRunner.describe(action))")
            }
        }
        tasks.withLock { $0 = scheduled }
    }

    /// After the phase: cancels the faults not yet due, waits for those running, and returns
    /// what ran in time order; nil when the step has none.
    func finish() async -> [ActionRecord]? {
        guard !faults.isEmpty else { return nil }
        let running = tasks.withLock { $0 }
        for t in running { t.cancel() }
        for t in running { await t.value }
        return actions.withLock { $0 }.sorted { $0.startedAtMs < $1.startedAtMs }
    }
}
