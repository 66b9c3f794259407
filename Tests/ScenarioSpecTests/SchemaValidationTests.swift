import Foundation
import TestSupport
import Testing
@testable import ScenarioSpec

/// The generated JSON Schema, checked by an independent validator (Python's `jsonschema`):
/// it accepts the example scenarios and rejects malformed ones it can express.
@Suite("JSON Schema")
struct SchemaValidationTests {
    /// The project's tool venv (made by scripts/test), or nil when it is not set up.
    static let python: String? = {
        let venv = TestSupport.repositoryRoot.appendingPathComponent(".local/venv/bin/python3").path
        guard FileManager.default.isExecutableFile(atPath: venv) else { return nil }
        return venv
    }()

    /// Corpus cases whose problem a schema can see (types, unknown keys, ranges, missing keys).
    /// Not `key-missing-rows`: `rows` may be left out when a field is read from a data set file,
    /// a condition the generated schema does not express.
    static let rejected = [
        "key-top-level-typo", "key-step-typo", "key-step-kind-typo", "key-missing-steps",
        "type-replicas-zero", "type-concurrency-negative", "type-duration-word", "type-index-type-typo",
        "type-fraction-too-large", "type-topk-too-large", "type-steps-not-a-list", "notifier-unknown-kind",
    ]

    @Test("accepts the examples and rejects malformed scenarios",
          .enabled(if: python != nil || TestSupport.isCI, "needs .local/venv with jsonschema (run `make test`)"))
    func validator() throws {
        let python = try #require(Self.python, "CI must set up .local/venv with jsonschema (scripts/test does)")
        let schema = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID()).schema.json")
        defer { try? FileManager.default.removeItem(at: schema) }
        try ScenarioJSONSchema.generate().rendered().write(to: schema, atomically: true, encoding: .utf8)
        let root = TestSupport.repositoryRoot
        let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        let valid = ExampleScenarioTests.files.map { root.appendingPathComponent($0).path }
            + ["everything", "today"].map { fixtures.appendingPathComponent("valid/\($0).yaml").path }
        let invalid = Self.rejected.map { TestSupport.invalidCorpus.appendingPathComponent("\($0).yaml").path }

        let outcome = try ChildProcess.run(python, [root.appendingPathComponent("scripts/check_schema.py").path, schema.path, "--valid"] + valid + ["--invalid"] + invalid)
        let output = outcome.output
        #expect(outcome.status == 0, "\(output)")
        #expect(output.contains("\(valid.count + invalid.count) files checked, 0 unexpected"), "\(output)")
    }
}
