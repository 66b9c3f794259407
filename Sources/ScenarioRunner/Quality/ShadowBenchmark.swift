import Foundation
import GroundTruth
import MilvusClient
import ScenarioSpec

/// bench/ShadowBench: the shadow a run holds after a large insert, deletes and upserts, built
/// the way the write steps build it (batch by batch), its memory, and the exact ground truth over
/// its live rows.
public enum ShadowBenchmark {
    /// `windows`: a delete and an upsert of contiguous keys (a `delete: {rows, firstId}`, an
    /// `upsert` with a sequence key). `scattered`: every tenth key deleted (as a delete filter
    /// matching every tenth row would) and another tenth upserted — the worst case for ranges.
    public enum Pattern: String, Sendable, CaseIterable {
        case windows, scattered
    }

    public struct Outcome: Sendable {
        public var liveRows: Int
        public var ranges: Int
        public var bytes: Int
        public var buildSeconds: Double
        public var groundTruthSeconds: Double
        public var exactRows: Int
    }

    public static func run(rows: Int, dim: Int, deletes: Int, upserts: Int, pattern: Pattern, queries queryCount: Int, k: Int,
                           batch: Int = 10_000) async throws -> Outcome {
        let schema = CollectionSchema(fields: [FieldSchema("id", .int64, isPrimaryKey: true), FieldSchema("v", .floatVector(dim: dim))])
        func generators(seed: UInt64) -> [FieldValueGenerator] {
            [FieldValueGenerator(field: schema.fields[0], generator: .sequence(start: 0), seed: seed),
             FieldValueGenerator(field: schema.fields[1], generator: .uniform(low: 0, high: 1), seed: seed + 1)]
        }
        let clock = ContinuousClock()
        let start = clock.now
        var shadow = CollectionShadow()
        shadow.sources = [.init(generators: generators(seed: 42), schema: schema, write: "insert"),
                          .init(generators: generators(seed: 99), schema: schema, write: "upsert")]
        // The insert, batch by batch.
        for first in stride(from: 0, to: rows, by: batch) {
            let n = min(batch, rows - first)
            shadow.keys.assign(keys: Array(Int64(first)..<Int64(first + n)), source: 0, firstRow: Int64(first))
            shadow.sources[0].acknowledged.append((Int64(first), clock.now))
            shadow.sources[0].rows += n
        }
        // The deletes and upserts: which keys.
        let deleted: [Int64], upserted: [Int64]
        switch pattern {
        case .windows:
            deleted = Array(Int64(rows / 4)..<Int64(rows / 4 + deletes))
            upserted = Array(Int64(rows / 2)..<Int64(rows / 2 + upserts))
        case .scattered:
            deleted = (0..<deletes).map { Int64($0 * 10 + 3) }
            upserted = (0..<upserts).map { Int64($0 * 10 + 7) }
        }
        // Deleted as delete steps do: a request's keys at a time (as ranges).
        for first in stride(from: 0, to: deleted.count, by: 1000) {
            shadow.delete(keyRanges(Array(deleted[first..<min(deleted.count, first + 1000)])), at: clock.now)
        }
        for first in stride(from: 0, to: upserted.count, by: batch) {
            let keys = Array(upserted[first..<min(upserted.count, first + batch)])
            shadow.keys.assign(keys: keys, source: 1, firstRow: Int64(first))
            shadow.sources[1].acknowledged.append((Int64(first), clock.now))
            shadow.sources[1].rows += keys.count
        }
        let built = clock.now
        var queryGenerator = QueryVectors(dim: dim, settings: nil)
        let queries = try queryGenerator.next(queryCount)
        let truth = try await RecallProbe.compute(queries: queries, k: k, metric: .l2, field: "v", shadow: shadow).get()
        return Outcome(liveRows: shadow.rows, ranges: shadow.keys.rangeCount, bytes: shadow.bytes,
                       buildSeconds: (built - start).milliseconds / 1000, groundTruthSeconds: truth.milliseconds / 1000, exactRows: truth.rows)
    }
}
