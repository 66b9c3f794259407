import Foundation
@testable import ScenarioRecord
import Testing

@Suite("run.json reading and writing")
struct RecordFileTests {
    static func golden() throws -> URL {
        GoldenTests.root.appendingPathComponent("ci_smoke_standalone").appendingPathComponent("run.json")
    }

    @Test("a record written and read back is the same, byte for byte when written again")
    func roundTrip() throws {
        let record = try RunRecord.load(from: Self.golden())
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("record-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try RecordFile.write(record, to: dir)
        let written = try Data(contentsOf: dir.appendingPathComponent(RecordFile.name))
        let again = try RecordFile.read(written, file: "run.json")
        #expect(try RecordFile.encoder.encode(again) == written)
        #expect(again.steps.count == record.steps.count && again.formatVersion == RunRecord.currentFormatVersion)
    }

    @Test("a record from a newer version says so instead of failing on a missing field")
    func newerFormat() throws {
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.golden())) as? [String: Any])
        json["formatVersion"] = RunRecord.currentFormatVersion + 1
        json["steps"] = nil  // what a newer format might have renamed: the version is checked first
        let data = try JSONSerialization.data(withJSONObject: json)
        #expect(throws: RecordFile.ReadError.newerFormat(file: "new/run.json", version: RunRecord.currentFormatVersion + 1,
                                                        supported: RunRecord.currentFormatVersion)) {
            try RecordFile.read(data, file: "new/run.json")
        }
        let message = RecordFile.ReadError.newerFormat(file: "new/run.json", version: 2, supported: 1).description
        #expect(message == "new/run.json: run record format 2 is newer than this milvus-scenario reads (up to 1); use the version that wrote it, or a newer one")
    }

    @Test("a damaged record names the field")
    func damaged() throws {
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.golden())) as? [String: Any])
        json["steps"] = nil
        let data = try JSONSerialization.data(withJSONObject: json)
        do {
            _ = try RecordFile.read(data, file: "old/run.json")
            Issue.record("a record without steps was read")
        } catch let error as RecordFile.ReadError {
            #expect(error.description == "old/run.json: not a readable run record: missing \"steps\"", "\(error)")
        }
        #expect(throws: RecordFile.ReadError.self) { try RecordFile.read(Data("not json".utf8), file: "x") }
    }
}
