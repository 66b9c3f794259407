import Foundation
import TestSupport
import Testing

/// `query`, `upsert` and `delete` against the real standalone server (Milvus 2.3.5), and what
/// they left read back with pymilvus — values, not just counts. Part of the serialized `RunTests`
/// suite: other tests there kill and restart the shared server.
extension RunTests {
    static let python = CLITests.root.appendingPathComponent(".local/venv/bin/python3").path

    /// Runs Python (by default in the server venv, with pymilvus 2.3.7); returns its output, or
    /// fails with it.
    static func pymilvus(python: String = python, _ code: String) throws -> String {
        let outcome = try ChildProcess.run(python, ["-c", code])
        let text = outcome.output
        guard outcome.status == 0 else { throw PythonFailure(output: text) }
        return text
    }

    static var liteUp: Bool { portOpen(21530) || ProcessInfo.processInfo.environment["CI"] == "true" }

    @Test("crud: queries, upserts and deletes run on Milvus 2.3.5; pymilvus 2.3.7 reads back exactly the rows the steps left",
          .enabled(if: standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func rowChanges() throws {
        try rowChanges(environment: Self.environment, python: Self.python, port: 19530)
    }

    @Test("crud: the same on milvus-lite 3.2.2; pymilvus 3.0.2 reads the rows back",
          .enabled(if: liteUp, "milvus-lite is not running (scripts/milvus-local lite up)"))
    func rowChangesLite() throws {
        // milvus-lite has no metrics endpoint: a closed port, reported once as unreachable.
        var environment = Self.environment
        environment["MILVUS_URI"] = "http://127.0.0.1:21530"
        environment["MILVUS_METRICS"] = "http://127.0.0.1:\(try Self.freePort())"
        try rowChanges(environment: environment, python: CLITests.root.appendingPathComponent(".local/venv-lite/bin/python3").path, port: 21530)
    }

    func rowChanges(environment: [String: String], python: String, port: Int) throws {
        let dir = try Self.temporaryFolder()
        // scenarios/crud.yaml as it is, but the collection is kept for reading back.
        let name = "crud_readback"
        var text = try String(contentsOf: CLITests.root.appendingPathComponent("scenarios/crud.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "collection: crud_demo", with: "collection: \(name)")
            .replacingOccurrences(of: "cleanup: always", with: "cleanup: never")
            .replacingOccurrences(of: "  - drop\n", with: "")
        let r = try CLITests.run(["run", try Self.scenario(text, in: dir), "--report-dir", dir.path], environment: environment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")

        let steps = Self.steps(try Self.record(dir))
        func metrics(_ id: String) -> [String: Double] {
            (steps.first { $0["id"] as? String == id }?["metrics"] as? [String: Double]) ?? [:]
        }
        let books = metrics("books")
        #expect(books["queries"] == 500 && books["errors"] == 0 && books["rowsPerQuery"] == 100 && books["rows"] == 50000, "\(books)")
        #expect((books["p50"] ?? 0) > 0 && (books["p99"] ?? 0) >= (books["p50"] ?? 0) && (books["qps"] ?? 0) > 0, "\(books)")
        #expect(metrics("countAll")["rowsPerQuery"] == 20000 && metrics("countAfterUpsert")["rowsPerQuery"] == 20000)
        #expect(metrics("sale")["rowsPerQuery"] == 1000 && metrics("countAfterDelete")["rowsPerQuery"] == 14000)
        let upsert = metrics("upsert1")
        #expect(upsert["rows"] == 1000 && (upsert["upsertTime"] ?? 0) > 0 && upsert["flushes"] == 1, "\(upsert)")
        let first = metrics("firstKeys"), last = metrics("lastKeys")
        #expect(first["rows"] == 5000 && first["requests"] == 5 && first["remaining"] == 0, "\(first)")
        #expect(last["rows"] == 1000 && last["requests"] == 1 && last["remaining"] == 0, "\(last)")
        // The answers checked row by row against the tool's shadow of the writes: all right.
        let left = metrics("rowsLeft")
        #expect(left["verify.queries"] == 2 && left["rowsPerQuery"] == 3000 && left["wrongRows"] == 0 && left["missingRows"] == 0
                && left["extraRows"] == 0 && left["wrongValues"] == 0, "\(left)")
        #expect(metrics("books")["verify.queries"] == 5 && metrics("music")["resurrectedRows"] == 0 && metrics("music")["recall"] != nil, "\(metrics("music"))")
        // The query steps are in the query-performance table beside the search.
        let report = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("| books |") && report.contains("| music |"), "\(report)")

        // Read back with pymilvus: ids 0–999 were upserted ("sale", price 100000 + id), 1000–5999
        // and 19000–19999 deleted, 6000–18999 as inserted (category cycles, price = id).
        let out = try Self.pymilvus(python: python, """
        from pymilvus import connections, Collection, utility
        connections.connect(host="127.0.0.1", port="\(port)")
        c = Collection("\(name)")
        try:
            rows = {}
            for start in range(0, 20000, 5000):
                for r in c.query(expr=f"id >= {start} and id < {start + 5000}", output_fields=["id", "category", "price"], consistency_level="Strong", limit=16384):
                    rows[r["id"]] = (r["category"], r["price"])
            cycle = ["books", "music", "film", "games"]
            want = {i: ("sale", 100000 + i) for i in range(1000)}
            want.update({i: (cycle[i % 4], i) for i in range(6000, 19000)})
            wrong = [i for i in want if rows.get(i) != want[i]]
            extra = sorted(set(rows) - set(want))
            print(f"rows {len(rows)} wrong {len(wrong)} extra {len(extra)} first_wrong {wrong[:3]} first_extra {extra[:3]}")
        finally:
            utility.drop_collection("\(name)")
        """)
        #expect(out.contains("rows 14000 wrong 0 extra 0 "), "\(out)")
    }

    @Test("a query returning other than expectRows fails; when every query does, the step fails with the server's numbers (exit 3)",
          .enabled(if: standaloneUp, "Milvus standalone is not running"))
    func expectRowsMismatch() throws {
        let dir = try Self.temporaryFolder()
        let step = "query: {outputFields: [\"count(*)\"], consistency: Strong, queries: 3, concurrency: 1, expectRows: 1999}"
        let r = try CLITests.run(["run", try Self.scenario(Self.small("expect_rows", step: step), in: dir), "--report-dir", dir.path],
                                 environment: Self.environment)
        #expect(r.status == 3, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.contains("query1") && r.stderr.contains("returned 2000 rows, expected 1999 (expectRows)"), "\(r.stderr)")
        let query = try #require(Self.steps(try Self.record(dir)).first { $0["id"] as? String == "query1" })
        let m = try #require(query["metrics"] as? [String: Double])
        #expect(m["queries"] == 3 && m["errors"] == 3, "\(m)")
    }
}

/// A Python helper exited with an error; its output says why.
struct PythonFailure: Error, CustomStringConvertible {
    var output: String
    var description: String { "pymilvus script failed:\n\(output)" }
}
