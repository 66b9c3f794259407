import Testing
@testable import ScenarioSpec

@Suite("decoding")
struct DecodingTests {
    @Test("defaults come from the spec")
    func defaults() throws {
        let outcome = TestSupport.decode("""
        collection: c
        steps:
          - load
          - concurrentSearch
          - hotSearch: {}
          - index:
        """)
        #expect(outcome.diagnostics.isEmpty, "\(TestSupport.lines(outcome))")
        let s = try #require(outcome.scenario)
        #expect(s.target.uri == "http://127.0.0.1:19530")
        #expect(s.target.timeout == .seconds(30))
        #expect(s.target.database == "default")
        #expect(s.report.formats == ReportOptions.Format.allCases)
        #expect(s.report.language == .en)
        #expect(s.cleanup == .onSuccess)
        #expect(s.name == "scenario")
        let load = try #require(s.steps[0].spec as? LoadStep)
        #expect(load.replicas == 1 && load.wait && load.verify && load.timeout == .seconds(600))
        let search = try #require(s.steps[1].spec as? ConcurrentSearchStep)
        #expect(search.end == .count(100) && search.loop == .closed(workers: 10) && search.warmup == .count(0))
        #expect(search.search.topK == 10 && search.search.nq == 1 && search.search.consistency == .Bounded)
        let hot = try #require(s.steps[2].spec as? HotSearchStep)
        #expect(hot.queries == 200 && hot.hotRatio == 0.8 && hot.hotVectors == 5)
        #expect((s.steps[3].spec as? IndexStep)?.type == .AUTOINDEX)
    }

    @Test("automatic ids are <kind><n>, and nested ones carry their sweep's id")
    func automaticIds() throws {
        let s = try #require(TestSupport.decode("""
        collection: c
        steps:
          - load
          - release
          - load
          - sweep:
              over: {n: [1, 2]}
              steps:
                - concurrentSearch: {concurrency: "${n}"}
                - concurrentSearch: {id: named}
        """).scenario)
        #expect(s.steps.map(\.id) == ["load1", "release1", "load2", "sweep1"])
        let sweep = try #require(s.steps[3].spec as? SweepStep)
        #expect(sweep.rows[1].steps.map(\.id) == ["sweep1-concurrentSearch1", "named"])
        #expect(sweep.rows[1].steps[0].path == "4.1")
        #expect((sweep.rows[1].steps[0].spec as? ConcurrentSearchStep)?.loop == .closed(workers: 2))
    }

    @Test("a sweep over any parameter substitutes the value in each row")
    func sweepAnyParameter() throws {
        let s = try #require(TestSupport.decode("""
        collection: c
        steps:
          - sweep:
              id: probes
              over: {nprobe: [8, 16, 32]}
              steps:
                - concurrentSearch: {params: {nprobe: "${nprobe}"}, rate: "${nprobe}0/s"}
        """).scenario)
        let sweep = try #require(s.steps[0].spec as? SweepStep)
        let values = sweep.rows.compactMap { ($0.steps[0].spec as? ConcurrentSearchStep)?.search.params.first?.value }
        #expect(values == ["8", "16", "32"])
        #expect((sweep.rows[2].steps[0].spec as? ConcurrentSearchStep)?.loop == .open(rate: Rate(perSecond: 320), maxInFlight: 10))
    }

    @Test("--var overrides vars:, which may use the environment")
    func variables() throws {
        let text = """
        vars: {rows: "${ROWS:-100}", name: demo}
        collection: ${name}
        steps:
          - insert: {rows: "${rows}"}
        """
        let fromDefault = try #require(TestSupport.decode(text).scenario)
        #expect((fromDefault.steps[0].spec as? InsertStep)?.rows == 100)
        let fromEnvironment = try #require(TestSupport.decode(text, environment: ["ROWS": "7"]).scenario)
        #expect((fromEnvironment.steps[0].spec as? InsertStep)?.rows == 7)
        let fromCommandLine = try #require(TestSupport.decode(text, variables: ["rows": "3"], environment: ["ROWS": "7"]).scenario)
        #expect((fromCommandLine.steps[0].spec as? InsertStep)?.rows == 3)
        #expect(fromCommandLine.collection == "demo")
    }

    @Test("x- keys hold anchors and are otherwise ignored")
    func extensionKeys() throws {
        let outcome = TestSupport.decode("""
        x-search: &search {topK: 5, params: {nprobe: 4}}
        collection: c
        steps:
          - concurrentSearch: {<<: *search, id: a}
          - hotSearch: {<<: *search, topK: 7}
        """)
        #expect(outcome.diagnostics.isEmpty)
        let s = try #require(outcome.scenario)
        #expect((s.steps[0].spec as? ConcurrentSearchStep)?.search.topK == 5)
        #expect((s.steps[1].spec as? HotSearchStep)?.search.topK == 7)
    }

    @Test("secrets written into the file are warned about, never rejected or printed")
    func literalSecrets() throws {
        let outcome = TestSupport.decode("""
        collection: c
        target: {user: root, password: Milvus}
        steps: [drop]
        """)
        #expect(TestSupport.lines(outcome) == [
            "test.yaml:2:32: warning: 'password' is written in the scenario itself; use ${MILVUS_PASSWORD} so the secret stays out of files and version control",
        ])
        #expect(outcome.scenario?.target.password?.value == "Milvus")
        #expect(!TestSupport.lines(outcome).joined().contains("Milvus\""))
    }

    @Test("every problem is reported at once, in file order")
    func allAtOnce() {
        let outcome = TestSupport.decode("""
        collection: c
        target: {timeout: fast}
        steps:
          - load: {replicas: 0}
          - concurrentSearch: {concurrency: -1, topK: 0}
          - hotSearch: {hotRatio: 1.5}
          - creat: {}
        thresholds: [nope.p99 < 1ms]
        """)
        #expect(outcome.errors.count == 7)
        #expect(outcome.diagnostics.map(\.mark.line) == [2, 4, 5, 5, 6, 7, 8])
    }

    @Test("steps may be written as a bare kind when nothing is required")
    func bareKinds() {
        #expect(TestSupport.decode("collection: c\nsteps: [release, drop, monitor]\n").errors.isEmpty)
        #expect(TestSupport.lines(TestSupport.decode("collection: c\nsteps: [insert]\n")) ==
            ["test.yaml:2:9: error: insert step is missing the required key 'rows' (only a step reading a data set 'file' may leave it out: then all of the file's rows; or a streaming one with 'rate' inside 'parallel')"])
    }

    @Test("a background cap below rate × timeout is warned about; the default needs no warning")
    func backgroundCap() throws {
        let small = TestSupport.decode("""
        collection: c
        steps:
          - watch: {duration: 1m, background: {rate: 20/s, timeout: 2s, concurrency: 10}}
        """)
        #expect(small.diagnostics.map(\.code) == [.watchBackgroundCap])
        #expect(small.diagnostics.first?.severity == .warning)
        #expect(TestSupport.lines(small).first?.hasPrefix("test.yaml:3:78: warning: 'concurrency' 10 is below rate × timeout (40)") == true,
                "\(TestSupport.lines(small))")
        let watch = try #require(small.scenario?.steps.first?.spec as? WatchStep)
        #expect(watch.background?.maxInFlight == 10)
        let enough = TestSupport.decode("""
        collection: c
        steps:
          - watch: {duration: 1m, background: {rate: 20/s, timeout: 2s, concurrency: 40}}
          - watch: {duration: 1m, background: {rate: 20/s}}
        """)
        #expect(enough.diagnostics.isEmpty)
        #expect((enough.scenario?.steps[1].spec as? WatchStep)?.background?.maxInFlight == nil)
    }

    @Test("a scaling watch: endpoints discovered by a command, a heavy background load for a while then a trickle")
    func scalingWatch() throws {
        let outcome = TestSupport.decode("""
        collection: c
        steps:
          - watch:
              duration: 4m
              discover: [scripts/milvus-local, endpoints, cluster]
              background: {rate: 120/s, duration: 110s, rest: 5/s}
              scale: {run: [scripts/milvus-local, cluster, scale, querynode, "${replicas}"], min: 2, max: 3}
        thresholds:
          - watch1.scaleOuts >= 1
          - watch1.newNode.serving < 2m
        """)
        #expect(outcome.diagnostics.isEmpty, "\(TestSupport.lines(outcome))")
        let watch = try #require(outcome.scenario?.steps.first?.spec as? WatchStep)
        #expect(watch.discover?.argv == ["scripts/milvus-local", "endpoints", "cluster"])
        #expect(watch.background?.duration == .seconds(110) && watch.background?.rest?.perSecond == 5)
        #expect(watch.scale?.initial == 2)
    }
}
