import Testing
import ScenarioSpec
@testable import ScenarioRunner

@Suite("step runners")
struct RegistryTests {
    /// Adding a step kind to `StepKinds.all` without a runner fails here.
    @Test("every step kind has a runner")
    func everyKindHasARunner() throws {
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
        #expect(Set(scenario.steps.map(\.kind)) == Set(StepKinds.all.map { $0.kind }))
        for step in scenario.steps {
            #expect(StepRunners.runner(for: step) != nil, "\(step.kind) has no runner")
        }
    }
}
