import ScenarioRecord
import ScenarioSpec

/// `flush` in the steps table: how long sealing took, and what is persisted now.
struct FlushReporter: StepReporter {
    typealias Spec = FlushStep

    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        let m = s.metrics(of: FlushStep.self)
        guard let segments = m[\.segments] else { return "" }
        let rows = Format.number(m[\.rows])
        return l.pick("\(Format.number(segments)) persisted segment\(segments == 1 ? "" : "s"), \(rows) rows", "已持久化 \(Format.number(segments)) 个 Segment，共 \(rows) 行")
    }

    static func summary(_ s: StepRecord) -> String {
        let m = s.metrics(of: FlushStep.self)
        var text = " flushed in \(Format.number((m[\.totalTime] ?? 0) / 1000)) s"
        if let segments = m[\.segments] { text += "; \(Format.number(segments)) persisted segment(s), \(Format.number(m[\.rows])) rows" }
        return text
    }
}
