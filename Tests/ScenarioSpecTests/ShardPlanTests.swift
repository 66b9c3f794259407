import Testing
@testable import ScenarioSpec

@Suite("shards: shares and plans")
struct ShardPlanTests {
    @Test("shares add up to the whole, remainder to the first shards; concurrency at least 1; a rate divided evenly")
    func shares() throws {
        for total in [0, 1, 3, 401, 1000] {
            for n in 1...5 {
                let parts = (0..<n).map { Shard(index: $0, count: n)!.share(of: total) }
                #expect(parts.reduce(0, +) == total)
                #expect(parts.max()! - parts.min()! <= 1 && parts == parts.sorted(by: >))
                let offsets = (0..<n).map { Shard(index: $0, count: n)!.offset(in: total) }
                #expect(offsets == (0..<n).map { parts.prefix($0).reduce(0, +) })
            }
        }
        #expect(Shard(index: 3, count: 4)!.concurrency(2) == 1)
        #expect(Shard(index: 0, count: 4)!.concurrency(10) == 3 && Shard(index: 3, count: 4)!.concurrency(10) == 2)
        #expect(Shard(index: 1, count: 4)!.share(of: Rate(perSecond: 300)).perSecond == 75)
        #expect(Shard(parsing: "2/4") == Shard(index: 2, count: 4))
        for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3"] { #expect(Shard(parsing: bad) == nil, "\(bad)") }
        #expect(Shard.whole.seedOffset == 0 && Shard(index: 1, count: 2)!.seedOffset != 0)
    }

    static let scenario = """
    collection: c
    steps:
      - create: {fields: [{name: id, type: int64, primary: true}, {name: v, type: floatVector, dim: 8}]}
      - insert: {rows: 1000, generate: {id: {sequence: 5}}}
      - index: {type: FLAT, metric: L2}
      - load
      - health: {id: ready}
      - concurrentSearch: {id: closed, queries: 401, concurrency: 4, warmup: 10}
      - concurrentSearch: {id: paced, duration: 10s, rate: 300/s, concurrency: 30, vectors: {uniform: [0, 1], seed: 9}}
      - hotSearch: {id: hot, queries: 101, concurrency: 2}
      - insert: {id: stream, rows: 1001, perShard: true, rate: 90/s, generate: {id: {sequence: 2000}}}
      - monitor: {id: nodes}
    """

    @Test("each shard: its share of every load, its own seeds; setup and readings on shard 0; perShard writes divided with their own ids")
    func plan() throws {
        let outcome = TestSupport.decode(Self.scenario)
        #expect(outcome.errors.isEmpty, "\(TestSupport.lines(outcome))")
        let s = try #require(outcome.scenario)
        let lead = ShardPlan(s, shard: Shard(index: 0, count: 3)!, phase: .all)
        let other = ShardPlan(s, shard: Shard(index: 2, count: 3)!, phase: .all)
        #expect(lead.problems.isEmpty && other.problems.isEmpty)
        #expect(lead.firstLoad == 5)
        func runs(_ p: ShardPlan) -> [String] { p.parts.compactMap { if case .run(let s) = $0 { return s.id } else { return nil } } }
        #expect(runs(lead) == ["create1", "insert1", "index1", "load1", "ready", "closed", "paced", "hot", "stream", "nodes"])
        #expect(runs(other) == ["closed", "paced", "hot", "stream"])
        #expect(!lead.waitsForSetup && other.waitsForSetup)

        func spec<T>(_ p: ShardPlan, _ id: String, as: T.Type) throws -> T { try #require(p.parts.first { $0.step.id == id }?.step.spec as? T) }
        let closed0 = try spec(lead, "closed", as: ConcurrentSearchStep.self), closed2 = try spec(other, "closed", as: ConcurrentSearchStep.self)
        #expect(closed0.load.end == .count(134) && closed2.load.end == .count(133))
        #expect(closed0.load.warmup == .count(4) && closed2.load.warmup == .count(3))
        #expect(closed0.load.loop == .closed(workers: 2) && closed2.load.loop == .closed(workers: 1))
        #expect(closed0.nodeTraffic && !closed2.nodeTraffic, "per-node traffic is read once, by shard 0")
        #expect(closed0.search.seedOffset == 0 && closed2.search.seedOffset == Shard(index: 2, count: 3)!.seedOffset)
        let paced2 = try spec(other, "paced", as: ConcurrentSearchStep.self)
        #expect(paced2.load.end == .duration(.seconds(10)) && paced2.load.loop == .open(rate: Rate(perSecond: 100), maxInFlight: 10))
        let hot2 = try spec(other, "hot", as: HotSearchStep.self)
        #expect(hot2.queries == 33 && hot2.concurrency == 1 && hot2.seed != 11)

        let stream0 = try spec(lead, "stream", as: InsertStep.self), stream2 = try spec(other, "stream", as: InsertStep.self)
        #expect(stream0.rows == 334 && stream2.rows == 333)
        #expect(stream0.rate?.perSecond == 30)
        // Ids: shard 0 from 2000, shard 2 after shards 0 and 1 (334 + 334 rows).
        #expect(stream0.generators.first { $0.field == "id" }?.generator == .sequence(start: 2000))
        #expect(stream2.generators.first { $0.field == "id" }?.generator == .sequence(start: 2668))
        #expect(stream0.seed != stream2.seed)

        // One shard of one is the plain run.
        let whole = ShardPlan(s, shard: .whole, phase: .all)
        let plain = try spec(whole, "closed", as: ConcurrentSearchStep.self)
        #expect(plain.load.end == .count(401) && plain.load.loop == .closed(workers: 4) && plain.search.seedOffset == 0)
    }

    @Test("phases: setup is the steps before the first load; load is the rest, every shard waiting for the collection")
    func phases() throws {
        let s = try #require(TestSupport.decode(Self.scenario).scenario)
        let setup = ShardPlan(s, shard: .whole, phase: .setup)
        let load = ShardPlan(s, shard: Shard(index: 0, count: 2)!, phase: .load)
        func runs(_ p: ShardPlan) -> [String] { p.parts.compactMap { if case .run(let s) = $0 { return s.id } else { return nil } } }
        #expect(runs(setup) == ["create1", "insert1", "index1", "load1", "ready"])
        #expect(runs(load) == ["closed", "paced", "hot", "stream", "nodes"])
        #expect(load.waitsForSetup, "in the load phase shard 0 waits for the setup Job too")
    }

    @Test("what cannot be divided is refused, naming the step: sweep, parallel, capacity, watch; a drop or release after the load")
    func problems() throws {
        let s = try #require(TestSupport.decode("""
        collection: c
        steps:
          - concurrentSearch: {id: first, queries: 10}
          - sweep:
              id: rows
              over: {replicas: [1, 2]}
              steps:
                - load: {replicas: "${replicas}"}
                - concurrentSearch: {id: s, queries: 10}
          - release
          - drop
        """).scenario)
        let plan = ShardPlan(s, shard: Shard(index: 1, count: 2)!, phase: .all)
        #expect(plan.problems.count == 3, "\(plan.problems)")
        #expect(plan.problems[0].hasPrefix("step 2 'rows' (sweep) cannot be divided among shards"))
        #expect(plan.problems[1].contains("'release1' (release) would release the collection"))
        #expect(ShardPlan(s, shard: .whole, phase: .all).problems.isEmpty, "one shard runs anything")
        let noLoad = try #require(TestSupport.decode("collection: c\nsteps:\n  - load\n").scenario)
        #expect(ShardPlan(noLoad, shard: .whole, phase: .setup).problems.first?.contains("no load step") == true)
    }

    @Test("perShard is refused for rows read from a data set file")
    func perShardFile() {
        let outcome = TestSupport.decode("""
        collection: c
        steps:
          - insert: {perShard: true, generate: {v: {file: missing.fvecs}}}
        """)
        #expect(outcome.diagnostics.contains { $0.code == .shardSetting }, "\(TestSupport.lines(outcome))")
    }
}
