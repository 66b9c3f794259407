import Testing
import ScenarioSpec
@testable import ScenarioRunner

@Suite("step runners")
struct RegistryTests {
    /// Adding a step kind to `StepKinds.all` without a runner fails here.
    @Test("every step kind has exactly one runner, keyed by its spec type")
    func everyKindHasARunner() throws {
        let kinds = StepKinds.all.map { $0.kind }
        #expect(Set(kinds).count == kinds.count)
        let runnerKinds = StepRunners.all.map { $0.specType.kind }
        #expect(runnerKinds.sorted() == kinds.sorted(), "runners: \(runnerKinds.sorted()); kinds: \(kinds.sorted())")

        // And a decoded scenario with one step of each kind finds them by its specs' types.
        let text = """
        collection: c
        steps:
          - create: {fields: [{name: id, type: int64, primary: true}, {name: v, type: floatVector, dim: 4}]}
          - insert: {rows: 1}
          - index
          - load
          - concurrentSearch
          - hotSearch
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
