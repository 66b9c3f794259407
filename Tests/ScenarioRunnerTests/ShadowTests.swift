import MilvusClient
import Testing
@testable import ScenarioRunner
@testable import ScenarioSpec

/// The shadow's bookkeeping without a server: which rows the keys hold after writes answered out
/// of order, deletes and unknown outcomes, and the rows made again from it.
@Suite("collection shadow")
struct ShadowTests {
    static let schema = CollectionSchema(fields: [FieldSchema("id", .int64, isPrimaryKey: true), FieldSchema("price", .int64)])

    static func shadow() -> CollectionShadow {
        var s = CollectionShadow()
        s.sources = [.init(generators: [FieldValueGenerator(field: schema.fields[0], generator: .sequence(start: 0), seed: 1),
                                        FieldValueGenerator(field: schema.fields[1], generator: .sequence(start: 100), seed: 2)],
                           schema: schema, write: "insert")]
        return s
    }

    @Test("batches answered out of order keep their acknowledgements in row order")
    func acknowledgementsInOrder() {
        var source = Self.shadow().sources[0]
        let clock = ContinuousClock()
        let t0 = clock.now, t1 = t0 + .seconds(1), t2 = t0 + .seconds(2)
        source.acknowledge(0, at: t0)
        source.acknowledge(20, at: t1)
        source.acknowledge(10, at: t2)
        #expect(source.acknowledged.map(\.row) == [0, 10, 20])
        #expect(source.acknowledgement(of: 5) == t0 && source.acknowledgement(of: 15) == t2 && source.acknowledgement(of: 25) == t1)
    }

    @Test("rows made again are the live ones, with their values; deleted and unknown rows are told apart")
    func liveRows() throws {
        var s = Self.shadow()
        s.sources[0].rows = 30
        s.keys.assign(keys: Array(0..<20), source: 0, firstRow: 0)
        s.keys.assign(keys: Array(20..<30), source: 0, firstRow: 20, indeterminate: true)
        s.keys.remove(5, 8)
        let values = try s.values(of: [4, 5, 9, 25], fields: ["price"])
        #expect(values[4]?["price"] == .int(104) && values[5] == nil && values[9]?["price"] == .int(109) && values[25]?["price"] == .int(125))
        var live = 0, unknown = 0
        try s.forEachBlock(fields: ["price"], block: 7) { b in
            live += b.keys.compactMap { $0 }.count
            unknown += b.indeterminate.filter { $0 }.count
        }
        #expect(live == 27 && unknown == 10)
        let f = try FilterExpression.parse("price >= 118 and price < 122").get()
        let m = try s.matchingKeys(f)
        #expect(m.definite == [18, 19] && m.indeterminate == [20, 21])
        #expect(keyRanges([9, 3, 4, 5, 5, 7]).map { [$0.lo, $0.hi] } == [[3, 6], [7, 8], [9, 10]])
    }
}
