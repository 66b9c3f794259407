import Foundation
import ScenarioRecord
import ScenarioSpec

/// `parallel`: its nested steps are reported as steps of their own (steps table, query
/// performance, freshness); here only the one-line brief and their summary lines.
struct ParallelReporter: StepReporter {
    typealias Spec = ParallelStep

    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        let n = s.parallel?.count ?? 0
        let seconds = Format.number((s.metrics["totalTime"] ?? s.durationMs) / 1000)
        return l.pick("\(n) loads side by side for \(seconds) s", "\(n) 个负载同时运行 \(seconds) 秒")
    }

    static func summaryDetails(_ s: StepRecord) -> String {
        (s.parallel ?? []).map { nested in
            let line = nested.status == .ok ? StepReporters.summary(nested) : ": \(nested.status.rawValue)" + (nested.failure.map { " — \($0.reason)" } ?? "")
            return "    \(nested.path) \(nested.kind) \(nested.id)\(line)\n" + StepReporters.summaryDetails(nested)
        }.joined()
    }
}

extension StepRecord {
    /// A `parallel`'s nested steps (nil for a step of another kind).
    var parallel: [StepRecord]? { details(of: ParallelStep.self)?.parallel }
}
