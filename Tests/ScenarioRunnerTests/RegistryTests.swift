import Foundation
import Testing
import ScenarioRecord
import ScenarioSpec
@testable import ScenarioRunner

@Suite("step runners")
struct RegistryTests {
    /// The list of runners is generated from `StepKinds.all` and checked by the compiler (a kind
    /// without its runner does not build); this checks the lookup a run uses.
    @Test("a decoded step finds its kind's runner by its spec's type")
    func everyKindHasARunner() throws {
        let kinds = StepKinds.all.map { $0.kind }
        #expect(Set(kinds).count == kinds.count)
        #expect(StepRunners.all.map { $0.specType.kind } == kinds, "generated in the order of StepKinds.all")

        // Every kind's own well-formed examples (StepSpec.examples), decoded: each of their
        // steps finds its runner by its spec's type — no hand-kept list of kinds here.
        var seen: Set<String> = []
        for type in StepKinds.all {
            for example in type.examples where example.isValid {
                let scenario = try #require(ScenarioLoader.decode(bytes: Array(example.scenario.utf8), file: "\(type.kind).yaml").scenario,
                                            "\(type.kind): \(example.title)")
                for step in scenario.steps {
                    seen.insert(step.kind)
                    let runner = StepRunners.runner(for: step.spec)
                    #expect(runner.map { $0.specType.kind } == step.kind, "\(step.kind) has no runner")
                }
            }
        }
        #expect(seen == Set(kinds), "kinds no example decodes to: \(Set(kinds).subtracting(seen).sorted())")
    }
}

/// Runners write metrics by key path into their kind's `Metrics` (`record[\.rows] = 5`); a name
/// the kind does not declare, or a value of another unit, does not compile. These check what the
/// compiler cannot: how values are recorded, and that the declared list is what `Metrics` holds.
@Suite("typed metrics")
struct TypedMetricsTests {
    static func recorder<S: StepSpec>(_ kind: S.Type) -> StepRecorder<S> {
        StepRecorder(StepRecord(path: "1", id: "s", kind: S.kind, collection: nil, startedAt: .now))
    }

    @Test("values carry their unit: a Duration is recorded in milliseconds, a flag as 1 or 0, nil leaves it out")
    func units() {
        var insert = Self.recorder(InsertStep.self)
        insert[\.rows] = 5000
        insert[\.insertTime] = .milliseconds(1500)
        insert[\.flushing.sealTime] = .microseconds(2500)
        insert[\.rowsPerSecond] = 3333.5
        #expect(insert.metrics == ["rows": 5000, "insertTime": 1500, "sealTime": 2.5, "rowsPerSecond": 3333.5])
        #expect(insert[\.insertTime] == .milliseconds(1500) && insert[\.rows] == 5000)
        insert[\.flushing.sealTime] = nil
        #expect(insert.metrics["sealTime"] == nil)

        var health = Self.recorder(HealthStep.self)
        health[\.healthy] = true
        health[\.live] = false
        #expect(health.metrics == ["healthy": 1, "live": 0])
        #expect(health[\.healthy] == true)

        var watch = Self.recorder(WatchStep.self)
        watch.leaveOut(\.rowsAfter, \.rowsLost, because: "count kept changing")
        #expect(watch.record.unverified == ["rowsAfter": "count kept changing", "rowsLost": "count kept changing"])
    }

    @Test("each kind's declared metrics are exactly its Metrics' properties, each with its quantity's unit")
    func declarations() {
        #expect(InsertStep.metrics.map(\.name) == ["rows", "rowsPerSecond", "insertTime", "flushTime", "sealTime", "flushes", "totalTime",
                                                     "freshness.samples", "freshness.p50", "freshness.p99", "freshness.max", "freshness.timeouts", "freshness.overBound",
                                                     "late", "dropped", "lateMax"])
        #expect(InsertStep.metrics.first { $0.name == "insertTime" }?.unit == .milliseconds)
        #expect(HealthStep.metrics.first { $0.name == "healthy" }?.unit == .boolean)
        #expect(MonitorStep.metrics.first { $0.name == "memoryMB.max" }?.unit == .count)
        for type in StepKinds.all {
            #expect(type.metrics.contains { $0.name == "totalTime" && $0.unit == .milliseconds }, "\(type.kind)")
        }
        // "Measures search latency" is a fact of the metrics, not a second flag that could disagree.
        #expect(StepKinds.all.filter { $0.measuresSearchLatency }.map { $0.kind }.sorted() == ["concurrentSearch", "hotSearch"])
    }
}
