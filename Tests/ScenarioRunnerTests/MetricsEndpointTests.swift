import Foundation
@testable import ClusterObservation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import ScenarioRunner
import ScenarioRecord
import ScenarioSpec
import Testing

/// `run --metrics-port`: the collectors and the HTTP endpoint, read back with the strict
/// Prometheus text parser the monitor step uses. (RunTests scrapes it during a real run.)
@Suite("metrics endpoint")
struct MetricsEndpointTests {
    static func get(_ url: String, method: String = "GET") async throws -> (Int, String, String?) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        return (http.statusCode, String(decoding: data, as: UTF8.self), http.value(forHTTPHeaderField: "Content-Type"))
    }

    @Test("serves the document's metric set under our prefix, parseable by a strict parser")
    func endpoint() async throws {
        let metrics = RunMetrics()
        let server = try await MetricsServer.start(metrics, host: "127.0.0.1", port: 0)
        defer { Task { await server.stop() } }
        let recorder = metrics.queryRecorder(step: "baseline", collection: "demo")
        for ms in [3, 7, 40, 150] { recorder.record(.milliseconds(ms)) }
        recorder.record(nil)
        var create = StepRecord(path: "1", id: "create1", kind: "create", collection: "demo", startedAt: Date())
        metrics.stepFinished(create)
        var insert = StepRecord(path: "2", id: "insert1", kind: "insert", collection: "demo", startedAt: Date())
        insert.metrics["rows"] = 5000
        metrics.stepFinished(insert)
        var health = StepRecord(path: "3", id: "ready", kind: "health", collection: "demo", startedAt: Date())
        health.updateDetails(of: HealthStep.self) {
            $0.health = HealthDetails(checkHealth: true, reasons: [], quotaStates: [], components: ["proxy-1": "Healthy", "querynode-2": "Abnormal"],
                                      endpoints: [], serving: true, servingError: nil)
        }
        metrics.stepFinished(health)
        create.status = .failed   // failed steps change nothing
        metrics.stepFinished(create)

        let (status, body, contentType) = try await Self.get("http://127.0.0.1:\(server.port)/metrics")
        #expect(status == 200)
        #expect(contentType?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = try PrometheusText(body)
        let base = ["step": "baseline", "collection": "demo"]
        #expect(text.sum("milvus_scenario_query_latency_seconds_count", matching: base) == 4)
        #expect(abs((text.sum("milvus_scenario_query_latency_seconds_sum", matching: base) ?? 0) - 0.2) < 1e-9)
        #expect(text.sum("milvus_scenario_query_latency_seconds_bucket", matching: base.merging(["le": "0.01"]) { a, _ in a }) == 2)
        #expect(text.sum("milvus_scenario_query_latency_seconds_bucket", matching: base.merging(["le": "+Inf"]) { a, _ in a }) == 4)
        #expect(text.sum("milvus_scenario_query_total", matching: base.merging(["status": "success"]) { a, _ in a }) == 4)
        #expect(text.sum("milvus_scenario_query_total", matching: base.merging(["status": "failure"]) { a, _ in a }) == 1)
        #expect(text.sum("milvus_scenario_collection_size", matching: ["collection": "demo"]) == 5000)
        #expect(text.sum("milvus_scenario_component_health", matching: ["component": "proxy-1"]) == 1)
        #expect(text.sum("milvus_scenario_component_health", matching: ["component": "querynode-2"]) == 0)
        #expect(text.sum("milvus_scenario_component_health", matching: ["component": "serving"]) == 1)
        #expect(text.families["milvus_scenario_query_latency_seconds"]?.type == .histogram)

        #expect(try await Self.get("http://127.0.0.1:\(server.port)/other").0 == 404)
        #expect(try await Self.get("http://127.0.0.1:\(server.port)/metrics", method: "POST").0 == 405)
    }

    @Test("a port in use is an error, not a silent no-op")
    func portInUse() async throws {
        let first = try await MetricsServer.start(RunMetrics(), host: "127.0.0.1", port: 0)
        await #expect(throws: (any Error).self) {
            let second = try await MetricsServer.start(RunMetrics(), host: "127.0.0.1", port: first.port)
            await second.stop()
        }
        await first.stop()
    }
}
