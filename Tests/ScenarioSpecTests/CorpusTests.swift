import Foundation
import Testing
@testable import ScenarioSpec

/// Every malformed scenario under Fixtures/invalid has a `.expected` file holding the
/// diagnostics it must produce, one `file:line:col: severity[code]: message` per line. The test
/// matches position, severity and code — so rewording a message changes no file here; the text
/// stays for review (`UPDATE_CORPUS=1 swift test --filter CorpusTests` refreshes it).
@Suite("malformed scenario corpus")
struct CorpusTests {
    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: TestSupport.invalidCorpus.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    /// `file:line:col: error[code]` of a corpus line.
    static func withoutMessage(_ line: String) -> String {
        guard let end = line.range(of: "]: ") else { return line }
        return String(line[..<end.lowerBound]) + "]"
    }

    @Test("the corpus is large enough")
    func size() {
        #expect(Self.cases.count >= 60)
    }

    @Test("each case produces exactly its expected diagnostics", arguments: cases)
    func expected(name: String) throws {
        let url = TestSupport.invalidCorpus.appendingPathComponent(name)
        let expectedURL = url.deletingPathExtension().appendingPathExtension("expected")
        let outcome = ScenarioLoader.load(path: url.path, environment: [:], displayName: name)
        let actual = outcome.diagnostics.map(\.descriptionWithCode)
        if ProcessInfo.processInfo.environment["UPDATE_CORPUS"] == "1" {
            let source = TestSupport.repositoryRoot.appendingPathComponent("Tests/ScenarioSpecTests/Fixtures/invalid")
                .appendingPathComponent(name).deletingPathExtension().appendingPathExtension("expected")
            try (actual.joined(separator: "\n") + "\n").write(to: source, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        // Codes first: where, how severe, which rule. The wording may change freely.
        #expect(actual.map(Self.withoutMessage) == expected.map(Self.withoutMessage), "\(actual)")
        #expect(outcome.scenario == nil, "a corpus case must be rejected")
        #expect(outcome.unreadKeys.isEmpty)
    }

    @Test("a 10 MB file is refused before parsing")
    func hugeFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(UUID()).yaml")
        defer { try? FileManager.default.removeItem(at: url) }
        let line = "# " + String(repeating: "x", count: 1022) + "\n"
        try String(repeating: line, count: 10 * 1024).write(to: url, atomically: true, encoding: .utf8)
        let outcome = ScenarioLoader.load(path: url.path, environment: [:], displayName: "huge.yaml")
        #expect(TestSupport.lines(outcome) == ["huge.yaml:1:1: error: the file is 10 MiB; a scenario may be at most 1 MiB"])
    }

    @Test("the same limit applies to text in memory")
    func hugeBytes() {
        let bytes = [UInt8](repeating: UInt8(ascii: "#"), count: ScenarioLoader.maximumFileSize + 1)
        let outcome = ScenarioLoader.decode(bytes: bytes, file: "m.yaml")
        #expect(outcome.errors.first?.message.hasPrefix("the file is 1 MiB") == true)
    }

    @Test("missing files and folders are reported, not thrown")
    func missing() {
        #expect(TestSupport.lines(ScenarioLoader.load(path: "/no/such/file.yaml", environment: [:])) ==
            ["/no/such/file.yaml:1:1: error: no such file"])
        #expect(ScenarioLoader.load(path: "/tmp", environment: [:]).errors.first?.message.contains("folder") == true)
    }

    @Test("deep nesting at the scenario level does not overflow the stack")
    func deepScenario() {
        let depth = 50_000
        let text = "collection: c\nsteps:\n  - load: " + String(repeating: "{a: ", count: depth) + "1" + String(repeating: "}", count: depth) + "\n"
        let outcome = TestSupport.decode(text)
        #expect(outcome.errors.count == 1)
        #expect(outcome.errors.first?.message.contains("nested more than") == true)
    }
}
