import Foundation
import MilvusClient
import ScenarioRecord
import ScenarioSpec
@testable import ScenarioRunner
import Testing

@Suite("step outcomes")
struct StepOutcomeTests {
    @Test("only a deployment's real limits are 'not supported'; a failed verification is a failure")
    func deploymentLimits() {
        // Limits of the deployment: a sweep records the row as not supported and goes on.
        let limits = [
            MilvusError(rpc: "LoadCollection", kind: .server(errorCode: 1, code: 65535),
                        reason: "failed to spawn replica for collection: nodes not enough"),
            MilvusError(rpc: "GetReplicas", kind: .notSupported, reason: "unimplemented"),
            MilvusError(rpc: "GetReplicas", kind: .deploymentLimit,
                        reason: "asked for 3 replicas, but the server reports 1 replica group"),
        ]
        for e in limits {
            #expect(e.isDeploymentLimit, "\(e)")
            #expect(StepExecution.status(of: e) == .unsupported, "\(e)")
        }
        // Something broke: a sweep row with these fails (it used to be "not supported").
        let failures: [any Error] = [
            MilvusError(rpc: "DescribeIndex", kind: .verificationFailed, reason: "c.vector has no index"),
            MilvusError(rpc: "Query", kind: .verificationFailed, reason: "count(*) answered without a count"),
            MilvusError(rpc: "LoadCollection", kind: .server(errorCode: 1, code: 101), reason: "collection not loaded"),
            MilvusError(rpc: "Search", kind: .transport("unavailable"), reason: "connection refused"),
            MilvusError(rpc: "LoadCollection", kind: .timedOut, reason: "still loading after 10m"),
            SearchFailure(reason: "boom", code: "server 65535"),
        ]
        for e in failures {
            #expect((e as? MilvusError)?.isDeploymentLimit != true, "\(e)")
            #expect(StepExecution.status(of: e) == .failed, "\(e)")
        }
    }
}

@Suite("cleanup")
struct CleanupTests {
    static func steps() throws -> [ScenarioSpec.Step] {
        let outcome = ScenarioLoader.decode(bytes: Array("""
        collection: c
        steps: [load, release, drop, concurrentSearch]
        """.utf8), file: "t.yaml")
        return try #require(outcome.scenario).steps
    }

    @Test("cleanup: always runs only drop after a failure (not release); never skips drop; onSuccess skips all after a failure")
    func whatRunsAfterAFailure() throws {
        let steps = try Self.steps()
        func run(_ cleanup: Scenario.Cleanup, afterFailure: Bool) -> [String] {
            steps.filter { !ScenarioExecution.skips($0, cleanup: cleanup, afterFailure: afterFailure) }.map(\.kind)
        }
        #expect(run(.always, afterFailure: true) == ["drop"])
        #expect(run(.always, afterFailure: false) == ["load", "release", "drop", "concurrentSearch"])
        #expect(run(.never, afterFailure: false) == ["load", "release", "concurrentSearch"])
        #expect(run(.never, afterFailure: true) == [])
        #expect(run(.onSuccess, afterFailure: true) == [])
        #expect(run(.onSuccess, afterFailure: false) == ["load", "release", "drop", "concurrentSearch"])
    }

    @Test("a load step whose runner used 90 % of every core says the client limited it; other steps never")
    func clientSaturated() throws {
        func record(cpuMs: Double, durationMs: Double, load: Bool) -> StepRecord {
            var r = StepRecord(path: "1", id: "s", kind: "concurrentSearch", collection: "c", startedAt: Date())
            r.durationMs = durationMs
            r.clientCpuMs = cpuMs
            if load { r.metrics["qps"] = 500 }
            return r
        }
        let note = try #require(StepExecution.clientSaturated(record(cpuMs: 9_800, durationMs: 5_000, load: true), cores: 2))
        #expect(note == StepNote(.clientSaturated, ["percent": "196", "cores": "2"]))
        #expect(StepExecution.clientSaturated(record(cpuMs: 8_900, durationMs: 5_000, load: true), cores: 2) == nil)
        #expect(StepExecution.clientSaturated(record(cpuMs: 4_600, durationMs: 5_000, load: true), cores: 1) != nil)
        #expect(StepExecution.clientSaturated(record(cpuMs: 9_800, durationMs: 5_000, load: false), cores: 2) == nil)
        #expect(StepExecution.clientSaturated(record(cpuMs: 100, durationMs: 0, load: true), cores: 2) == nil)
    }
}
