import Foundation
import TestSupport
import Testing

/// Runs the built `milvus-scenario` executable as a user would and checks output and exit codes.
@Suite("milvus-scenario command line")
struct CLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The executable sits next to the test bundle in the build products folder.
    static let executable: URL = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("milvus-scenario")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/milvus-scenario")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs one of the project's scripts: milvus-local (to start, kill or stop the local
    /// server in tests) or alert-receivers.
    static func runScript(_ arguments: [String], script: String = "milvus-local") throws -> (status: Int32, output: String) {
        try runCommand(root.appendingPathComponent("scripts/\(script)").path, arguments)
    }

    /// Runs a program from the repository root; its exit status and its output (stdout and stderr together).
    static func runCommand(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let outcome = try ChildProcess.run(path, arguments, in: root)
        return (outcome.status, outcome.output)
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let outcome = try ChildProcess.run(executable, arguments, in: root, environment: environment, mergingOutput: false)
        return Result(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr)
    }

    @Test("validate accepts the example scenarios and exits 0")
    func validExamples() throws {
        let r = try Self.run(["validate", "scenarios/load_balance.yaml", "scenarios/health_recovery.yaml", "scenarios/ci_smoke.yaml"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr == "")
        #expect(r.stdout == """
        scenarios/load_balance.yaml: valid — 15 steps, 9 thresholds
        scenarios/health_recovery.yaml: valid — 9 steps, 10 thresholds
        scenarios/ci_smoke.yaml: valid — 9 steps, 5 thresholds

        """)
    }

    @Test("validate prints file:line:col diagnostics and exits 2")
    func invalid() throws {
        let file = Self.root.appendingPathComponent("Tests/ScenarioSpecTests/Fixtures/invalid/key-step-typo.yaml").path
        let r = try Self.run(["validate", file])
        #expect(r.status == 2)
        #expect(r.stderr == "\(file):3:37: error: unknown key 'concurency' in concurrentSearch step; did you mean 'concurrency'?\n")
        #expect(r.stdout == "\(file): invalid — 1 error\n")
    }

    @Test("one invalid file among valid ones fails the whole command")
    func mixed() throws {
        let r = try Self.run(["validate", "scenarios/ci_smoke.yaml", "no-such.yaml"])
        #expect(r.status == 2)
        #expect(r.stderr == "no-such.yaml:1:1: error: no such file\n")
    }

    @Test("--format json gives machine-readable diagnostics")
    func json() throws {
        let file = "Tests/ScenarioSpecTests/Fixtures/invalid/type-replicas-zero.yaml"
        let r = try Self.run(["validate", "--format", "json", file])
        #expect(r.status == 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == false)
        let files = try #require(object["files"] as? [[String: Any]])
        let diagnostic = try #require((files.first?["diagnostics"] as? [[String: Any]])?.first)
        #expect(diagnostic["line"] as? Int == 3)
        #expect(diagnostic["column"] as? Int == 22)
        #expect(diagnostic["severity"] as? String == "error")
        #expect(diagnostic["code"] as? String == "value-out-of-range")
        #expect(diagnostic["message"] as? String == "'replicas' must be at least 1, got 0")
    }

    @Test("--var sets variables, and unresolved ones are errors")
    func variables() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("v.yaml")
        try "collection: c\nsteps:\n  - load: {replicas: \"${R}\"}\n".write(to: file, atomically: true, encoding: .utf8)
        let missing = try Self.run(["validate", file.path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains(":3:23: error: unresolved variable ${R}"))
        #expect(try Self.run(["validate", "--var", "R=2", file.path]).status == 0)
        #expect(try Self.run(["validate", file.path], environment: ["R": "3"]).status == 0)
        #expect(try Self.run(["validate", "--var", "R=0", file.path]).stderr.contains("'replicas' must be at least 1, got 0 (from '${R}')"))
    }

    @Test("--strict turns warnings into failures")
    func strict() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("w.yaml")
        try "collection: c\ntarget: {token: abc}\nsteps: [drop]\n".write(to: file, atomically: true, encoding: .utf8)
        let lenient = try Self.run(["validate", file.path])
        #expect(lenient.status == 0)
        #expect(lenient.stderr.contains("warning: 'token' is written in the scenario itself"))
        #expect(!lenient.stderr.contains("abc"))
        #expect(try Self.run(["validate", "--strict", file.path]).status == 2)
    }

    @Test("usage errors exit 2")
    func usage() throws {
        let r = try Self.run(["validate", "--format", "xml", "scenarios/ci_smoke.yaml"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("xml"))
        #expect(try Self.run(["validate"]).status == 2)
        #expect(try Self.run(["frobnicate"]).status == 2)
        #expect(try Self.run(["validate", "--var", "novalue", "scenarios/ci_smoke.yaml"]).status == 2)
    }

    @Test("schema prints the committed JSON Schema")
    func schema() throws {
        let r = try Self.run(["schema"])
        #expect(r.status == 0)
        let committed = try String(contentsOf: Self.root.appendingPathComponent("docs/scenario.schema.json"), encoding: .utf8)
        #expect(r.stdout == committed)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["$schema"] as? String == "http://json-schema.org/draft-07/schema#")
        #expect((object["required"] as? [String]) == ["steps"])
    }

    @Test("reference prints the committed reference")
    func reference() throws {
        let r = try Self.run(["reference"])
        #expect(r.status == 0)
        let committed = try String(contentsOf: Self.root.appendingPathComponent("docs/scenario-reference.md"), encoding: .utf8)
        #expect(r.stdout == committed)
    }

    @Test("--help reads well for every command", arguments: [
        ([String](), ["run", "validate", "report", "merge", "compare", "baseline", "schema", "reference", "Exit codes"]),
        (["run"], ["--report-dir <dir>", "--var <name=value>", "--uri <uri>", "--quiet", "--verbose", "130 interrupted", "latest",
                   "--shard <I/N>", "JOB_COMPLETION_INDEX", "--start-at <time>", "--phase <all|setup|load>", "--setup-timeout <duration>"]),
        (["merge"], ["<run.json|dir> ...", "--output <dir>", "--allow-partial", "--check", "exact percentiles", "2 unusable input"]),
        (["report"], ["run.json", "--matrix <dir>", "case.json", "--output <dir>", "--language <language>", "--format <format>"]),
        (["compare"], ["<run.json> ...", "--baseline <dir>", "--metric <metric>", "--max-regression <percent>", "--junit <file>", "1 a significant regression", "inconclusive"]),
        (["baseline", "add"], ["<run.json> <dir>", "--keep <n>"]),
        (["validate"], ["file:line:col", "--var <name=value>", "--format <format>", "--strict"]),
        (["schema"], ["yaml-language-server", "--output <file>"]),
        (["reference"], ["docs/scenario-reference.md"]),
    ])
    func help(command: [String], phrases: [String]) throws {
        let r = try Self.run(command + ["--help"])
        #expect(r.status == 0)
        for phrase in phrases { #expect(r.stdout.contains(phrase), "\(phrase) missing from: \(r.stdout)") }
        // A line continuation written as "\\" in the source shows up as a literal backslash.
        #expect(!r.stdout.contains("\\"), "a stray backslash in: \(r.stdout)")
    }

    @Test("sharding options are checked before anything runs, with exit 2 and the reason")
    func shardingUsage() throws {
        let noIndex = try Self.run(["run", "scenarios/distributed.yaml", "--shard", "/3"])
        #expect(noIndex.status == 2 && noIndex.stderr.contains("JOB_COMPLETION_INDEX, which is not set"), "\(noIndex.stderr)")
        let badShard = try Self.run(["run", "scenarios/distributed.yaml", "--shard", "3/3"])
        #expect(badShard.status == 2 && badShard.stderr.contains("--shard takes I/N with 0 ≤ I < N"), "\(badShard.stderr)")
        let badTime = try Self.run(["run", "scenarios/distributed.yaml", "--shard", "0/2", "--start-at", "tomorrow"])
        #expect(badTime.status == 2 && badTime.stderr.contains("--start-at takes a UTC time"), "\(badTime.stderr)")
        let badPhase = try Self.run(["run", "scenarios/distributed.yaml", "--phase", "teardown"])
        #expect(badPhase.status == 2 && badPhase.stderr.contains("--phase takes all, setup or load"), "\(badPhase.stderr)")
        // A sweep cannot be divided: refused naming it, before connecting (no server needed).
        let sweep = try Self.run(["run", "scenarios/load_balance.yaml", "--shard", "1/2", "--uri", "http://127.0.0.1:1"])
        #expect(sweep.status == 2 && sweep.stderr.contains("'replicas' (sweep) cannot be divided among shards")
                && sweep.stderr.contains("cannot run as shard 1/2 — not run"), "\(sweep.stderr)")
        let merge = try Self.run(["merge"])
        #expect(merge.status == 2 && merge.stderr.contains("<run.json|dir>"), "\(merge.stderr)")
        let notShard = try Self.run(["merge", Self.root.appendingPathComponent("Tests/ScenarioReportTests/Golden/ci_smoke_standalone/run.json").path])
        #expect(notShard.status == 2 && notShard.stderr.contains("is not a shard's record"), "\(notShard.stderr)")
    }

    @Test("report and compare refuse what they cannot read, with exit 2")
    func unreadableRecords() throws {
        let missing = try Self.run(["report", "/nonexistent/run.json"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/run.json: no such file"))
        let notARecord = try Self.run(["compare", "Package.swift", "Package.swift"])
        #expect(notARecord.status == 2 && notARecord.stderr.contains("Package.swift: not a readable run record"), "\(notARecord.stderr)")
        let newer = FileManager.default.temporaryDirectory.appendingPathComponent("newer-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: newer) }
        try Data(#"{"formatVersion": 99, "steps": "renamed"}"#.utf8).write(to: newer)
        let tooNew = try Self.run(["report", newer.path])
        #expect(tooNew.status == 2 && tooNew.stderr.contains("\(newer.path): run record format 99 is newer than this milvus-scenario reads (up to 2)"),
                "\(tooNew.stderr)")
        let badTolerance = try Self.run(["compare", "a", "b", "--max-regression", "lots"])
        #expect(badTolerance.status == 2 && badTolerance.stderr.contains("--max-regression takes a percentage"))
        let oneRecord = try Self.run(["compare", "a"])
        #expect(oneRecord.status == 2 && oneRecord.stderr.contains("give two run records"))
        let twoWithBaseline = try Self.run(["compare", "--baseline", "dir", "a", "b"])
        #expect(twoWithBaseline.status == 2 && twoWithBaseline.stderr.contains("with --baseline give one run.json"))
        let golden = Self.root.appendingPathComponent("Tests/ScenarioReportTests/Golden/load_balance_cluster/run.json").path
        let unknownMetric = try Self.run(["compare", golden, golden, "--metric", "baseline.p98"])
        #expect(unknownMetric.status == 2 && unknownMetric.stderr.contains("no step of the new run records 'baseline.p98'"), "\(unknownMetric.stderr)")
        let badMetricTolerance = try Self.run(["compare", golden, golden, "--metric", "baseline.recall=5"])
        #expect(badMetricTolerance.status == 2 && badMetricTolerance.stderr.contains("fraction from 0 to 1"), "\(badMetricTolerance.stderr)")
        let interrupted = FileManager.default.temporaryDirectory.appendingPathComponent("interrupted-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: interrupted) }
        var record = try String(contentsOfFile: golden, encoding: .utf8)
        record = record.replacingOccurrences(of: "\"status\" : \"passed\"", with: "\"status\" : \"interrupted\"")
        try Data(record.utf8).write(to: interrupted)
        let notABaseline = try Self.run(["baseline", "add", interrupted.path, FileManager.default.temporaryDirectory.appendingPathComponent("b-\(UUID().uuidString)").path])
        #expect(notABaseline.status == 2 && notABaseline.stderr.contains("only finished runs"), "\(notABaseline.stderr)")
        let empty = try Self.run(["compare", "--baseline", "/nonexistent-baseline", golden])
        #expect(empty.status == 0 && empty.stdout.contains("No baseline runs of this scenario file"), "\(empty.stdout)")
        let badLanguage = try Self.run(["report", "x.json", "--language", "fr"])
        #expect(badLanguage.status == 2 && badLanguage.stderr.contains("--language takes en or zh"))
        let nothing = try Self.run(["report"])
        #expect(nothing.status == 2 && nothing.stderr.contains("give a run.json, or --matrix DIR"), "\(nothing.stderr)")
        let noMatrix = try Self.run(["report", "--matrix", "/nonexistent-matrix"])
        #expect(noMatrix.status == 2 && noMatrix.stderr.contains("/nonexistent-matrix is not a folder of chaos cases"), "\(noMatrix.stderr)")
    }

    @Test("report --matrix: the committed chaos matrix's table again, from its case folders")
    func matrix() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("matrix-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try Self.run(["report", "--matrix", Self.root.appendingPathComponent("reports/chaos-examples").path, "--output", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("kill-broker: exit 1 in 88 s: detect 6.4 s, live never lost, serving 30.4 s") && r.stdout.contains("900 acknowledged rows missing"),
                "\(r.stdout)")
        #expect(r.stdout.hasSuffix("into \(out.path) (19 cases)\n"), "\(r.stdout)")
        let written = try String(contentsOf: out.appendingPathComponent("chaos.md"), encoding: .utf8)
        let committed = try String(contentsOf: Self.root.appendingPathComponent("reports/chaos-examples/chaos.md"), encoding: .utf8)
        #expect(written == committed)
    }

    @Test("--version")
    func version() throws {
        let r = try Self.run(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout == "0.1.0\n")
    }
}
