import Foundation
import Alerting
import ClusterObservation
import MilvusClient
import ScenarioRecord
import ScenarioSpec

/// Liveness (/healthz), readiness (CheckHealth, component states) and a real serving search, once.
/// "healthy" means serving: after a restart /healthz says OK tens of seconds before searches work.
struct HealthRunner: StepRunner {
    static func publish(_ record: StepRecord, to metrics: RunMetrics) {
        if let details = record.details(of: HealthStep.self)?.health { metrics.health(details) }
    }

    func run(_ spec: HealthStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<HealthStep>) async throws {
        let probe = HealthProbe(connection: context.client.options, endpoints: spec.endpoints ?? context.scenario.target.metrics,
                                timeout: spec.timeout.swiftDuration, collection: spec.serving ? step.collection : nil)
        let (observation, elapsed) = await measured { await probe.check() }
        if let e = observation.connectError { record.notes.append(StepNote(.connectFailed, ["reason": e])) }
        record[\.unhealthyComponents] = observation.unhealthyComponents
        record[\.live] = observation.live
        record[\.checkHealth] = observation.details.checkHealth == true
        record[\.healthy] = observation.healthy
        record[\.latency] = observation.latencyMs.map { .milliseconds($0) }
        record[\.searchLatency] = observation.searchLatencyMs.map { .milliseconds($0) }
        record[\.totalTime] = elapsed
        record.details.health = observation.details
    }
}
