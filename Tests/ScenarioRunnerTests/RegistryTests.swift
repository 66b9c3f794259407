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

        // A decoded scenario with one step of each kind finds them by its specs' types.
        let text = """
        collection: c
        steps:
          - create: {fields: [{name: id, type: int64, primary: true}, {name: v, type: floatVector, dim: 4}]}
          - insert: {rows: 1}
          - index
          - load
          - concurrentSearch
          - hotSearch
          - query: {limit: 1}
          - hybridSearch: {searches: [{field: v}, {field: v}]}
          - upsert: {rows: 1}
          - delete: {rows: 1}
          - parallel: {duration: 1s, steps: [{query: {limit: 1}}]}
          - capacity: {from: 10/s, to: 20/s, p99: 50ms}
          - sweep: {over: {n: [1]}, steps: [{concurrentSearch: {concurrency: "${n}"}}]}
          - monitor
          - health
          - watch: {duration: 1m}
          - release
          - drop
        """
        let scenario = try #require(ScenarioLoader.decode(bytes: Array(text.utf8), file: "t.yaml").scenario)
        #expect(Set(scenario.steps.map(\.kind)) == Set(kinds))
        for step in scenario.steps {
            let runner = StepRunners.runner(for: step.spec)
            #expect(runner.map { $0.specType.kind } == step.kind, "\(step.kind) has no runner")
        }
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
                                                     "freshness.samples", "freshness.p50", "freshness.p99", "freshness.max", "freshness.timeouts",
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
