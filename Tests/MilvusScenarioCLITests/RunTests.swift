import Foundation
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ClusterObservation
import ScenarioRunner
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `milvus-scenario run` as a user runs it, against the real standalone server.
@Suite("milvus-scenario run", .serialized)
struct RunTests {
    static var standaloneUp: Bool { portOpen(19530) || ProcessInfo.processInfo.environment["CI"] == "true" }

    static func portOpen(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 } }
    }

    static func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func record(_ dir: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run.json"))) as? [String: Any])
    }

    static func steps(_ record: [String: Any]) -> [[String: Any]] { record["steps"] as? [[String: Any]] ?? [] }

    static let environment = ["MILVUS_URI": "http://127.0.0.1:19530", "MILVUS_METRICS": "http://127.0.0.1:9091", "PATH": "/usr/bin:/bin"]

    @Test("ci_smoke runs green against standalone and records every step", .enabled(if: standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func smoke() throws {
        let dir = try Self.temporaryFolder()
        let r = try CLITests.run(["run", "scenarios/ci_smoke.yaml", "--report-dir", dir.path], environment: Self.environment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("result: passed"))
        let record = try Self.record(dir)
        #expect(record["status"] as? String == "passed")
        let steps = Self.steps(record)
        #expect(steps.count == 9)
        #expect(steps.allSatisfy { $0["status"] as? String == "ok" })
        let smoke = try #require(steps.first { $0["id"] as? String == "smoke" })
        let metrics = try #require(smoke["metrics"] as? [String: Double])
        #expect(metrics["queries"] == 500 && metrics["errors"] == 0)
        #expect((metrics["p99"] ?? 0) >= (metrics["p50"] ?? 1))
        // Standalone is one query node: it serves everything, and the searches it led, read from
        // its own counters, are exactly the 500 measured ones.
        let traffic = try #require(smoke["traffic"] as? [String: Any], "no traffic: \(smoke["notes"] ?? "")")
        let nodes = try #require(traffic["nodes"] as? [[String: Any]])
        #expect(nodes.count == 1 && nodes.first?["sharePercent"] as? Double == 100 && nodes.first?["led"] as? Int == 500, "\(nodes)")
        #expect(metrics["servingNodes"] == 1 && metrics["nodeShareImbalance"] == 1, "\(metrics)")
        let paced = try #require(steps.first { $0["id"] as? String == "paced" }?["metrics"] as? [String: Double])
        // 5 s at 50/s schedules 250 queries; each ran or was counted as dropped (the achieved
        // rate itself is a benchmark's measurement, not a test's).
        #expect((paced["queries"] ?? 0) + (paced["dropped"] ?? 0) == 250, "\(paced)")
        let thresholds = try #require(record["thresholds"] as? [[String: Any]])
        #expect(thresholds.count == 5 && thresholds.allSatisfy { $0["passed"] as? Bool == true })
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("summary.txt").path))

        // The reports: every format the scenario asks for, rebuilt byte for byte from run.json alone.
        let written = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        for name in ["report.md", "junit.xml", "query_performance.csv", "node_load.csv", "health.csv", "thresholds.csv", "latency.svg", "nodes_nodes.svg"] {
            #expect(written.contains(name), "\(name) missing from \(written.sorted())")
        }
        let report = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("## Query performance") && report.contains("| smoke |"))
        let rebuilt = try Self.temporaryFolder()
        let again = try CLITests.run(["report", dir.appendingPathComponent("run.json").path, "--output", rebuilt.path])
        #expect(again.status == 0, "\(again.stderr)")
        for name in written where name != "run.json" {
            #expect(FileManager.default.contents(atPath: rebuilt.appendingPathComponent(name).path) == FileManager.default.contents(atPath: dir.appendingPathComponent(name).path),
                    "\(name) rebuilt from run.json differs")
        }

        // What compare resamples: the QPS's completions per interval add up to the measured
        // queries, and the insert's requests to its rows.
        let rates = try #require(smoke["rates"] as? [[String: Any]])
        let qpsCounts = try #require(rates.first { $0["metric"] as? String == "qps" }?["counts"] as? [Double])
        #expect(qpsCounts.reduce(0, +) == 500 && qpsCounts.count >= 2, "\(qpsCounts)")
        let insert = try #require(steps.first { $0["kind"] as? String == "insert" })
        let rowSamples = try #require((insert["rates"] as? [[String: Any]])?.first)
        #expect((rowSamples["counts"] as? [Double])?.reduce(0, +) == (insert["metrics"] as? [String: Double])?["rows"], "\(rowSamples)")

        // compare: the run against itself has no regression; a copy whose every latency is doubled
        // regresses at P50 (250 queries above it), while its P99 rests on 5 queries: inconclusive.
        let runJSON = dir.appendingPathComponent("run.json").path
        let same = try CLITests.run(["compare", runJSON, runJSON])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.contains("No significant regression"))
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run.json"))) as? [String: Any])
        var stepsJSON = try #require(json["steps"] as? [[String: Any]])
        for i in stepsJSON.indices where stepsJSON[i]["id"] as? String == "smoke" {
            var m = try #require(stepsJSON[i]["metrics"] as? [String: Any])
            for k in ["p50", "p95", "p99"] { m[k] = ((m[k] as? Double) ?? 1) * 2 }
            stepsJSON[i]["metrics"] = m
            var search = try #require(stepsJSON[i]["search"] as? [String: Any])
            var latency = try #require(search["latency"] as? [String: Any])
            latency["counts"] = try #require(latency["counts"] as? [[Int]]).map { [$0[0] * 2, $0[1]] }
            search["latency"] = latency
            stepsJSON[i]["search"] = search
        }
        json["steps"] = stepsJSON
        // A later run (the baseline history leaves out the record it is given itself).
        json["startedAt"] = "2030-01-01T00:00:00Z"
        let slower = rebuilt.appendingPathComponent("slower.json")
        try JSONSerialization.data(withJSONObject: json).write(to: slower)
        let junit = rebuilt.appendingPathComponent("compare.xml")
        let regressed = try CLITests.run(["compare", runJSON, slower.path, "--junit", junit.path])
        #expect(regressed.status == 1, "\(regressed.stdout)\(regressed.stderr)")
        #expect(regressed.stdout.contains("| smoke | p50 |") && regressed.stdout.contains("+100.0%") && regressed.stdout.contains("❌ regression"), "\(regressed.stdout)")
        #expect(regressed.stdout.contains("too few samples: 500 and 500 queries"), "\(regressed.stdout)")
        let junitText = try String(contentsOf: junit, encoding: .utf8)
        #expect(junitText.contains("<testcase classname=\"compare.smoke\" name=\"p50\"") && junitText.contains("type=\"regression\""))
        // Only P99 gated: nothing significant, exit 0.
        let p99Only = try CLITests.run(["compare", runJSON, slower.path, "--metric", "smoke.p99=10%"])
        #expect(p99Only.status == 0 && p99Only.stdout.contains("1 inconclusive"), "\(p99Only.stdout)")

        // A baseline folder: add (twice is once), list, compare against it.
        let folder = rebuilt.appendingPathComponent("baseline")
        let added = try CLITests.run(["baseline", "add", runJSON, folder.path])
        #expect(added.status == 0 && added.stdout.hasPrefix("added ci_smoke-"), "\(added.stdout)\(added.stderr)")
        #expect(try CLITests.run(["baseline", "add", runJSON, folder.path]).stdout.contains("is already in"))
        let listed = try CLITests.run(["baseline", "list", folder.path])
        #expect(listed.stdout.contains("ci_smoke: 1 run"), "\(listed.stdout)")
        let againstFolder = try CLITests.run(["compare", "--baseline", folder.path, slower.path])
        #expect(againstFolder.status == 1 && againstFolder.stdout.contains("| smoke | p50 |"), "\(againstFolder.stdout)")
    }

    @Test("secrets from the environment appear in no output file and no log", .enabled(if: standaloneUp, "Milvus standalone is not running"))
    func secretsStayOut() throws {
        let token = "tok-\(UUID().uuidString)", password = "pw-\(UUID().uuidString)"
        for (credentials, name) in [("token: \"${MILVUS_TOKEN}\"", "secret_token"), ("user: root, password: \"${MILVUS_PASSWORD}\"", "secret_password")] {
            let dir = try Self.temporaryFolder()
            let file = try Self.scenario(Self.small(name, search: "{id: s, queries: 20}", credentials: credentials), in: dir)
            var env = Self.environment
            env["MILVUS_TOKEN"] = token
            env["MILVUS_PASSWORD"] = password
            let r = try CLITests.run(["run", file, "--report-dir", dir.path, "-vvv"], environment: env)
            // Milvus without authentication accepts any credentials: the run itself must pass.
            #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
            #expect(r.stderr.contains("credentials="), "the -vvv log should show that credentials were used")
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            #expect(files.contains("report.md") && files.contains("junit.xml"))
            for secret in [token, password, Data(token.utf8).base64EncodedString(), Data("root:\(password)".utf8).base64EncodedString()] {
                #expect(!r.stdout.contains(secret) && !r.stderr.contains(secret), "a secret reached the console")
                for f in files {
                    let contents = String(decoding: FileManager.default.contents(atPath: dir.appendingPathComponent(f).path) ?? Data(), as: UTF8.self)
                    #expect(!contents.contains(secret), "a secret reached \(f)")
                }
            }
            #expect(try Self.record(dir)["target"].flatMap { ($0 as? [String: Any])?["authenticated"] as? Bool } == true)
        }
    }

    @Test("queries that fail say why in the server's words: console, report and run.json",
          .enabled(if: standaloneUp, "Milvus standalone is not running"))
    func failureReasons() throws {
        let dir = try Self.temporaryFolder()
        // A filter validation cannot judge (it knows names, not the server's typing rules), which
        // Milvus rejects with a reason of its own.
        let file = try Self.scenario(Self.small("run_failure_reasons", search: "{id: s, queries: 20, concurrency: 2, filter: 'id > \"abc\"'}"), in: dir)
        let r = try CLITests.run(["run", file, "--report-dir", dir.path], environment: Self.environment)
        #expect(r.status == 3, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.contains("all 20 queries failed (server 65535: 20): ") && r.stderr.contains("cannot parse expression"), "\(r.stderr)")
        let step = try #require(Self.steps(try Self.record(dir)).first { $0["id"] as? String == "s" })
        let search = try #require(step["search"] as? [String: Any])
        let reasons = try #require(search["errorReasons"] as? [[String: Any]])
        #expect(reasons.count == 1 && reasons[0]["count"] as? Int == 20 && reasons[0]["code"] as? String == "server 65535")
        #expect((reasons[0]["reason"] as? String)?.contains("cannot parse expression: id > \"abc\"") == true, "\(reasons)")
        #expect((search["firstError"] as? String)?.hasPrefix("Search failed (error_code") == true, "\(search["firstError"] ?? "nil")")
        let report = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("s: 20 × server 65535: failed to create query plan"), "the query-performance table's note")
    }

    static func scenario(_ text: String, in dir: URL) throws -> String {
        let file = dir.appendingPathComponent("s.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test("a sweep row the deployment cannot run is 'not supported' and the sweep goes on; the run passes",
          .enabled(if: standaloneUp, "Milvus standalone is not running"))
    func sweepUnsupportedRow() throws {
        let dir = try Self.temporaryFolder()
        // The standalone has one query node: 2 replicas is its real limit ("nodes not enough").
        let sweep = """
        sweep:
              id: replicas
              over: {replicas: [1, 2]}
              steps:
                - release
                - load: {replicas: "${replicas}"}
                - concurrentSearch: {id: s, queries: 50}
        """
        let file = try Self.scenario(Self.small("sweep_unsupported", step: sweep, thresholds: "replicas.unsupported == 1"), in: dir)
        let r = try CLITests.run(["run", file, "--report-dir", dir.path], environment: Self.environment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let step = try #require(Self.steps(try Self.record(dir)).first { $0["id"] as? String == "replicas" })
        #expect(step["status"] as? String == "ok")
        let rows = try #require((step["sweep"] as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(rows.map { $0["status"] as? String } == ["ok", "unsupported"], "\(rows)")
        #expect((rows[1]["reason"] as? String)?.hasPrefix("not supported by this deployment: ") == true, "\(rows[1])")
        let nested = try #require(rows[1]["steps"] as? [[String: Any]])
        #expect(nested.map { $0["status"] as? String } == ["ok", "unsupported", "skipped"], "\(nested)")
        // The outcome is the status, not a marker note.
        #expect(nested.allSatisfy { ($0["notes"] as? [Any])?.isEmpty == true }, "\(nested)")
        #expect((rows[0]["qps"] as? Double ?? 0) > 0)
    }

    /// A small scenario around one search step; `credentials` adds keys to `target` (e.g. a token).
    static func small(_ name: String, search: String, thresholds: String = "", cleanup: String = "always", credentials: String = "") -> String {
        small(name, step: "concurrentSearch: \(search)", thresholds: thresholds, cleanup: cleanup, credentials: credentials)
    }

    /// A small scenario around one step (YAML, indented for a list item under `steps`).
    static func small(_ name: String, step: String, notifiers: String = "[]", thresholds: String = "", cleanup: String = "always",
                      credentials: String = "") -> String {
        """
        collection: \(name)
        target: {uri: "${MILVUS_URI}", metrics: "${MILVUS_METRICS}"\(credentials.isEmpty ? "" : ", " + credentials)}
        cleanup: \(cleanup)
        notifiers: \(notifiers)
        steps:
          - create:
              recreate: true
              fields:
                - {name: id, type: int64, primary: true, autoId: true}
                - {name: v, type: floatVector, dim: 8}
          - insert: {rows: 2000}
          - index: {type: FLAT, metric: L2}
          - load
          - \(step)
          - drop
        thresholds: [\(thresholds)]
        """
    }

    /// A `run` in the background, for tests that act on it while it runs.
    struct BackgroundRun {
        let process = Process()
        // Files, not pipes nobody reads while it runs: a pipe that fills up would block the run.
        let stdout: OutputFile
        let stderr: OutputFile

        init(_ arguments: [String], environment: [String: String] = RunTests.environment) throws {
            stdout = try OutputFile()
            stderr = try OutputFile()
            process.executableURL = CLITests.executable
            process.arguments = arguments
            process.environment = environment
            process.currentDirectoryURL = CLITests.root
            process.standardOutput = stdout.handle
            process.standardError = stderr.handle
            try process.run()
        }

        /// Returns once run.json lists `count` steps (the step after them is running), plus `settle`.
        func waitForSteps(_ count: Int, in dir: URL, settle: Duration) async throws {
            for _ in 0..<300 {
                if let record = try? RunTests.record(dir), RunTests.steps(record).count >= count { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: settle)
        }

        /// Waits for the exit; its status and standard error.
        func finish() -> (status: Int32, stderr: String) {
            process.waitUntilExit()
            defer { stdout.remove(); stderr.remove() }
            _ = try? stdout.contents()
            return (process.terminationStatus, (try? stderr.contents()) ?? "")
        }
    }

    /// A port nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = 0
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: a.sin_port))
    }

    @Test("--metrics-port serves live query metrics while the run lasts", .enabled(if: standaloneUp, "Milvus standalone is not running"))
    func metricsEndpoint() async throws {
        let dir = try Self.temporaryFolder()
        let port = try Self.freePort()
        let file = try Self.scenario(Self.small("run_metrics", search: "{id: live, duration: 8s, concurrency: 2}"), in: dir)
        let run = try BackgroundRun(["run", file, "--report-dir", dir.path, "--metrics-port", String(port)])
        try await run.waitForSteps(4, in: dir, settle: .seconds(3))
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let text = String(decoding: data, as: UTF8.self)
        // The same strict parser the monitor step uses must accept it.
        let parsed = try PrometheusText(text)
        let live = ["step": "live", "collection": "run_metrics"]
        #expect((parsed.sum("milvus_scenario_query_latency_seconds_count", matching: live) ?? 0) > 0, "\(text)")
        #expect((parsed.sum("milvus_scenario_query_total", matching: live.merging(["status": "success"]) { a, _ in a }) ?? 0) > 0)
        #expect(parsed.sum("milvus_scenario_collection_size", matching: ["collection": "run_metrics"]) == 2000)
        #expect(parsed.families["milvus_scenario_query_latency_seconds"]?.type == .histogram)
        let (status, stderr) = run.finish()
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("metrics: http://127.0.0.1:\(port)/metrics"))
        // The endpoint goes away with the run.
        await #expect(throws: (any Error).self) { _ = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!) }
    }

    @Test("a failed threshold exits 1", .enabled(if: standaloneUp, "Milvus standalone is not running"))
    func thresholdFails() throws {
        let dir = try Self.temporaryFolder()
        let file = try Self.scenario(Self.small("run_threshold", search: "{id: s, queries: 50}", thresholds: "s.p99 < 0.001ms, s.errors == 0"), in: dir)
        let r = try CLITests.run(["run", file, "--report-dir", dir.path], environment: Self.environment)
        #expect(r.status == 1, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("FAIL  s.p99 < 0.001ms"))
        #expect(r.stdout.contains("pass  s.errors == 0"))
        #expect(try Self.record(dir)["status"] as? String == "thresholdsFailed")
    }

    @Test("an invalid scenario exits 2 and runs nothing")
    func invalid() throws {
        let r = try CLITests.run(["run", "Tests/ScenarioSpecTests/Fixtures/invalid/type-replicas-zero.yaml"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("type-replicas-zero.yaml:3:22: error: 'replicas' must be at least 1, got 0"))
    }

    @Test("an unreachable server exits 3, and the record says why")
    func unreachable() throws {
        let dir = try Self.temporaryFolder()
        let r = try CLITests.run(["run", "scenarios/ci_smoke.yaml", "--uri", "http://127.0.0.1:1", "--report-dir", dir.path])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("cannot reach Milvus at http://127.0.0.1:1"))
        let record = try Self.record(dir)
        #expect(record["status"] as? String == "failed")
    }

    @Test("Ctrl-C stops the run, keeps what finished, cleans up, and exits 130", .enabled(if: standaloneUp, "Milvus standalone is not running"))
    func interrupt() async throws {
        let dir = try Self.temporaryFolder()
        let file = try Self.scenario(Self.small("run_interrupt", search: "{id: long, duration: 60s, concurrency: 4}"), in: dir)
        let run = try BackgroundRun(["run", file, "--report-dir", dir.path])
        // Wait until the search step is running, then interrupt.
        try await run.waitForSteps(4, in: dir, settle: .seconds(2))
        kill(run.process.processIdentifier, SIGINT)
        let started = Date()
        let (status, stderr) = run.finish()
        #expect(Date().timeIntervalSince(started) < 20, "stopping took too long")
        #expect(status == 130, "\(stderr)")
        let record = try Self.record(dir)
        #expect(record["status"] as? String == "interrupted")
        let steps = Self.steps(record)
        let search = try #require(steps.first { $0["id"] as? String == "long" })
        let metrics = try #require(search["metrics"] as? [String: Double])
        #expect((metrics["queries"] ?? 0) > 0, "the interrupted step keeps what it measured")
        #expect((metrics["totalTime"] ?? 60_000) < 30_000)
        // cleanup: always → the drop still ran after the interruption.
        #expect(steps.last?["kind"] as? String == "drop" && steps.last?["status"] as? String == "ok")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report.md").path))
    }

    @Test("the server dying during a search step fails that step with the transport error, keeps the rest, exits 3",
          .enabled(if: standaloneUp, "Milvus standalone is not running"))
    func serverDies() async throws {
        let dir = try Self.temporaryFolder()
        let file = try Self.scenario(Self.small("run_death", search: "{id: doomed, duration: 30s, concurrency: 2}", cleanup: "onSuccess"), in: dir)
        let run = try BackgroundRun(["run", file, "--report-dir", dir.path])
        try await run.waitForSteps(4, in: dir, settle: .seconds(2))
        let killed = try CLITests.runScript(["standalone", "kill"])
        #expect(killed.status == 0, "\(killed.output)")
        defer { _ = try? CLITests.runScript(["standalone", "up"]) }
        let (status, stderr) = run.finish()
        #expect(status == 3, "\(stderr)")
        #expect(stderr.contains("step 5 (concurrentSearch 'doomed') failed in Search"), "\(stderr)")
        let record = try Self.record(dir)
        let steps = Self.steps(record)
        #expect(steps.prefix(4).allSatisfy { $0["status"] as? String == "ok" }, "finished steps are kept")
        #expect(steps[4]["status"] as? String == "failed")
        #expect(steps[5]["status"] as? String == "skipped")
        // Queries that succeeded before the server died are still in the record.
        #expect(((steps[4]["metrics"] as? [String: Double])?["queries"] ?? 0) > 0)
        // The reports of what finished are written too, and name the failure.
        let report = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("## Failure") && report.contains("doomed"))
        let junit = try String(contentsOf: dir.appendingPathComponent("junit.xml"), encoding: .utf8)
        #expect(junit.contains("failures=\"1\"") && junit.contains("concurrentSearch doomed"))
    }

    @Test("an unreachable metrics endpoint is one clear warning per run, not a dump per step; the others are still read",
          .enabled(if: standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func unreachableEndpoint() throws {
        let dir = try Self.temporaryFolder()
        let file = dir.appendingPathComponent("down.yaml")
        try """
        version: 1
        name: endpoint_down
        target: {uri: "http://127.0.0.1:19530", metrics: ["http://127.0.0.1:1", "http://127.0.0.1:9091"]}
        collection: endpoint_down_test
        cleanup: always
        steps:
          - create: {recreate: true, fields: [{name: id, type: int64, primary: true, autoId: true}, {name: v, type: floatVector, dim: 8}]}
          - insert: {rows: 500}
          - index: {type: FLAT, metric: L2}
          - load
          - monitor: {id: first}
          - concurrentSearch: {id: search, queries: 20, concurrency: 2}
          - monitor: {id: second}
          - drop
        """.write(to: file, atomically: true, encoding: .utf8)
        let r = try CLITests.run(["run", file.path, "--report-dir", dir.path], environment: ["PATH": "/usr/bin:/bin"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let warning = "http://127.0.0.1:1/metrics: connection refused — memory, CPU and search traffic of the nodes behind it are unknown"
        #expect(r.stderr.components(separatedBy: warning).count == 2, "one warning on the console: \(r.stderr)")
        let steps = Self.steps(try Self.record(dir))
        let notes = steps.flatMap { ($0["notes"] as? [[String: Any]]) ?? [] }.filter { $0["code"] as? String == "metricsEndpointDown" }
        #expect(notes.count == 1, "\(notes)")
        #expect((notes.first?["values"] as? [String: String])?["reason"] == "connection refused")
        #expect(!r.stdout.contains("NSError") && !r.stdout.contains("Error Domain"))
        // The endpoint that answers is still read: the nodes' traffic during the search.
        let search = try #require(steps.first { $0["id"] as? String == "search" })
        #expect(((search["traffic"] as? [String: Any])?["nodes"] as? [Any])?.count == 1, "\(search)")
        let report = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.components(separatedBy: "http://127.0.0.1:1/metrics: connection refused").count == 2)
    }
}
