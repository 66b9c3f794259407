import Testing
@testable import ScenarioSpec

/// The scenarios shipped in `scenarios/` must validate, and mean what their documents say.
@Suite("example scenarios")
struct ExampleScenarioTests {
    static let files = ["scenarios/load_balance.yaml", "scenarios/health_recovery.yaml", "scenarios/health_recovery_cluster.yaml", "scenarios/ci_smoke.yaml", "scenarios/recall_tuning.yaml", "scenarios/capacity.yaml",
                         "scenarios/crud.yaml", "scenarios/mixed_workload.yaml", "scenarios/hybrid_search.yaml", "scenarios/chaos.yaml", "scenarios/soak.yaml"]

    static func load(_ file: String, environment: [String: String] = [:]) -> ScenarioLoader.Outcome {
        ScenarioLoader.load(path: TestSupport.repositoryRoot.appendingPathComponent(file).path,
                            environment: environment, displayName: file)
    }

    @Test("validates without errors or warnings", arguments: files)
    func validates(file: String) {
        let outcome = Self.load(file)
        #expect(TestSupport.lines(outcome) == [])
        #expect(outcome.scenario != nil)
        #expect(outcome.unreadKeys.isEmpty)
    }

    @Test("chaos writes beside its searches; soak gates on the runner's own footprint")
    func chaosAndSoak() throws {
        let chaos = try #require(Self.load("scenarios/chaos.yaml").scenario)
        let watch = try #require(chaos.steps.compactMap { $0.spec as? WatchStep }.first)
        let writes = try #require(watch.writes)
        #expect(writes.rate.perSecond == 5 && writes.batch == 20 && writes.timeout == .seconds(3))
        #expect(chaos.thresholds.map(\.text).contains("fault.writeSuccess.after >= 99%"))
        let soak = try #require(Self.load("scenarios/soak.yaml", environment: ["SOAK_DURATION": "5m"]).scenario)
        let soakWatch = try #require(soak.steps.compactMap { $0.spec as? WatchStep }.first)
        #expect(soakWatch.duration == .seconds(300) && soakWatch.interval == .seconds(10))
        #expect(soak.thresholds.map(\.text).filter { $0.contains("runner.") }.count == 4)
        #expect(soakWatch.writes?.rate.perSecond == 2 && soakWatch.writes?.batch == 20)
        #expect(soak.thresholds.map(\.text).contains("soak.rowsLost == 0"))
    }

    @Test("load_balance follows the first document")
    func loadBalance() throws {
        let s = try #require(Self.load("scenarios/load_balance.yaml").scenario)
        #expect(s.collection == "load_balance_demo")
        #expect(s.report.language == .zh)
        #expect(s.cleanup == .always)
        let kinds = s.steps.map(\.kind)
        #expect(kinds == ["create", "insert", "index", "load", "monitor", "concurrentSearch", "monitor",
                          "hotSearch", "monitor", "sweep", "release", "drop"])
        let create = try #require(s.steps[0].spec as? CreateStep)
        #expect(create.fields.map(\.name) == ["id", "embedding", "category"])
        #expect(create.fields[1].dim == 128)
        let insert = try #require(s.steps[1].spec as? InsertStep)
        #expect(insert.rows == 100_000 && insert.batch == 10_000 && insert.segmentRows == 50_000)
        #expect(insert.generators.first { $0.field == "category" }?.generator == .cycle(["electronics", "books", "clothing", "food", "toys"]))
        let index = try #require(s.steps[2].spec as? IndexStep)
        #expect(index.type == .IVF_FLAT && index.metric == .L2 && index.params.map(\.value) == ["128"])
        #expect((s.steps[3].spec as? LoadStep)?.replicas == 2)
        let baseline = try #require(s.steps[5].spec as? ConcurrentSearchStep)
        // The document's 100 queries at concurrency 10, made a measurement: 1,000 after a warm-up.
        #expect(baseline.end == .count(1000) && baseline.loop == .closed(workers: 10) && baseline.warmup == .count(50))
        let hot = try #require(s.steps[7].spec as? HotSearchStep)
        #expect(hot.queries == 200 && hot.hotVectors == 5 && hot.hotRatio == 0.8 && hot.concurrency == 1)
        let sweep = try #require(s.steps[9].spec as? SweepStep)
        #expect(sweep.parameter == "replicas")
        #expect(sweep.rows.map(\.value) == ["1", "2", "3"])
        for (i, row) in sweep.rows.enumerated() {
            #expect(row.steps.map(\.kind) == ["release", "load", "concurrentSearch"])
            #expect((row.steps[1].spec as? LoadStep)?.replicas == i + 1)
            let search = try #require(row.steps[2].spec as? ConcurrentSearchStep)
            // Merged from the baseline's anchor, with concurrency overridden.
            #expect(search.end == .count(1000) && search.loop == .closed(workers: 20))
            #expect(search.search.params.map(\.name) == ["nprobe"])
            #expect(row.steps[2].id == "replica_search")
        }
        #expect(s.thresholds.map(\.subject) == ["baseline.p99", "baseline.errorRate", "initial.memoryPercent.max",
                                                  "initial.replicaSegmentImbalance", "initial.replicaRowImbalance", "hot.errorRate",
                                                  "replicas.unsupported", "baseline.replicaShareImbalance", "baseline.servingNodes"])
        // Per-node traffic is read by default for every search step.
        #expect(baseline.nodeTraffic && hot.nodeTraffic)
    }

    @Test("environment variables reach the scenario")
    func environment() throws {
        let s = try #require(Self.load("scenarios/load_balance.yaml", environment: [
            "MILVUS_URI": "https://milvus.example.com:443", "ROWS": "1000", "MILVUS_TOKEN": "root:Milvus",
            "MILVUS_METRICS": "http://127.0.0.1:9091, http://127.0.0.1:9092",
        ]).scenario)
        #expect(s.target.uri == "https://milvus.example.com:443")
        #expect(s.target.token?.value == "root:Milvus")
        #expect(s.target.metrics == ["http://127.0.0.1:9091", "http://127.0.0.1:9092"])
        #expect((s.steps[1].spec as? InsertStep)?.rows == 1000)
    }

    @Test("health_recovery follows the second document")
    func healthRecovery() throws {
        let s = try #require(Self.load("scenarios/health_recovery.yaml").scenario)
        #expect(s.notifiers.map(\.name) == ["chat", "alertmanager", "email"])
        let watch = try #require(s.steps.compactMap { $0.spec as? WatchStep }.first)
        #expect(watch.interval == .seconds(3))
        let rule = try #require(watch.rules.first)
        #expect(rule.repeatInterval == .seconds(300))
        #expect(rule.severity == .critical)
        #expect(rule.recover?.argv == ["scripts/milvus-local", "standalone", "restart"])
        #expect(watch.faults.first?.at == .seconds(30))
        let scale = try #require(watch.scale)
        #expect(scale.min == 2 && scale.max == 10 && scale.cpuAbove == 70 && scale.memoryAbove == 80)
        #expect(scale.command.argv.contains("--replicas=${replicas}"))
        #expect(watch.background?.rate.perSecond == 5)
    }

    @Test("ci_smoke is small")
    func ciSmoke() throws {
        let s = try #require(Self.load("scenarios/ci_smoke.yaml").scenario)
        #expect((s.steps[1].spec as? InsertStep)?.rows == 5000)
        let paced = try #require(s.step(id: "paced")?.spec as? ConcurrentSearchStep)
        #expect(paced.loop == .open(rate: Rate(perSecond: 50), maxInFlight: 32))
        #expect(paced.end == .duration(.seconds(5)))
    }
}
