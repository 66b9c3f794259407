import GroundTruth
import MilvusClient
import Testing
@testable import ScenarioRunner
@testable import ScenarioSpec

/// The audit's planning and comparison without a server (against real servers: AnswerRunTests'
/// `answersBehindTheBack` and `watchWritesShadowed`).
@Suite("row audit")
struct RowAuditTests {
    @Test("windows cover every int64 key, each with at most the planned keys, cutting inside long ranges")
    func windows() {
        var keys = KeyMap()
        keys.assign(KeyMap.Range(lo: 0, hi: 10, row: 0, source: 0, indeterminate: false))
        keys.assign(KeyMap.Range(lo: 100, hi: 125, row: 10, source: 0, indeterminate: false))
        let w = RowAudit.windows(keys, perWindow: 8)
        #expect(w.first?.lo == .min && w.last?.hi == nil)
        #expect(zip(w, w.dropFirst()).allSatisfy { $0.hi == $1.lo })
        for window in w {
            let held = keys.ranges(window.lo, window.hi ?? .max).reduce(0) { $0 + $1.count }
            #expect(held <= 8)
        }
        #expect(RowAudit.windows(KeyMap()) == [.init(lo: .min, hi: nil)])
        #expect(RowAudit.filter(.init(lo: .min, hi: nil), key: "id") == "")
        #expect(RowAudit.filter(.init(lo: .min, hi: 5), key: "id") == "id < 5")
        #expect(RowAudit.filter(.init(lo: 5, hi: 9), key: "id") == "id >= 5 and id < 9")
        // Halving the whole key space, and stopping at one key.
        #expect(RowAudit.halves(.init(lo: .min, hi: nil)) == [.init(lo: .min, hi: -1), .init(lo: -1, hi: nil)])
        #expect(RowAudit.halves(.init(lo: 4, hi: 5)) == nil)
        #expect(RowAudit.halves(.init(lo: 4, hi: 8)) == [.init(lo: 4, hi: 6), .init(lo: 6, hi: 8)])
    }

    @Test("rows read back are told apart by key: lost, back, upserts lost, wrong values, unknown outcomes stored or not")
    func compare() throws {
        let schema = CollectionSchema(fields: [FieldSchema("id", .int64, isPrimaryKey: true), FieldSchema("price", .int64)])
        var s = CollectionShadow()
        s.sources = [.init(generators: [FieldValueGenerator(field: schema.fields[0], generator: .sequence(start: 0), seed: 1),
                                        FieldValueGenerator(field: schema.fields[1], generator: .sequence(start: 100), seed: 2)],
                           schema: schema, write: "insert"),
                     .init(generators: [FieldValueGenerator(field: schema.fields[0], generator: .sequence(start: 0), seed: 1),
                                        FieldValueGenerator(field: schema.fields[1], generator: .sequence(start: 500), seed: 2)],
                           schema: schema, write: "upsert")]
        s.sources[0].rows = 22
        s.sources[1].rows = 5
        s.keys.assign(keys: Array(0..<20), source: 0, firstRow: 0)
        s.keys.assign(keys: Array(0..<5), source: 1, firstRow: 0)          // upserted: price 500 …
        s.keys.remove(10, 12)                                              // deleted
        s.keys.assign(keys: [30, 31], source: 0, firstRow: 20, indeterminate: true)  // no answer
        let fields = RowAudit.fields(schema)
        #expect(fields == ["price"])
        func h(_ price: Int64) -> UInt64 { RowAudit.hash([.int(price)]) }
        // What the server holds: as written, except …
        var server: [Int64: UInt64] = [:]
        for k in Int64(0)..<5 { server[k] = h(500 + k) }
        for k in Int64(5)..<20 where !(10..<12).contains(k) { server[k] = h(100 + k) }
        server[1] = h(101)            // the upsert of key 1 lost: the old row
        server[7] = h(-1)             // key 7 rewritten
        server[13] = nil              // key 13 gone
        server[10] = h(110)           // deleted key 10 back
        server[99] = h(0)             // a key never written
        server[30] = h(120)           // the unknown write of key 30 stored; 31 not
        let (outcome, examples) = try RowAudit.compare(server: server, shadow: s, fields: fields)
        let r = outcome.record
        #expect(r.lost == 1 && r.back == 2 && r.upsertsLost == 1 && r.wrongValues == 1, "\(r)")
        #expect(r.indeterminateStored == 1 && r.indeterminateNotStored == 1 && outcome.stored == [30] && outcome.notStored == [31])
        #expect(r.wrong == 5 && r.expectedRows == 20 && r.rows == server.count)
        let byKind = Dictionary(grouping: examples, by: \.kind).mapValues { $0.map(\.key).sorted() }
        #expect(byKind == ["lostRows": [13], "rowsBack": [10, 99], "upsertsLost": [1], "wrongValues": [7]], "\(byKind)")
        // JSON is compared in canonical form, floats by their bits.
        #expect(RowAudit.hash([.json("{\"a\": 1, \"b\": 2}")]) == RowAudit.hash([.json("{\"b\":2,\"a\":1}")]))
        #expect(RowAudit.hash([.vector([0.5, 1])]) != RowAudit.hash([.vector([0.5, 1.0000001])]))
        #expect(RowAudit.hash([.int(1), .text("a")]) != RowAudit.hash([.text("a"), .int(1)]))
    }
}
