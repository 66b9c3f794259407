import Foundation
@testable import ScenarioRecord
@testable import ScenarioReport
import ScenarioSpec
import Testing

/// `report --matrix`: the chaos table from case folders, read from the committed matrix of real
/// runs (reports/chaos-examples: 19 faults on the local cluster and the standalone server).
@Suite("chaos matrix table")
struct FaultMatrixTests {
    static let examples = PackageShapeTests.root.appendingPathComponent("reports/chaos-examples")

    /// A copy of some committed cases to change.
    static func copy(_ cases: [String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("matrix-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for c in cases {
            try FileManager.default.copyItem(at: examples.appendingPathComponent(c), to: folder.appendingPathComponent(c))
        }
        return folder
    }

    static func table(_ markdown: String) -> [String] { markdown.split(separator: "\n").map(String.init).filter { $0.hasPrefix("| ") } }

    @Test("the committed matrix's rows come out as the table the runs were reported with")
    func committedRows() throws {
        let matrix = try FaultMatrix.read(Self.examples)
        #expect(matrix.rows.count == 19)
        let committed = try String(contentsOf: Self.examples.appendingPathComponent("chaos.md"), encoding: .utf8)
        #expect(Self.table(FaultMatrixReport.markdown(matrix)) == Self.table(committed))
        // What the table is for: the findings, each from the records.
        let byName = Dictionary(uniqueKeysWithValues: matrix.rows.map { ($0.name, $0) })
        #expect(byName["kill-broker"]?.outcome == "900 acknowledged rows missing")
        #expect(byName["kill-querynode2"]?.outcome == "survived")
        #expect(byName["kill-querynode2"]?.serving == .neverLost)
        #expect(byName["kill-etcd"]?.finding == "not detected")
        #expect(byName["partition-etcd"]?.clusterSurvived == false)
        #expect(matrix.setup.faultAt == ["10s"] && matrix.setup.undoAt == ["30s"] && matrix.setup.watch == ["50s"])
    }

    @Test("rows taken away behind the tool's back are found: the count after is below the acknowledged rows")
    func rowsLost() throws {
        let folder = try Self.copy(["kill-querynode2"])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try FaultMatrix.read(folder).rows.first?.outcome == "survived")
        // The server's count after the watch, made wrong: 37 acknowledged rows are not there.
        let file = folder.appendingPathComponent("kill-querynode2/run.json")
        var record = try RunRecord.load(from: file)
        let i = try #require(record.steps.firstIndex { $0.kind == "watch" })
        record.steps[i].updateDetails(of: WatchStep.self) { $0.watch?.rowsAfter = 15000 - 37 }
        try RecordFile.write(record, to: file.deletingLastPathComponent())
        let row = try #require(try FaultMatrix.read(folder).rows.first)
        #expect(row.rowsAfter == 14963 && row.expectedRows == 15000)
        #expect(row.outcome == "37 acknowledged rows missing", "\(row.outcome)")
    }

    @Test("a case without a run record is a row that says so; a record of a newer format is an error, not a guess")
    func missingAndNewer() throws {
        let folder = try Self.copy(["kill-proxy", "kill-datanode"])
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("kill-proxy/run.json"))
        let rows = try FaultMatrix.read(folder).rows
        #expect(rows.first { $0.name == "kill-proxy" }?.outcome == "no run record")
        #expect(rows.first { $0.name == "kill-datanode" }?.outcome == "survived")

        let file = folder.appendingPathComponent("kill-datanode/run.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        json["formatVersion"] = RunRecord.currentFormatVersion + 1
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        #expect { try FaultMatrix.read(folder) } throws: { error in
            (error as? RecordFile.ReadError)?.isNewerFormat == true
        }
    }

    @Test("a folder without cases is an error naming it")
    func noCases() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("matrix-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect { try FaultMatrix.read(folder) } throws: { "\($0)".contains("holds no case folder") }
    }

    @Test("chaos.json reads back as the rows it was written from")
    func jsonRoundTrip() throws {
        let matrix = try FaultMatrix.read(Self.examples)
        struct File: Decodable { var cases: [FaultMatrix.Row] }
        let back = try JSONDecoder().decode(File.self, from: FaultMatrixReport.json(matrix)).cases
        #expect(back.map(\.name) == matrix.rows.map(\.name))
        #expect(back.map(\.outcome) == matrix.rows.map(\.outcome))
        #expect(back.map(\.live) == matrix.rows.map(\.live))
    }
}
