import Foundation
import ScenarioRecord
@testable import ScenarioReport
import ScenarioSpec
import Testing

@Suite("step reporters")
struct StepReporterRegistryTests {
    /// Adding a step kind to `StepKinds.all` without a reporter fails here.
    @Test("every step kind has exactly one reporter")
    func everyKindHasAReporter() {
        let kinds = StepKinds.all.map { $0.kind }.sorted()
        let reporters = StepReporters.all.map { $0.kind }
        #expect(reporters.sorted() == kinds, "reporters: \(reporters.sorted()); kinds: \(kinds)")
        #expect(Set(reporters).count == reporters.count, "a kind with two reporters: \(reporters)")
    }

    @Test("a step of a kind this build does not know still renders, as its time")
    func unknownKind() {
        var s = StepRecord(path: "1", id: "future1", kind: "futureKind", collection: nil, startedAt: Date())
        s.metrics["totalTime"] = 1500
        #expect(StepReporters.brief(s, Labels(language: "en")) == "")
        #expect(StepReporters.summary(s) == " 1.50 s")
        #expect(Summary.line(s, indent: "").hasPrefix("ok     1 futureKind       future1            1.50 s"))
    }
}
