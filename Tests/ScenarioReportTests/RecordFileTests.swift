import Foundation
@testable import ScenarioRecord
@testable import ScenarioReport
import ScenarioSpec
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
        #expect(again.steps.count == record.steps.count && again.formatVersion == record.formatVersion)
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

@Suite("step notes")
struct StepNoteTests {
    static let samples: [StepNote] = [
        StepNote(.recreated, ["collection": "demo"]),
        StepNote(.recallFileNeighbors, ["reason": "they are not in order of L2 distance — found with another metric"]),
        StepNote(.shardLeadOnly, ["shard": "2/4"]),
        StepNote(.shardWaitedForLoad, ["collection": "lb_demo", "seconds": "41.2"]),
        StepNote(.shardStartedLate, ["late": "3.5"]),
        StepNote(.shardOverlap, ["overlap": "71", "window": "12.4"]),
        StepNote(.shardsMissing, ["shards": "2/4"]),
        StepNote(.scaledNodeIdle, ["nodes": "12", "seconds": "171"]),
        StepNote(.clientSaturated, ["percent": "196", "cores": "2"]),
        StepNote(.replicaGroupIdle, ["nodes": "5, 7", "searches": "200", "groups": "2"]),
        StepNote(.metricsGap, ["node": "3", "endpoint": "http://127.0.0.1:20193", "seconds": "9.4", "from": "8.1", "to": "17.5", "reason": " (timed out)"]),
        StepNote(.metricsGapOpen, ["node": "3", "endpoint": "http://127.0.0.1:20193", "from": "26.0", "to": "30.0", "last": "25.0", "reason": ""]),
        StepNote(.replicaGroups, ["groups": "[9, 10] [11]"]),
        StepNote(.segmentInfoUnsupported),
        StepNote(.metricsUnreadable, ["endpoint": "http://127.0.0.1:9091", "reason": "connection refused: no /metrics: here"]),
        StepNote(.noMetricsEndpoints),
        StepNote(.trafficUnknown, ["endpoints": "http://127.0.0.1:9091"]),
        StepNote(.metricsEndpointDown, ["endpoint": "http://127.0.0.1:9091", "reason": "connection refused"]),
        StepNote(.connectFailed, ["reason": "deadline exceeded"]),
        StepNote(.iteratorShort, ["read": "1001", "expected": "3000"]),
        StepNote(.rowsBeforeUncounted, ["collection": "c", "reason": "collection not loaded"]),
        StepNote(.rowsAfterUnverified, ["collection": "c", "reason": "no row count succeeded: code 101"]),
        StepNote(.dryRunActions, ["count": "3"]),
        StepNote(.noBackgroundLoad, ["collection": "c", "reason": "collection not found"]),
        StepNote(.noWriteLoad, ["collection": "c", "reason": "the primary key is a varchar without autoId"]),
        StepNote(.recallNoRows, ["collection": "c"]),
        StepNote(.recallShadowLost, ["collection": "c", "reason": "a watch's writes changed it"]),
        StepNote(.verifyUnknownRows, ["collection": "c", "reason": "not created and filled by this scenario"]),
        StepNote(.wrongAnswers, ["count": "2", "examples": "missingRows key 7: expected matches the filter, got not returned"]),
        StepNote(.backgroundUnchecked, ["reason": "only float-vector searches are checked"]),
        StepNote(.auditNotDone, ["collection": "c", "reason": "other steps wrote to it while the audit read it"]),
        StepNote(.auditWrongRows, ["count": "3", "examples": "lostRows key 7000: expected the row of an acknowledged insert, got no row"]),
        StepNote(.recallMetric, ["metric": "HAMMING"]),
        StepNote(.recallFilter, ["reason": "arithmetic is not evaluated"]),
        StepNote(.recallFailed, ["reason": "the server returned hits without the vectors of 'v'"]),
        StepNote(.capacityP99, ["p99": "63.2 ms", "limit": "50.0 ms"]),
        StepNote(.capacityNoQuery),
        StepNote(.capacityErrors, ["rate": "1.25", "limit": "0"]),
        StepNote(.capacityAchieved, ["achieved": "180", "share": "95", "target": "200"]),
        StepNote(.capacityRecall, ["recall": "0.812", "floor": "0.900"]),
        StepNote(.capacityClientLimit, ["late": "812", "sent": "9000"]),
    ]

    @Test("every code has English and Chinese words, and a format-1 note is read back as its fact")
    func wordsAndLegacy() throws {
        #expect(Set(Self.samples.map(\.code)) == Set(StepNote.Code.all).subtracting([.text]))
        #expect(StepNote.Code.all.count == Set(StepNote.Code.all).count, "a code is registered twice")
        for note in Self.samples {
            #expect(!note.description.contains("?") || note.values.values.contains { $0.contains("?") }, "\(note)")
            #expect(StepNote(legacy: note.description) == note, "\(note.description)")
            let zh = Labels(language: "zh").note(note)
            #expect(zh != note.description && !zh.contains("{"), "\(zh)")
        }
        #expect(StepNote(legacy: "something else").code == .text)
        #expect(Labels(language: "zh").note(StepNote(legacy: "something else")) == "something else")
    }

    @Test("a kind's codes are declared with the kind and registered through its record; an unknown code (a newer record's) still reads")
    func kindCodes() throws {
        // Declared in Kinds/CapacityRecord.swift, listed by CapacityStep.noteCodes, known by name.
        #expect(CapacityStep.noteCodes.contains(.capacityP99) && StepNote.Code(rawValue: "capacityP99").chinese == StepNote.Code.capacityP99.chinese)
        #expect(WatchStep.noteCodes.contains(.scaledNodeIdle) && CreateStep.noteCodes == [.recreated])
        let data = Data(#"{"code": "comesLater", "values": {"node": "7", "why": "new"}}"#.utf8)
        let note = try JSONDecoder().decode(StepNote.self, from: data)
        #expect(note.description == "comesLater: node=7, why=new" && Labels(language: "zh").note(note) == note.description)
        #expect(String(decoding: try JSONEncoder().encode(note.code), as: UTF8.self) == #""comesLater""#)
    }

    @Test("notes are written as code and values; format-1 strings still read, the unsupported marker dropped")
    func encoding() throws {
        let data = try RecordFile.encoder.encode(StepNote(.dryRunActions, ["count": "2"]))
        #expect(String(decoding: data, as: UTF8.self).contains(#""code" : "dryRunActions""#))
        // The golden load_balance_standalone record is format 1: plain-string notes.
        let record = try RunRecord.load(from: GoldenTests.root.appendingPathComponent("load_balance_standalone/run.json"))
        #expect(record.formatVersion == 1)
        #expect(record.steps[3].notes == [StepNote(.replicaGroups, ["groups": "[9]"])])
        let rows = try #require(record.steps.first { $0.sweep != nil }?.sweep?.rows)
        #expect(rows[1].status == .unsupported && rows[1].steps.allSatisfy { $0.notes.isEmpty }, "\(rows[1].steps.map(\.notes))")
    }
}
