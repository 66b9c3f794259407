import Foundation
import ScenarioRecord
import ScenarioSpec

/// `health`: the health table (healthy = serving; liveness apart).
struct HealthReporter: StepReporter {
    typealias Spec = HealthStep

    static func brief(_ s: StepRecord, _ l: Labels) -> String {
        s.metrics(of: HealthStep.self)[\.healthy] == 1 ? l.pick("healthy", "健康") : l.pick("not healthy", "不健康")
    }

    static func summary(_ s: StepRecord) -> String {
        let m = s.metrics(of: HealthStep.self)
        return " healthy \(Format.number(m[\.healthy])), live \(Format.number(m[\.live])), connect+list \(Format.number(m[\.latency])) ms"
    }

    static func tables(_ b: TableBuilder) -> [ReportTable] { [b.health] }
}

extension TableBuilder {
    var health: ReportTable {
        let steps = record.flatSteps.filter { $0.step.health != nil }
        let rows = steps.map { f -> [ReportTable.Cell] in
            let s = f.step, h = s.health!, m = s.metrics(of: HealthStep.self)
            let unhealthy = h.components.filter { $0.value.lowercased() != "healthy" }.map { "\($0.key): \($0.value)" }.sorted()
            let reasons = (h.reasons + unhealthy + [h.servingError].compactMap { $0 }).joined(separator: "; ")
            return [.init(s.id), Format.yesNo(m[\.healthy].map { $0 == 1 }, l), Format.yesNo(m[\.live].map { $0 == 1 }, l), Format.yesNo(h.checkHealth, l), Format.ms(m[\.latency]), Format.ms(m[\.searchLatency]), .init(reasons)]
        }
        return ReportTable(id: "health", title: l.health,
                           columns: [.init(id: "step", header: l.step), .init(id: "healthy", header: l.healthy), .init(id: "live", header: l.live),
                                     .init(id: "check_health", header: "CheckHealth"), .init(id: "latency_ms", header: l.latency, alignRight: true),
                                     .init(id: "search_latency_ms", header: l.pick("Search latency", "查询延迟"), alignRight: true), .init(id: "reasons", header: l.reasons)],
                           rows: rows)
    }
}

extension StepRecord {
    /// What a `health` step found (nil for a step of another kind).
    var health: HealthDetails? { details(of: HealthStep.self)?.health }
}

/// The words only the `health` tables use, in English and Chinese.
extension Labels {
    var health: String { pick("Health", "健康检查") }
    var healthy: String { pick("Healthy (serving)", "健康 (可查询)") }
    var live: String { pick("Live (/healthz)", "存活 (/healthz)") }
    var reasons: String { pick("Reasons", "原因") }
}
