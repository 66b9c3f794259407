import Testing
@testable import ScenarioSpec

@Suite("parallel and row-change steps")
struct ParallelDecodingTests {
    @Test("nested loads without an end of their own run for the parallel's duration; their own ends stay; no node traffic inside")
    func nestedEnds() throws {
        let outcome = TestSupport.decode("""
        collection: c
        steps:
          - parallel:
              id: mixed
              duration: 45s
              steps:
                - insert: {id: stream, rate: 500/s, batch: 50, freshness: 2s}
                - insert: {id: bounded, rows: 1000, rate: 100/s}
                - concurrentSearch: {id: search, rate: 20/s}
                - concurrentSearch: {id: counted, queries: 300}
                - query: {id: lookup, filter: "id < 10", duration: 5s}
                - upsert: {id: rewrite, rate: 10/s, generate: {id: {sequence: 0}}}
        thresholds:
          - stream.freshness.p99 < 1s
          - lookup.p99 < 50ms
          - mixed.failed == 0
        """)
        #expect(outcome.diagnostics.isEmpty, "\(TestSupport.lines(outcome))")
        let s = try #require(outcome.scenario)
        let parallel = try #require(s.steps.first?.spec as? ParallelStep)
        #expect(parallel.duration == .seconds(45) && parallel.steps.map(\.path) == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6"])
        let stream = try #require(parallel.steps[0].spec as? InsertStep)
        #expect(stream.untilEnd && stream.rate == Rate(perSecond: 500) && stream.freshness == .seconds(2) && stream.freshnessTimeout == .seconds(30))
        let bounded = try #require(parallel.steps[1].spec as? InsertStep)
        #expect(!bounded.untilEnd && bounded.rows == 1000)
        let search = try #require(parallel.steps[2].spec as? ConcurrentSearchStep)
        #expect(search.end == .duration(.seconds(45)) && !search.nodeTraffic)
        let counted = try #require(parallel.steps[3].spec as? ConcurrentSearchStep)
        #expect(counted.end == .count(300))
        let lookup = try #require(parallel.steps[4].spec as? QueryStep)
        #expect(lookup.load.end == .duration(.seconds(5)) && lookup.filter == "id < 10")
        let rewrite = try #require(parallel.steps[5].spec as? UpsertStep)
        #expect(rewrite.rows.untilEnd)
        // Thresholds may name the nested steps (each runs once), and the parallel itself.
        #expect(s.thresholds.map(\.stepId) == ["stream", "lookup", "mixed"])
    }

    @Test("query, upsert and delete decode with their defaults")
    func rowChangeDefaults() throws {
        let outcome = TestSupport.decode("""
        collection: c
        steps:
          - query: {filter: "tag == 'a'"}
          - query: {outputFields: ["count(*)"], consistency: Strong, rate: 5/s, expectRows: 10}
          - delete: {filter: "id in [1, 2]"}
          - delete: {rows: 2500, firstId: 100}
          - upsert: {rows: 10, batch: 5}
        """)
        #expect(outcome.diagnostics.isEmpty, "\(TestSupport.lines(outcome))")
        let steps = try #require(outcome.scenario).steps
        let q = try #require(steps[0].spec as? QueryStep)
        #expect(q.load.end == .count(100) && q.load.loop == .closed(workers: 10) && q.limit == nil && q.consistency == .Bounded && q.outputFields.isEmpty)
        let count = try #require(steps[1].spec as? QueryStep)
        #expect(count.load.loop == .open(rate: Rate(perSecond: 5), maxInFlight: 10) && count.expectRows == 10 && count.consistency == .Strong)
        #expect((steps[2].spec as? DeleteStep)?.target == .filter("id in [1, 2]") && (steps[2].spec as? DeleteStep)?.verify == true)
        #expect((steps[3].spec as? DeleteStep)?.target == .ids(first: 100, count: 2500, batch: 1000))
        let upsert = try #require(steps[4].spec as? UpsertStep)
        #expect(upsert.rows.rows == 10 && upsert.rows.batch == 5 && upsert.rows.flush)
    }
}
