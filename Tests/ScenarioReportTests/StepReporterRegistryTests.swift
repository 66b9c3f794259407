import Foundation
import ScenarioRecord
@testable import ScenarioReport
import ScenarioSpec
import Testing

@Suite("step reporters")
struct StepReporterRegistryTests {
    /// The list of reporters is generated from `StepKinds.all` (a kind without one does not
    /// build); its order is the order the kinds' tables appear in.
    @Test("the reporters follow StepKinds.all, and a recorded step finds its kind's")
    func everyKindHasAReporter() {
        #expect(StepReporters.all.map { $0.kind } == StepKinds.all.map { $0.kind })
        for kind in StepKinds.all {
            let step = StepRecord(path: "1", id: "x", kind: kind.kind, collection: nil, startedAt: Date())
            #expect(StepReporters.reporter(for: step)?.kind == kind.kind)
        }
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

@Suite("declared metrics")
struct DeclaredMetricsTests {
    /// Every kind, as real runs recorded it (the golden records come from real servers): each
    /// metric a step recorded is one its kind declares, so thresholds and `compare` can name it
    /// and its unit is known. (`run` also checks every step as it ends.)
    @Test("every metric in the real runs' records is declared by its kind")
    func recordedMetricsAreDeclared() throws {
        let folders = try FileManager.default.contentsOfDirectory(at: GoldenTests.root, includingPropertiesForKeys: nil)
        var kinds: Set<String> = []
        for folder in folders {
            let record = try RunRecord.load(from: folder.appendingPathComponent("run.json"))
            func check(_ steps: [StepRecord]) {
                for s in steps {
                    kinds.insert(s.kind)
                    let undeclared = StepKinds.undeclaredMetrics(s.metrics.keys, of: s.kind)
                    #expect(undeclared.isEmpty, "\(folder.lastPathComponent): \(s.kind) '\(s.id)' recorded \(undeclared)")
                    for row in s.sweep?.rows ?? [] { check(row.steps) }
                }
            }
            check(record.steps)
        }
        // The golden records cover the kinds of the scenarios operators run (every kind but
        // those added since, whose own server tests check their records: `run` asserts every
        // step's metrics are declared as the step ends, in every test that runs one).
        #expect(kinds.isSubset(of: Set(StepKinds.all.map { $0.kind })), "golden records of unknown kinds: \(kinds.subtracting(StepKinds.all.map { $0.kind }))")
        #expect(kinds.count >= 18, "the golden records cover \(kinds.count) kinds: \(kinds.sorted())")
    }
}
