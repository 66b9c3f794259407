/// A step as a scenario writes it, for the reference and the tests: well formed, or malformed
/// with the problems it must be reported with (their codes, in order). Every kind carries its
/// own (`StepSpec.examples`); `StepExampleTests` checks each one, and the reference shows the
/// well-formed ones.
public struct StepExample: Sendable {
    /// What comes before the example's steps in the scenario it is checked in.
    public enum Setting: Sendable {
        /// Nothing: the scenario's `collection` only.
        case none
        /// The collection is created (`id`, an 8-d `embedding`, a `category` varchar).
        case created
        /// Created, 1,000 rows inserted, an HNSW index built and loaded.
        case loaded
    }

    /// What the example shows, in a few words.
    public var title: String
    /// The steps as written under `steps:` (items starting `- `, at the left margin).
    public var steps: String
    public var setting: Setting
    /// The codes of the errors it must get, in order; empty for a well-formed example.
    public var errors: [DiagnosticCode]
    /// The codes of the warnings it must get, in order.
    public var warnings: [DiagnosticCode]

    public var isValid: Bool { errors.isEmpty }

    /// A well-formed step (warnings, when it has some, are part of what it shows).
    public static func valid(_ title: String, _ steps: String, after setting: Setting = .loaded,
                             warnings: [DiagnosticCode] = []) -> StepExample {
        StepExample(title: title, steps: steps, setting: setting, errors: [], warnings: warnings)
    }

    /// A malformed step and the errors it gets.
    public static func invalid(_ title: String, _ steps: String, after setting: Setting = .loaded,
                               _ errors: DiagnosticCode..., warnings: [DiagnosticCode] = []) -> StepExample {
        precondition(!errors.isEmpty, "an invalid example names the errors it gets")
        return StepExample(title: title, steps: steps, setting: setting, errors: errors, warnings: warnings)
    }

    /// The whole scenario the example is checked in.
    public var scenario: String {
        var lines = ["collection: example", "steps:"]
        switch setting {
        case .none: break
        case .created, .loaded:
            lines += [
                "  - create:",
                "      fields:",
                "        - {name: id, type: int64, primary: true}",
                "        - {name: embedding, type: floatVector, dim: 8}",
                "        - {name: category, type: varchar, maxLength: 16}",
            ]
            if setting == .loaded {
                lines += ["  - insert: {rows: 1000}", "  - index: {type: HNSW, metric: L2, params: {M: 16, efConstruction: 64}}", "  - load"]
            }
        }
        lines += steps.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
        return lines.joined(separator: "\n") + "\n"
    }
}
