import Foundation
import ScenarioRecord
import ScenarioReport
import Testing

/// Every writer, in both languages, against reviewed files. The records are real: run.json of
/// real runs against the local servers (Golden/<case>/run.json). To accept a deliberate change,
/// run with UPDATE_GOLDEN=1 and review the diff as text.
@Suite("golden reports")
struct GoldenTests {
    static let root = Bundle.module.resourceURL!.appendingPathComponent("Golden")
    /// The source folder, for UPDATE_GOLDEN=1.
    static let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let cases = (try? FileManager.default.contentsOfDirectory(atPath: source.path))?.filter { !$0.hasPrefix(".") }.sorted() ?? []

    @Test("the cases are there")
    func casesExist() {
        #expect(Self.cases.count >= 3, "Golden/ should hold the recorded runs")
    }

    @Test("reports match the reviewed files", arguments: cases, ["en", "zh"])
    func golden(_ name: String, _ language: String) throws {
        let record = try RunRecord.load(from: Self.root.appendingPathComponent(name).appendingPathComponent("run.json"))
        let files = ReportSet.render(record, language: language)
        let expectedDir = Self.source.appendingPathComponent(name).appendingPathComponent(language)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try? FileManager.default.removeItem(at: expectedDir)
            try FileManager.default.createDirectory(at: expectedDir, withIntermediateDirectories: true)
            for f in files { try Data(f.contents.utf8).write(to: expectedDir.appendingPathComponent(f.name)) }
            return
        }
        let expected = Set(try FileManager.default.contentsOfDirectory(atPath: expectedDir.path))
        #expect(Set(files.map(\.name)) == expected, "files written for \(name)/\(language)")
        for f in files where expected.contains(f.name) {
            let want = try String(contentsOf: expectedDir.appendingPathComponent(f.name), encoding: .utf8)
            if f.contents != want {
                let a = f.contents.split(separator: "\n", omittingEmptySubsequences: false)
                let b = want.split(separator: "\n", omittingEmptySubsequences: false)
                let line = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
                Issue.record("\(name)/\(language)/\(f.name) differs at line \(line + 1):\n  got:      \(line < a.count ? String(a[line]) : "<end>")\n  expected: \(line < b.count ? String(b[line]) : "<end>")")
            }
        }
    }

    @Test("rendering is a pure function of the record")
    func deterministic() throws {
        for name in Self.cases {
            let record = try RunRecord.load(from: Self.root.appendingPathComponent(name).appendingPathComponent("run.json"))
            #expect(ReportSet.render(record) == ReportSet.render(record))
        }
    }
}
