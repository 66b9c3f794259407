import Foundation
import TestSupport
import Testing

/// deploy/kubernetes/: validated offline against a current Kubernetes API (kubernetes-validate,
/// strict: unknown fields are errors), and consistent with the scenario and with each other —
/// the Indexed Job's shard count, its --shard, and the merge Job's list of shard folders.
@Suite("Kubernetes manifests")
struct KubernetesManifestTests {
    static let folder = CLITests.root.appendingPathComponent("deploy/kubernetes")
    static let venv = CLITests.root.appendingPathComponent(".local/venv/bin")
    static var haveTools: Bool {
        FileManager.default.isExecutableFile(atPath: venv.appendingPathComponent("kubernetes-validate").path)
            || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    static func manifests() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
            .map { folder.appendingPathComponent($0).path }
    }

    /// Runs a tool of the project's Python venv.
    static func tool(_ name: String, _ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let outcome = try ChildProcess.run(venv.appendingPathComponent(name), arguments, in: CLITests.root, input: input ?? "")
        return (outcome.status, outcome.output)
    }

    /// Every manifest as JSON objects (PyYAML reads them).
    static func documents() throws -> [[String: Any]] {
        let script = """
        import json, sys, yaml
        docs = []
        for path in sys.argv[1:]:
            docs += [d for d in yaml.safe_load_all(open(path)) if d]
        print(json.dumps(docs))
        """
        let r = try tool("python3", ["-c", script] + manifests())
        #expect(r.status == 0, "\(r.output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [[String: Any]])
    }

    @Test("every manifest validates (strict) against Kubernetes 1.37", .enabled(if: haveTools, "needs .local/venv with kubernetes-validate (scripts/bootstrap)"))
    func validate() throws {
        let files = try Self.manifests()
        #expect(files.count == 7)
        let r = try Self.tool("kubernetes-validate", ["--strict", "-k", "1.37.0"] + files)
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.components(separatedBy: " passed for resource ").count - 1 == files.count, "\(r.output)")
    }

    @Test("the ConfigMap holds scenarios/distributed.yaml; the shard count agrees across the Indexed Job, --shard and the merge; the token comes from the Secret",
          .enabled(if: haveTools, "needs .local/venv with PyYAML (scripts/bootstrap)"))
    func consistent() throws {
        let docs = try Self.documents()
        func named(_ kind: String, _ name: String) throws -> [String: Any] {
            try #require(docs.first { $0["kind"] as? String == kind && ($0["metadata"] as? [String: Any])?["name"] as? String == name })
        }
        let configMap = try named("ConfigMap", "milvus-scenario")
        let embedded = try #require((configMap["data"] as? [String: String])?["scenario.yaml"])
        let scenario = try String(contentsOf: CLITests.root.appendingPathComponent("scenarios/distributed.yaml"), encoding: .utf8)
        #expect(embedded == scenario, "deploy/kubernetes/00-scenario-configmap.yaml is out of date with scenarios/distributed.yaml")

        func container(_ job: [String: Any]) throws -> [String: Any] {
            let spec = try #require(job["spec"] as? [String: Any])
            let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
            return try #require((pod["containers"] as? [[String: Any]])?.first)
        }
        let load = try named("Job", "milvus-scenario-load")
        let spec = try #require(load["spec"] as? [String: Any])
        #expect(spec["completionMode"] as? String == "Indexed")
        let n = try #require(spec["completions"] as? Int)
        #expect(spec["parallelism"] as? Int == n)
        let args = try #require(try container(load)["args"] as? [String])
        #expect(args.firstIndex(of: "--shard").map { args[$0 + 1] } == "/\(n)")
        #expect(args.contains("$(START_AT)") && args.contains("/results/shard-$(JOB_COMPLETION_INDEX)") && args.contains("load"))
        let merge = try #require(try container(try named("Job", "milvus-scenario-merge"))["args"] as? [String])
        #expect(merge.filter { $0.hasPrefix("/results/shard-") } == (0..<n).map { "/results/shard-\($0)" })
        let setup = try #require(try container(try named("Job", "milvus-scenario-setup"))["args"] as? [String])
        #expect(setup.contains("setup") && setup.contains("/scenario/scenario.yaml"))

        // The token only from the Secret, in every Job that talks to Milvus.
        for name in ["milvus-scenario-setup", "milvus-scenario-load"] {
            let env = try #require(try container(try named("Job", name))["env"] as? [[String: Any]])
            let token = try #require(env.first { $0["name"] as? String == "MILVUS_TOKEN" })
            #expect(token["value"] == nil && (token["valueFrom"] as? [String: Any])?["secretKeyRef"] != nil, "\(name)")
        }
        // The arguments parse: the same command line, with a time for START_AT, is accepted by the tool.
        let r = try CLITests.run(["run", "scenarios/distributed.yaml", "--phase", "load", "--shard", "7/\(n)", "--start-at", "2030-01-01T00:00:00Z"])
        #expect(r.status == 2 && r.stderr.contains("--shard takes I/N"), "\(r.stderr)")
    }
}
