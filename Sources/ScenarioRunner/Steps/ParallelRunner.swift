import Foundation
import MilvusClient
import ScenarioRecord
import ScenarioSpec

struct ParallelRunner: StepRunner {
    func run(_ spec: ParallelStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<ParallelStep>) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + spec.duration.swiftDuration
        context.progress.note("\(step.id): \(spec.steps.count) loads side by side for \(spec.duration)")
        // Every nested step sees the same end: `context.isStopping` turns true then.
        let records = await RunContext.$parallelEnd.withValue(end) {
            await withTaskGroup(of: (Int, StepRecord).self) { group in
                for (i, nested) in spec.steps.enumerated() {
                    group.addTask { (i, await StepExecution.execute(nested, context)) }
                }
                var out: [(Int, StepRecord)] = []
                for await r in group { out.append(r) }
                return out.sorted { $0.0 < $1.0 }.map(\.1)
            }
        }
        record.details.parallel = records
        record[\.steps] = records.count
        record[\.failed] = records.filter { $0.status == .failed || $0.status == .unsupported }.count
        record[\.totalTime] = clock.now - start
        if let failed = records.first(where: { $0.status == .failed || $0.status == .unsupported }) {
            throw ParallelStepFailure(failure: failed.failure)
        }
    }
}

/// A step inside `parallel` failed; the parallel fails with its reason.
struct ParallelStepFailure: Error {
    var failure: StepFailure?
}
