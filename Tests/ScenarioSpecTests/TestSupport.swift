import Foundation
@testable import ScenarioSpec

/// Paths and helpers shared by the tests.
enum TestSupport {
    /// The package root (three levels above this file).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let invalidCorpus: URL = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("invalid")

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Decodes scenario text with an empty environment (so the machine's variables cannot leak in).
    static func decode(_ text: String, file: String = "test.yaml", variables: [String: String] = [:],
                       environment: [String: String] = [:]) -> ScenarioLoader.Outcome {
        ScenarioLoader.decode(bytes: Array(text.utf8), file: file, variables: variables, environment: environment)
    }

    /// The diagnostics as `file:line:col: severity: message` lines.
    static func lines(_ outcome: ScenarioLoader.Outcome) -> [String] {
        outcome.diagnostics.map(\.description)
    }

    static func read(_ relativePath: String) throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent(relativePath), encoding: .utf8)
    }
}
