import Foundation
import MilvusClient
import ScenarioSpec

/// Liveness (/healthz), readiness (CheckHealth, component states) and a real serving search.
/// "healthy" means serving: after a restart /healthz says OK tens of seconds before searches work.
struct HealthRunner: StepRunner {
    func run(_ step: Step, _ context: RunContext, _ record: inout StepRecord) async throws {
        let spec = step.spec as! HealthStep
        let clock = ContinuousClock()
        let start = clock.now
        let client = context.client
        let timeout = spec.timeout.swiftDuration
        var details = HealthDetails(checkHealth: nil, reasons: [], quotaStates: [], components: [:], endpoints: [], serving: nil, servingError: nil)

        if let h = try? await client.checkHealth() {
            details.checkHealth = h.isHealthy
            details.reasons = h.reasons
            details.quotaStates = h.quotaStates
        }
        if let states = try? await client.componentStates() {
            for s in states { details.components["\(s.role)\(s.nodeID == 0 ? "" : "-\(s.nodeID)")"] = s.state }
        }
        for base in spec.endpoints ?? context.scenario.target.metrics {
            let (ok, answer) = await MetricsEndpoint(base).healthz(timeout: timeout)
            details.endpoints.append(.init(url: base + "/healthz", ok: ok, answer: answer))
        }
        // The document's check: connect and list collections, timed on a fresh connection.
        let t0 = clock.now
        do {
            var options = client.options
            options.timeout = timeout
            let fresh = try await MilvusClient.connect(options)
            _ = try await fresh.listCollections()
            record.metrics["latency"] = (clock.now - t0).milliseconds
            await fresh.close()
        } catch {
            record.notes.append("connect and list failed: \(error)")
        }
        if spec.serving, let collection = step.collection {
            let t1 = clock.now
            do {
                let vector = try await context.vectorField(collection, named: nil, step: "Search")
                var generator = QueryVectors(dim: vector.dim, settings: nil)
                _ = try await client.search(SearchRequest(collection: collection, field: vector.name, vectors: generator.next(1), topK: 1,
                                                          metric: vector.metric, timeout: timeout))
                details.serving = true
                record.metrics["searchLatency"] = (clock.now - t1).milliseconds
            } catch {
                details.serving = false
                details.servingError = "\(error)"
            }
        }
        let unhealthy = details.components.values.filter { $0 != "healthy" }.count + details.endpoints.filter { !$0.ok }.count
        record.metrics["unhealthyComponents"] = Double(unhealthy)
        record.metrics["live"] = details.endpoints.allSatisfy(\.ok) ? 1 : 0
        record.metrics["checkHealth"] = details.checkHealth == true ? 1 : 0
        record.metrics["healthy"] = (details.serving ?? true) && details.checkHealth != false ? 1 : 0
        record.metrics["totalTime"] = (clock.now - start).milliseconds
        record.health = details
    }
}
