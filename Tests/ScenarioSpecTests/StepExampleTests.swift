import Foundation
import Testing
@testable import ScenarioSpec

/// Every kind's own examples (`StepSpec.examples`): a well-formed one decodes without errors and
/// with exactly the warnings it shows, a malformed one gets exactly its errors, in order. The
/// reference shows the well-formed ones, so what it shows is checked here.
@Suite("step kinds' examples")
struct StepExampleTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var kind: String
        var example: StepExample
        var testDescription: String { "\(kind): \(example.title)" }
    }

    static let cases: [Case] = StepKinds.all.flatMap { type in type.examples.map { Case(kind: type.kind, example: $0) } }

    @Test("each example gets exactly its errors and warnings", arguments: cases)
    func example(_ c: Case) {
        let outcome = TestSupport.decode(c.example.scenario, file: "\(c.kind).yaml")
        let errors = outcome.diagnostics.filter { $0.severity == .error }.map(\.code)
        let warnings = outcome.diagnostics.filter { $0.severity == .warning }.map(\.code)
        #expect(errors == c.example.errors, "\(TestSupport.lines(outcome))\n\(c.example.scenario)")
        #expect(warnings == c.example.warnings, "\(TestSupport.lines(outcome))\n\(c.example.scenario)")
        #expect((outcome.scenario != nil) == c.example.isValid)
        if c.example.isValid {
            // The example shows a step of its kind (the reference shows it under that kind).
            let shown = c.example.steps.split(separator: "\n").contains { $0.hasPrefix("- \(c.kind)") }
            #expect(shown, "\(c.example.steps)")
        }
    }

    @Test("every kind shows a well-formed example, and a malformed one for each problem only it reports")
    func coverage() {
        var owners: [DiagnosticCode: String] = [:]
        for type in StepKinds.all {
            let anyValid = type.examples.contains { $0.isValid }
            #expect(anyValid, "\(type.kind) has no well-formed example")
            let shown = Set(type.examples.flatMap { $0.errors + $0.warnings })
            for code in type.diagnosticCodes {
                #expect(shown.contains(code), "\(type.kind) reports \(code) but no example of it shows it")
                if let other = owners[code] { Issue.record("\(code) is declared by \(other) and \(type.kind)") }
                owners[code] = type.kind
            }
        }
    }
}
