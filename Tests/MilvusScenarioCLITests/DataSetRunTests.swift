import Foundation
import TestSupport
import Testing

/// Data set files end to end: files numpy and h5py wrote (scripts/make_dataset.py, 2,000 × 16,
/// 50 queries, 20 L2 neighbours) inserted, searched and scored against the real standalone
/// server; files that do not fit the collection are refused before anything runs.
@Suite("data set files in scenarios", .serialized)
struct DataSetRunTests {
    static let python = CLITests.root.appendingPathComponent(".local/venv/bin/python3").path
    static let haveTools = FileManager.default.isExecutableFile(atPath: python) || ProcessInfo.processInfo.environment["CI"] == "true"

    /// A folder holding the data set files; the scenario is written beside them, so its
    /// relative paths are resolved against its own folder.
    static func folder() throws -> URL {
        let dir = try RunTests.temporaryFolder()
        let made = try ChildProcess.run(python, [CLITests.root.appendingPathComponent("scripts/make_dataset.py").path, dir.path])
        try #require(made.status == 0, "make_dataset.py failed: \(made.output)")
        return dir
    }

    static let scenario = """
    target: {uri: "${MILVUS_URI}", metrics: "${MILVUS_METRICS}"}
    cleanup: always
    x-fields: &fields
      - {name: id, type: int64, primary: true}
      - {name: v, type: floatVector, dim: 16}
    x-search: &search {queries: 100, concurrency: 2, topK: 10, consistency: Strong, recall: {queries: 50}}
    steps:
      # TEXMEX: an approximate index (IVF, 2 of 64 lists), scored once against the file's own
      # neighbours (small_groundtruth.ivecs beside small_query.fvecs) and once against neighbours
      # the tool computes from the file's rows (query.npy has none): the same recall.
      - create: {collection: ds_texmex, recreate: true, fields: *fields}
      - insert: {collection: ds_texmex, rows: 2000, batch: 500, generate: {v: {file: small_base.fvecs}}}
      - index: {collection: ds_texmex, type: IVF_FLAT, metric: L2, params: {nlist: 64}}
      - load: {collection: ds_texmex}
      - concurrentSearch: {<<: *search, id: texmex, collection: ds_texmex, params: {nprobe: 2}, vectors: {file: small_query.fvecs}}
      - concurrentSearch: {<<: *search, id: computed, collection: ds_texmex, params: {nprobe: 2}, vectors: {file: query.npy}}
      - drop: {collection: ds_texmex}
      # ann-benchmarks HDF5: train rows, test queries, the file's neighbours; an exact index
      # finds all of them. small-ip.hdf5's neighbours were found by inner product: out of order
      # under L2, so the tool says so and computes them itself.
      - create: {collection: ds_hdf5, recreate: true, fields: *fields}
      # Without `rows`: all of the file's.
      - insert: {collection: ds_hdf5, generate: {v: {file: small-euclidean.hdf5}}}
      - index: {collection: ds_hdf5, type: FLAT, metric: L2}
      - load: {collection: ds_hdf5}
      - concurrentSearch: {<<: *search, id: hdf5, collection: ds_hdf5, vectors: {file: small-euclidean.hdf5}}
      - concurrentSearch: {<<: *search, id: other_metric, collection: ds_hdf5, vectors: {file: small-ip.hdf5}}
      - drop: {collection: ds_hdf5}
    thresholds:
      - hdf5.recall == 1
      - other_metric.recall == 1
    """

    @Test("fvecs and HDF5 files load, search and score against their own neighbours",
          .enabled(if: RunTests.standaloneUp && haveTools, "needs Milvus standalone and .local/venv"))
    func endToEnd() throws {
        let dir = try Self.folder()
        let file = try RunTests.scenario(Self.scenario, in: dir)
        // Run from elsewhere: the data paths are the scenario folder's, not the working directory's.
        let r = try CLITests.run(["run", file, "--report-dir", dir.appendingPathComponent("report").path], environment: RunTests.environment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let steps = RunTests.steps(try RunTests.record(dir.appendingPathComponent("report")))
        func step(_ id: String) throws -> (metrics: [String: Double], recall: [String: Any], notes: [[String: Any]]) {
            let s = try #require(steps.first { $0["id"] as? String == id })
            return (s["metrics"] as? [String: Double] ?? [:], try #require(s["recall"] as? [String: Any], "\(id): \(s["notes"] ?? "")"),
                    s["notes"] as? [[String: Any]] ?? [])
        }
        let inserted = steps.filter { $0["kind"] as? String == "insert" }.compactMap { ($0["metrics"] as? [String: Double])?["rows"] }
        #expect(inserted == [2000, 2000])

        let texmex = try step("texmex"), computed = try step("computed")
        #expect(texmex.recall["source"] as? String == "file neighbors" && texmex.recall["kernel"] as? String == "file", "\(texmex.recall)")
        #expect(computed.recall["source"] as? String == "data file" && computed.recall["rows"] as? Int == 2000, "\(computed.recall)")
        // Two ground truths, one answer: the file's neighbours and the tool's agree query by query.
        let a = try #require(texmex.recall["perQuery"] as? [Double]), b = try #require(computed.recall["perQuery"] as? [Double])
        #expect(a.count == 50 && a == b, "\(a) vs \(b)")
        let recall = try #require(texmex.metrics["recall"])
        #expect(recall < 1 && recall > 0.3, "IVF with 2 of 64 lists misses some neighbours: \(recall)")

        let hdf5 = try step("hdf5"), other = try step("other_metric")
        #expect(hdf5.recall["source"] as? String == "file neighbors" && hdf5.metrics["recall"] == 1, "\(hdf5.recall)")
        #expect(other.recall["source"] as? String == "data file" && other.metrics["recall"] == 1, "\(other.recall)")
        #expect(other.notes.contains { $0["code"] as? String == "recallFileNeighbors"
                && (($0["values"] as? [String: String])?["reason"] ?? "").contains("not in order of L2") }, "\(other.notes)")

        let report = try String(contentsOf: dir.appendingPathComponent("report/report.md"), encoding: .utf8)
        #expect(report.contains("from the file"))
    }

    @Test("a file of another dimension, too few rows or a missing dataset is refused before running, exit 2 with file:line:col",
          .enabled(if: haveTools, "needs .local/venv"))
    func refused() throws {
        let dir = try Self.folder()
        let text = """
        target: {uri: "http://127.0.0.1:1"}
        collection: never_made
        steps:
          - create:
              fields:
                - {name: id, type: int64, primary: true}
                - {name: v, type: floatVector, dim: 8}
          - insert: {rows: 2000, generate: {v: {file: small_base.fvecs}}}
          - insert: {rows: 5000, generate: {id: {sequence: 2000}, v: {file: base.npy}}}
          - insert: {rows: 10, generate: {v: {file: small-euclidean.hdf5, dataset: learn}}}
          - insert: {rows: 10, generate: {v: {file: nowhere.fvecs}}}
          - concurrentSearch: {vectors: {file: small_query.fvecs}}
        """
        let file = try RunTests.scenario(text, in: dir)
        let r = try CLITests.run(["run", file, "--report-dir", dir.appendingPathComponent("report").path])
        #expect(r.status == 2, "\(r.stdout)\n\(r.stderr)")
        let lines = r.stderr.split(separator: "\n").map(String.init)
        func has(_ line: Int, _ text: String) -> Bool { lines.contains { $0.hasPrefix("\(file):\(line):") && $0.contains(": error: ") && $0.contains(text) } }
        #expect(has(8, "field 'v' is 8-d, but 'small_base.fvecs' holds 16-d vectors"), "\(r.stderr)")
        #expect(has(9, "'base.npy' holds 2000 rows; the step inserts 5000"), "\(r.stderr)")
        #expect(has(10, "has no dataset 'learn'; it has 'distances', 'neighbors', 'test', 'train'"), "\(r.stderr)")
        #expect(has(11, "'nowhere.fvecs': no such file"), "\(r.stderr)")
        #expect(has(12, "the search field is 8-d, but 'small_query.fvecs' holds 16-d query vectors"), "\(r.stderr)")
        // Nothing ran: no report folder.
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("report").path))
    }

    @Test("without libhdf5 (loaded only when needed) an .hdf5 data set is refused with the reason at its line; the other formats still read",
          .enabled(if: haveTools, "needs .local/venv"))
    func withoutHDF5() throws {
        let dir = try Self.folder()
        let text = """
        target: {uri: "http://127.0.0.1:1"}
        collection: never_made
        steps:
          - create:
              fields:
                - {name: id, type: int64, primary: true}
                - {name: v, type: floatVector, dim: 16}
          - insert: {rows: 2000, generate: {v: {file: small_base.fvecs}}}
          - insert: {rows: 10, generate: {id: {sequence: 2000}, v: {file: small-euclidean.hdf5}}}
        """
        let file = try RunTests.scenario(text, in: dir)
        let r = try CLITests.run(["validate", file], environment: ["MILVUS_SCENARIO_HDF5": "/nonexistent/libhdf5.so", "PATH": "/usr/bin:/bin"])
        #expect(r.status == 2, "\(r.stdout)\n\(r.stderr)")
        let errors = r.stderr.split(separator: "\n").filter { $0.contains(": error: ") }
        #expect(errors.count == 1 && errors[0].hasPrefix("\(file):9:") && errors[0].contains("cannot read HDF5 files")
                && errors[0].contains("MILVUS_SCENARIO_HDF5=/nonexistent/libhdf5.so"), "\(r.stderr)")
        // With the library found, the same file validates.
        let ok = try CLITests.run(["validate", file], environment: ["PATH": "/usr/bin:/bin"])
        #expect(ok.status == 0, "\(ok.stdout)\n\(ok.stderr)")
    }

    @Test("into a collection the scenario did not create, a file of another dimension fails the insert before any row goes in, exit 3",
          .enabled(if: RunTests.standaloneUp && haveTools, "needs Milvus standalone and .local/venv"))
    func refusedAtRunTime() throws {
        let dir = try Self.folder()
        // A collection left by an earlier run: only the server knows it is 8-d.
        let first = try RunTests.scenario(RunTests.small("ds_existing", step: "health", cleanup: "never")
            .replacingOccurrences(of: "\n  - drop", with: ""), in: dir)
        let made = try CLITests.run(["run", first, "--report-dir", dir.appendingPathComponent("first").path], environment: RunTests.environment)
        try #require(made.status == 0, "\(made.stdout)\n\(made.stderr)")
        let second = try RunTests.scenario("""
            collection: ds_existing
            target: {uri: "${MILVUS_URI}", metrics: "${MILVUS_METRICS}"}
            cleanup: always
            steps:
              - insert: {id: load_file, generate: {v: {file: small_base.fvecs}}}
              - drop
            """, in: dir)
        let r = try CLITests.run(["run", second, "--report-dir", dir.appendingPathComponent("second").path], environment: RunTests.environment)
        #expect(r.status == 3, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.contains("load_file") && r.stderr.contains("'v' is 8-d, but 'small_base.fvecs' holds 16-d vectors"), "\(r.stderr)")
        let steps = RunTests.steps(try RunTests.record(dir.appendingPathComponent("second")))
        let insert = try #require(steps.first { $0["id"] as? String == "load_file" })
        #expect(insert["status"] as? String == "failed")
        // Nothing went in: the collection still holds the earlier run's 2,000 rows, and it was dropped after.
        #expect((insert["metrics"] as? [String: Double])?["rows"] ?? 0 == 0, "\(insert)")
        #expect(steps.last?["kind"] as? String == "drop" && steps.last?["status"] as? String == "ok", "\(steps.map { $0["status"] ?? "" })")
    }
}
