import Foundation
import Testing

/// `run --shard I/N` and `merge` against the real standalone server, with local processes in
/// place of a Kubernetes Indexed Job's pods: shard 0 prepares the collection while the others
/// wait for it, every shard sends its share, and the merged record's totals and histogram are
/// exactly the shards' sums.
@Suite("sharded runs", .serialized)
struct ShardRunTests {
    /// A small scenario on its own collection (so no earlier run's collection is mistaken for
    /// a prepared one): 2,000 rows, a closed-loop search and a hot search.
    static func scenario(_ name: String, in dir: URL, load: String) throws -> String {
        let text = """
        version: 1
        name: \(name)
        target: {uri: "${MILVUS_URI}", metrics: "${MILVUS_METRICS}", timeout: 15s}
        collection: \(name)
        report: {language: en}
        cleanup: never
        steps:
          - create:
              recreate: true
              fields:
                - {name: id, type: int64, primary: true}
                - {name: vector, type: floatVector, dim: 16}
          - insert: {rows: 2000, batch: 1000, generate: {id: {sequence: 0}, vector: {uniform: [0, 1], seed: 3}}}
          - index: {type: IVF_FLAT, metric: L2, params: {nlist: 32}}
          - load: {replicas: 1}
          - health: {id: ready}
        \(load)
          - monitor: {id: nodes}
        thresholds:
          - ready.healthy == 1
          - s.errorRate == 0
        """
        let file = dir.appendingPathComponent("\(name).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// Drops the test's collection (a sharded run leaves drops out: shard 0 could drop it under
    /// the others' searches).
    static func drop(_ name: String, in dir: URL) throws {
        let file = dir.appendingPathComponent("drop.yaml")
        try """
        version: 1
        name: drop_\(name)
        target: {uri: "${MILVUS_URI}"}
        collection: \(name)
        steps:
          - drop
        """.write(to: file, atomically: true, encoding: .utf8)
        let r = try CLITests.run(["run", file.path, "--report-dir", dir.appendingPathComponent("drop").path, "-q"], environment: RunTests.environment)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }

    static let loads = """
      - concurrentSearch: {id: s, queries: 401, concurrency: 4, warmup: 8, params: {nprobe: 8}}
      - hotSearch: {id: hot, queries: 101, concurrency: 2, hotVectors: 3, params: {nprobe: 8}}
    """

    /// Starts the tool without waiting for it (output into files in `dir`).
    static func start(_ arguments: [String], log: URL) throws -> Process {
        let process = Process()
        process.executableURL = CLITests.executable
        process.arguments = arguments
        process.currentDirectoryURL = CLITests.root
        process.environment = RunTests.environment
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    static func utc(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: date)
    }

    static func step(_ record: [String: Any], _ id: String) throws -> [String: Any] {
        try #require(RunTests.steps(record).first { $0["id"] as? String == id })
    }

    /// value → count of a step's recorded latency histogram.
    static func histogram(_ step: [String: Any], _ path: [String] = ["search", "latency"]) throws -> [Int: Int] {
        var node: Any? = step
        for key in path { node = (node as? [String: Any])?[key] }
        let counts = try #require((node as? [String: Any])?["counts"] as? [[Int]])
        return Dictionary(counts.map { ($0[0], $0[1]) }, uniquingKeysWith: +)
    }

    @Test("4 shards: shard 0 prepares, the others wait; merged totals and histograms are the shards' sums; 1 shard sends as many queries",
          .enabled(if: RunTests.standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func fourShardsMerge() throws {
        let dir = try RunTests.temporaryFolder()
        let name = "shards_\(UInt32.random(in: 0...UInt32.max))"
        let file = try Self.scenario(name, in: dir, load: Self.loads)
        // Every shard starts at once; the load begins together 12 s later (shard 0's setup of
        // 2,000 rows takes a few seconds; a late one waits for it and says so).
        let startAt = Self.utc(Date().addingTimeInterval(12))
        let shards = try (0..<4).map { i in
            try Self.start(["run", file, "--shard", "\(i)/4", "--start-at", startAt, "--report-dir", dir.appendingPathComponent("s\(i)").path, "-q"],
                           log: dir.appendingPathComponent("s\(i).log"))
        }
        for p in shards { p.waitUntilExit() }
        for (i, p) in shards.enumerated() {
            let log = (try? String(contentsOf: dir.appendingPathComponent("s\(i).log"), encoding: .utf8)) ?? ""
            #expect(p.terminationStatus == 0, "shard \(i): \(log)")
        }
        let records = try (0..<4).map { try RunTests.record(dir.appendingPathComponent("s\($0)")) }
        // Shard 0 ran the setup and the readings; the others left them to it and waited.
        for (i, r) in records.enumerated() {
            let shard = try #require(r["shard"] as? [String: Any])
            #expect(shard["index"] as? Int == i && shard["count"] as? Int == 4)
            let create = try Self.step(r, "create1"), monitor = try Self.step(r, "nodes")
            #expect(create["status"] as? String == (i == 0 ? "ok" : "skipped"))
            #expect(monitor["status"] as? String == (i == 0 ? "ok" : "skipped"))
            let s = try Self.step(r, "s")
            let metrics = try #require(s["metrics"] as? [String: Double])
            // 401 ÷ 4: 101, 100, 100, 100; per-node traffic only on shard 0.
            #expect(metrics["queries"] == (i == 0 ? 101 : 100), "\(metrics)")
            #expect((s["traffic"] != nil) == (i == 0))
            #expect((try #require(s["search"] as? [String: Any]))["concurrency"] as? Int == 1)
        }
        let merged = dir.appendingPathComponent("merged")
        let m = try CLITests.run(["merge", "--check"] + (0..<4).map { dir.appendingPathComponent("s\($0)").path } + ["--output", merged.path])
        #expect(m.status == 0, "\(m.stdout)\(m.stderr)")
        #expect(m.stdout.contains("merged 4 of 4 shards"), "\(m.stdout)")
        // --check read the merged record back: each load step's totals and histogram are the shards' sums.
        let checked = m.stdout.split(separator: "\n").filter { $0.hasPrefix("s ") || $0.hasPrefix("hot ") }
        #expect(checked.count == 2 && checked.allSatisfy { $0.contains("exact") }, "\(m.stdout)")
        let record = try RunTests.record(merged)
        #expect(record["status"] as? String == "passed")
        #expect((record["shard"] as? [String: Any])?["merged"] as? [Int] == [0, 1, 2, 3])
        for id in ["s", "hot"] {
            let steps = try records.map { try Self.step($0, id) }
            let ms = try Self.step(record, id)
            let metrics = try #require(ms["metrics"] as? [String: Double])
            let queries = try steps.map { try #require(($0["metrics"] as? [String: Double])?["queries"]) }.reduce(0, +)
            let errors = try steps.map { try #require(($0["metrics"] as? [String: Double])?["errors"]) }.reduce(0, +)
            #expect(metrics["queries"] == queries && metrics["errors"] == errors, "\(id): \(metrics)")
            // The merged histogram is the shards' added value by value: exact, not resampled.
            let sum = try steps.map { try Self.histogram($0) }.reduce(into: [Int: Int]()) { $0.merge($1, uniquingKeysWith: +) }
            #expect(try Self.histogram(ms) == sum, "\(id): merged histogram differs from the shards' sum")
            #expect(sum.values.reduce(0, +) == Int(queries - errors))
        }
        #expect(try #require(try Self.step(record, "s")["metrics"] as? [String: Double])["queries"] == 401)
        let hotMerged = try Self.step(record, "hot")
        let hotSum = try records.map { try Self.histogram(Self.step($0, "hot"), ["hot", "hot"]) }.reduce(into: [Int: Int]()) { $0.merge($1, uniquingKeysWith: +) }
        #expect(try Self.histogram(hotMerged, ["hot", "hot"]) == hotSum)
        let report = try String(contentsOf: merged.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("merged from 4 of 4 shards (0, 1, 2, 3)"), "\(report.prefix(2000))")
        // The merged reports are a pure function of the merged run.json, like a run's.
        let rebuilt = dir.appendingPathComponent("rebuilt")
        #expect(try CLITests.run(["report", merged.appendingPathComponent("run.json").path, "--output", rebuilt.path]).status == 0)
        #expect(try String(contentsOf: rebuilt.appendingPathComponent("report.md"), encoding: .utf8) == report)

        // The same scenario as one shard: as many queries, comparable latency.
        let single = dir.appendingPathComponent("single")
        let one = try CLITests.run(["run", file, "--shard", "0/1", "--report-dir", single.path, "-q"], environment: RunTests.environment)
        #expect(one.status == 0, "\(one.stdout)\(one.stderr)")
        let oneS = try #require(try Self.step(RunTests.record(single), "s")["metrics"] as? [String: Double])
        let fourS = try #require(try Self.step(record, "s")["metrics"] as? [String: Double])
        #expect(oneS["queries"] == 401)
        let p50One = try #require(oneS["p50"]), p50Four = try #require(fourS["p50"])
        #expect(p50Four / p50One < 4 && p50One / p50Four < 4, "P50 one shard \(p50One) ms, four shards \(p50Four) ms")
        try Self.drop(name, in: dir)
    }

    @Test("a setup run, then shards of the load phase; a shard killed mid-run gives a clear merge error (or a note with --allow-partial)",
          .enabled(if: RunTests.standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func killedShard() throws {
        let dir = try RunTests.temporaryFolder()
        let name = "shards_\(UInt32.random(in: 0...UInt32.max))"
        let file = try Self.scenario(name, in: dir, load: "  - concurrentSearch: {id: s, duration: 6s, rate: 40/s, concurrency: 8, params: {nprobe: 8}}")
        let setup = try CLITests.run(["run", file, "--phase", "setup", "--report-dir", dir.appendingPathComponent("setup").path, "-q"],
                                     environment: RunTests.environment)
        #expect(setup.status == 0, "\(setup.stdout)\(setup.stderr)")
        let setupSteps = RunTests.steps(try RunTests.record(dir.appendingPathComponent("setup"))).compactMap { $0["id"] as? String }
        #expect(setupSteps == ["create1", "insert1", "index1", "load1", "ready"])

        let shards = try (0..<2).map { i in
            try Self.start(["run", file, "--shard", "\(i)/2", "--phase", "load", "--report-dir", dir.appendingPathComponent("s\(i)").path, "-q"],
                           log: dir.appendingPathComponent("s\(i).log"))
        }
        // Shard 1 dies in the middle of its load (SIGKILL: no chance to finish its record).
        // Its record exists from the start (status running); its 6 s load is under way 2 s later.
        let record1 = dir.appendingPathComponent("s1/run.json").path
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: record1) { Thread.sleep(forTimeInterval: 0.1) }
        Thread.sleep(forTimeInterval: 2)
        kill(shards[1].processIdentifier, SIGKILL)
        for p in shards { p.waitUntilExit() }
        #expect(shards[0].terminationStatus == 0, "\((try? String(contentsOf: dir.appendingPathComponent("s0.log"), encoding: .utf8)) ?? "")")
        let s0 = try RunTests.record(dir.appendingPathComponent("s0"))
        #expect(RunTests.steps(s0).compactMap { $0["id"] as? String } == ["s", "nodes"])

        let paths = (0..<2).map { dir.appendingPathComponent("s\($0)").path }
        let refused = try CLITests.run(["merge"] + paths + ["--output", dir.appendingPathComponent("m").path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("shard 1/2 did not finish") && refused.stderr.contains("--allow-partial"), "\(refused.stderr)")
        let missing = try CLITests.run(["merge", paths[0], "--output", dir.appendingPathComponent("m").path])
        #expect(missing.status == 2 && missing.stderr.contains("shard 1/2 missing"), "\(missing.stderr)")

        let partial = try CLITests.run(["merge"] + paths + ["--allow-partial", "--output", dir.appendingPathComponent("p").path])
        #expect(partial.status == 0, "\(partial.stdout)\(partial.stderr)")
        let record = try RunTests.record(dir.appendingPathComponent("p"))
        let notes = RunTests.steps(record).flatMap { $0["notes"] as? [[String: Any]] ?? [] }
        #expect(notes.contains { $0["code"] as? String == "shardsMissing" && ($0["values"] as? [String: String])?["shards"] == "1/2" }, "\(notes)")
        try Self.drop(name, in: dir)
    }
}
