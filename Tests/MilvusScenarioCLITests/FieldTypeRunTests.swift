import Foundation
import MilvusClient
import ScenarioSpec
import Testing
@testable import ScenarioRunner

/// Every field type a server here takes goes in through a scenario and comes back, read by
/// pymilvus — values, not counts: milvus-lite 3.2.2 (sparse vectors, BM25 text, JSON, arrays,
/// nullable and default values, partition key, dynamic fields) with pymilvus 3.0.2, Milvus 2.3.5
/// (binary vectors, JSON, arrays, partition key, dynamic fields) with pymilvus 2.3.7. The expected
/// values are made by the same seeded generators the run used. Part of the serialized `RunTests`.
extension RunTests {
    static let liteFieldTypes = """
        collection: field_types_lite
        target: {uri: "${MILVUS_URI}", metrics: "${MILVUS_METRICS}"}
        cleanup: never
        steps:
          - create:
              recreate: true
              dynamicFields: true
              partitions: 4
              fields:
                - {name: id, type: int64, primary: true}
                - {name: dense, type: floatVector, dim: 8}
                - {name: terms, type: sparseFloatVector}
                - {name: body, type: varchar, maxLength: 500, analyzer: standard}
                - {name: bm25, type: sparseFloatVector}
                - {name: meta, type: json}
                - {name: tags, type: array, elementType: varchar, maxCapacity: 4, maxLength: 8}
                - {name: nums, type: array, elementType: int64, maxCapacity: 5}
                - {name: rating, type: int32, nullable: true}
                - {name: level, type: int64, defaultValue: 7}
                - {name: note, type: varchar, maxLength: 20, nullable: true, defaultValue: none}
                - {name: tenant, type: int64, partitionKey: true}
                - {name: ok, type: bool}
                - {name: price, type: double}
              functions:
                - {input: body, output: bm25}
          - insert:
              rows: 600
              batch: 250
              dynamic:
                color: {choice: [red, blue, green]}
                weight: {uniform: [0, 10]}
              generate:
                id: {sequence: 0}
                terms: {sparse: {dim: 5000, nonZeros: 12}}
                body: {words: {vocabulary: 300, length: [4, 12]}}
                meta:
                  json:
                    source: {choice: [web, mail]}
                    stats.views: {sequence: 100}
                    stats.score: {gaussian: [0, 1]}
                    flag: {cycle: [true, false]}
                tags: {choice: [red, gold, blue], length: [0, 4]}
                nums: {sequence: 0, length: [1, 5]}
                rating: {choice: [1, 2, 3, 4, 5], nullFraction: 0.3}
                level: {cycle: [1, 2], nullFraction: 0.5}
                note: {cycle: [a, b], nullFraction: 0.4}
                tenant: {cycle: [1, 2, 3, 4, 5, 6]}
          - index: {field: dense, type: FLAT, metric: L2}
          - index: {field: terms, type: SPARSE_INVERTED_INDEX, metric: IP}
          - index: {field: bm25, type: SPARSE_INVERTED_INDEX, metric: BM25}
          - load
          - concurrentSearch: {id: sparse, field: terms, vectors: {sparse: {dim: 5000, nonZeros: 12}}, queries: 30, concurrency: 2}
          - concurrentSearch: {id: text, field: bm25, text: {words: {vocabulary: 300, length: [1, 3]}}, queries: 30, concurrency: 2}
          - query: {id: filtered, filter: 'meta["source"] == "web" and array_contains(tags, "gold") and color == "red" and rating >= 3', outputFields: [id], limit: 100, queries: 5, concurrency: 1}
        """

    static let standaloneFieldTypes = """
        collection: field_types_standalone
        target: {uri: "${MILVUS_URI}", metrics: "${MILVUS_METRICS}"}
        cleanup: never
        steps:
          - create:
              recreate: true
              dynamicFields: true
              partitions: 4
              fields:
                - {name: id, type: int64, primary: true}
                - {name: bits, type: binaryVector, dim: 32}
                - {name: meta, type: json}
                - {name: tags, type: array, elementType: varchar, maxCapacity: 4, maxLength: 8}
                - {name: nums, type: array, elementType: double, maxCapacity: 3}
                - {name: tenant, type: varchar, maxLength: 8, partitionKey: true}
          - insert:
              rows: 600
              batch: 250
              dynamic:
                color: {choice: [red, blue, green]}
              generate:
                id: {sequence: 0}
                meta:
                  json:
                    source: {choice: [web, mail]}
                    stats.views: {sequence: 100}
                tags: {choice: [red, gold, blue], length: [1, 4]}
                nums: {uniform: [0, 1], length: [1, 3]}
                tenant: {cycle: [a, b, c]}
          - index: {field: bits, type: BIN_FLAT, metric: HAMMING}
          - load
          - concurrentSearch: {id: binary, field: bits, queries: 30, concurrency: 2}
          - query: {id: filtered, filter: 'meta["source"] == "web" and array_contains(tags, "gold") and color == "red"', outputFields: [id], limit: 100, queries: 5, concurrency: 1}
        """

    /// Runs the scenario, then has pymilvus read every row back and compare it with the rows the
    /// generators make; returns the comparison's summary line.
    func runAndReadBack(_ text: String, collection: String, environment: [String: String], python: String, uri: String) throws -> String {
        let dir = try Self.temporaryFolder()
        let file = try Self.scenario(text, in: dir)
        let r = try CLITests.run(["run", file, "--report-dir", dir.appendingPathComponent("reports").path], environment: environment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        defer { _ = try? Self.pymilvus(python: python, "from pymilvus import MilvusClient; MilvusClient(uri='\(uri)').drop_collection('\(collection)')") }
        let steps = Self.steps(try Self.record(dir.appendingPathComponent("reports")))
        for step in steps where step["kind"] as? String == "concurrentSearch" || step["kind"] as? String == "query" {
            let m = step["metrics"] as? [String: Double] ?? [:]
            #expect(m["errors"] == 0 && (m["queries"] ?? 0) > 0, "\(step["id"] ?? ""): \(m)")
        }
        let expected = dir.appendingPathComponent("expected.json")
        try Self.expectedRows(file).write(to: expected)
        let out = try Self.pymilvus(python: python, """
            import runpy, sys
            sys.argv = ["verify_rows.py", "\(uri)", "\(collection)", "\(expected.path)"]
            try:
                runpy.run_path("\(CLITests.root.appendingPathComponent("scripts/verify_rows.py").path)", run_name="__main__")
            except SystemExit as e:
                if e.code: raise
            """)
        return out
    }

    /// The rows the scenario's insert step makes, as verify_rows.py expects them.
    static func expectedRows(_ file: String) throws -> Data {
        let scenario = try #require(ScenarioLoader.load(path: file, environment: ["MILVUS_URI": "http://127.0.0.1:1", "MILVUS_METRICS": "http://127.0.0.1:1"], displayName: file).scenario)
        let create = try #require(scenario.steps.compactMap { $0.spec as? CreateStep }.first)
        let insert = try #require(scenario.steps.compactMap { $0.spec as? InsertStep }.first)
        let schema = create.collectionSchema
        var generators = insert.valueGenerators(for: schema)
        var rows: [[String: Any]] = Array(repeating: [:], count: insert.rows)
        var done = 0
        while done < insert.rows {
            let n = min(insert.batch, insert.rows - done)
            for g in generators.indices {
                let column = try generators[g].nextColumn(n)
                let field = generators[g].field
                let values = Self.jsonValues(column.data)
                var next = values.makeIterator()
                for i in 0..<n {
                    let present = column.valid?[i] ?? true
                    var value: Any = present ? next.next()! : (field.defaultValue.map(Self.json) ?? NSNull())
                    if field.isDynamic {
                        let object = try JSONSerialization.jsonObject(with: Data((value as! String).utf8)) as! [String: Any]
                        for (k, v) in object { rows[done + i][k] = v }
                        continue
                    }
                    if field.type == .json { value = try JSONSerialization.jsonObject(with: Data((value as! String).utf8)) }
                    rows[done + i][field.name] = value
                }
            }
            done += n
        }
        let key = schema.primaryKey!.name
        return try JSONSerialization.data(withJSONObject: ["key": key, "rows": rows])
    }

    static func json(_ v: ScalarValue) -> Any {
        switch v {
        case .bool(let b): return b
        case .int(let i): return i
        case .double(let d): return d
        case .string(let s): return s
        }
    }

    /// One JSON value per row (JSON documents as their text).
    static func jsonValues(_ data: ColumnData) -> [Any] {
        switch data {
        case .bool(let v): return v
        case .int8(let v), .int16(let v), .int32(let v): return v.map { Int($0) }
        case .int64(let v): return v.map { Int($0) }
        case .float(let v): return v.map { Double($0) }
        case .double(let v): return v
        case .varchar(let v): return v
        case .json(let v): return v.map { String(decoding: $0, as: UTF8.self) }
        case .array(_, let rows): return rows.map { Self.jsonValues($0) }
        case .floatVector(let dim, let v): return stride(from: 0, to: v.count, by: dim).map { v[$0..<($0 + dim)].map { Double($0) } }
        case .binaryVector(let dim, let b):
            let n = dim / 8
            return stride(from: 0, to: b.count, by: n).map { ["hex": b[$0..<($0 + n)].map { String(format: "%02x", $0) }.joined()] }
        case .sparseFloatVector(let rows):
            return rows.map { Dictionary(uniqueKeysWithValues: zip($0.indices.map { String($0) }, $0.values.map { Double($0) })) }
        default: return []
        }
    }

    @Test("milvus-lite 3.2.2: sparse, BM25 text, JSON, arrays, nullable and default values, partition key and dynamic keys go in; pymilvus 3.0.2 reads back every value",
          .enabled(if: liteUp, "milvus-lite is not running (scripts/milvus-local lite up)"))
    func fieldTypesLite() throws {
        let out = try runAndReadBack(Self.liteFieldTypes, collection: "field_types_lite", environment: Self.liteEnvironment,
                                     python: CLITests.root.appendingPathComponent(".local/venv-lite/bin/python3").path, uri: "http://127.0.0.1:21530")
        #expect(out.contains("rows 600 fields 15 wrong 0 missing 0"), "\(out)")
    }

    @Test("Milvus 2.3.5: binary vectors, JSON, arrays, partition key and dynamic keys go in; pymilvus 2.3.7 reads back every value",
          .enabled(if: standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func fieldTypesStandalone() throws {
        let out = try runAndReadBack(Self.standaloneFieldTypes, collection: "field_types_standalone", environment: Self.environment,
                                     python: Self.python, uri: "http://127.0.0.1:19530")
        #expect(out.contains("rows 600 fields 7 wrong 0 missing 0"), "\(out)")
    }
}

/// scenarios/hybrid_search.yaml as shipped: it runs on milvus-lite, and Milvus 2.3.5 refuses it
/// before the first step, naming everything it lacks; float16, bfloat16 and int8 vectors are
/// refused by both servers before anything runs.
extension RunTests {
    @Test("hybrid_search.yaml runs on milvus-lite 3.2.2: dense, full-text, hybrid (rrf and weighted), range and grouping searches, JSON/array query",
          .enabled(if: liteUp, "milvus-lite is not running (scripts/milvus-local lite up)"))
    func hybridSearchScenario() throws {
        let dir = try Self.temporaryFolder()
        let r = try CLITests.run(["run", CLITests.root.appendingPathComponent("scenarios/hybrid_search.yaml").path, "--report-dir", dir.path],
                                 environment: Self.liteEnvironment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let steps = Self.steps(try Self.record(dir))
        #expect(steps.allSatisfy { $0["status"] as? String == "ok" }, "\(steps.map { "\($0["id"] ?? ""): \($0["status"] ?? "")" })")
        func metrics(_ id: String) -> [String: Double] { (steps.first { $0["id"] as? String == id }?["metrics"] as? [String: Double]) ?? [:] }
        for id in ["dense", "fulltext", "hybridRRF", "hybridWeighted", "range", "grouped", "jsonAndArray"] {
            let m = metrics(id)
            #expect(m["errors"] == 0 && (m["queries"] ?? 0) >= 200 && (m["p99"] ?? 0) > 0, "\(id): \(m)")
        }
        #expect(metrics("hybridRRF")["hitsPerQuery"] == 10 && metrics("hybridWeighted")["hitsPerQuery"] == 10)
        // The filter matches rows (web × gold tag × rating ≥ 3): the query returns its limit.
        #expect(metrics("jsonAndArray")["rowsPerQuery"] == 50, "\(metrics("jsonAndArray"))")
        let report = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("hybridRRF") && report.contains("fulltext"))
    }

    @Test("Milvus 2.3.5 refuses hybrid_search.yaml before its first step, naming each missing feature at its step (exit 2)",
          .enabled(if: standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func hybridSearchRefusedOn235() throws {
        let dir = try Self.temporaryFolder()
        let file = CLITests.root.appendingPathComponent("scenarios/hybrid_search.yaml").path
        var environment = Self.environment
        environment["MILVUS_URI"] = "http://127.0.0.1:19530"
        let r = try CLITests.run(["run", file, "--report-dir", dir.path], environment: environment)
        #expect(r.status == 2, "\(r.stdout)\n\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("run.json").path), "a step ran")
        // The pip package's server names itself v2.3.5-lite (its embedded build), not milvus-lite.
        let server = "not supported by this server (Milvus v2.3.5-lite)"
        for (line, what) in [(33, "sparseFloatVector fields"), (33, "nullable fields"), (33, "BM25 functions"),
                             (33, "several vector fields in one collection"), (74, "full-text search (Milvus 2.5+)"),
                             (81, "HybridSearch"), (90, "HybridSearch"), (107, "group-by search (Milvus 2.4+)")] {
            #expect(r.stderr.contains("\(file):\(line):5: error: \(server): \(what)"), "\(what) at line \(line):\n\(r.stderr)")
        }
        // What 2.3.5 has is not listed: JSON, arrays, the partition key, range search.
        for what in ["json fields", "array fields", "partition keys"] { #expect(!r.stderr.contains(what), "\(what):\n\(r.stderr)") }
        #expect(!r.stderr.contains(":99:5:"), "the range search was refused:\n\(r.stderr)")
    }

    static let compactVectors = """
        collection: compact_vectors
        target: {uri: "${MILVUS_URI}"}
        cleanup: always
        steps:
          - create:
              recreate: true
              fields:
                - {name: id, type: int64, primary: true}
                - {name: v, type: floatVector, dim: 8}
          - create:
              collection: half
              fields:
                - {name: id, type: int64, primary: true}
                - {name: h, type: float16Vector, dim: 8}
          - create:
              collection: brain
              fields:
                - {name: id, type: int64, primary: true}
                - {name: b, type: bfloat16Vector, dim: 8}
          - create:
              collection: small
              fields:
                - {name: id, type: int64, primary: true}
                - {name: i, type: int8Vector, dim: 8}
          - create:
              collection: sorted
              fields:
                - {name: id, type: int64, primary: true}
                - {name: day, type: int64, clusteringKey: true}
                - {name: v, type: floatVector, dim: 8}
        """

    @Test("float16, bfloat16 and int8 vectors and clustering keys are refused before the run by milvus-lite 3.2.2 and by Milvus 2.3.5 (which stores float16 rows but searches them wrongly)",
          .enabled(if: liteUp && standaloneUp, "needs milvus-lite and the standalone (scripts/milvus-local lite up; standalone up)"))
    func compactVectorsRefused() throws {
        let dir = try Self.temporaryFolder()
        let file = try Self.scenario(Self.compactVectors, in: dir)
        for (uri, server) in [("http://127.0.0.1:21530", "milvus_lite-3.2.2"), ("http://127.0.0.1:19530", "Milvus v2.3.5-lite")] {
            let v = try CLITests.run(["validate", file, "--target", uri], environment: Self.environment)
            #expect(v.status == 2, "\(v.stdout)\n\(v.stderr)")
            for (line, what) in [(10, "float16Vector fields"), (15, "bfloat16Vector fields"), (20, "int8Vector fields"), (25, "clustering keys")] {
                #expect(v.stderr.contains("\(file):\(line):5: error: not supported by this server (\(server)): \(what)"), "\(server) \(what):\n\(v.stderr)")
            }
            #expect(!v.stderr.contains(":5:5:"), "the float vector collection was refused:\n\(v.stderr)")
        }
    }
}

/// The search iterator reads every row a search can reach, page by page, on Milvus 2.3.5; on
/// milvus-lite 3.2.2, whose range search looks only among the 5 × batch nearest rows, it stops
/// early — and the run says so instead of reporting the short read as complete.
extension RunTests {
    static let iteratorScenario = """
        collection: iterator_pages
        target: {uri: "${MILVUS_URI}", metrics: "${MILVUS_METRICS}"}
        cleanup: always
        steps:
          - create:
              recreate: true
              fields:
                - {name: id, type: int64, primary: true}
                - {name: v, type: floatVector, dim: 8}
                - {name: tag, type: int64}
          - insert: {rows: 3000, generate: {tag: {cycle: [0, 1, 2]}}}
          - index: {type: FLAT, metric: L2}
          - load
          - concurrentSearch: {id: all, iterator: {batch: 200}, queries: 3, concurrency: 1, consistency: Strong}
          - concurrentSearch: {id: filtered, iterator: {batch: 128}, filter: "tag == 1", queries: 3, concurrency: 1, consistency: Strong}
          - concurrentSearch: {id: limited, iterator: {batch: 100, limit: 250}, queries: 3, concurrency: 1, consistency: Strong}
        """

    func runIterator(_ environment: [String: String]) throws -> (steps: [[String: Any]], report: String) {
        let dir = try Self.temporaryFolder()
        let r = try CLITests.run(["run", try Self.scenario(Self.iteratorScenario, in: dir), "--report-dir", dir.path], environment: environment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        return (Self.steps(try Self.record(dir)), try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8))
    }

    static func metrics(_ steps: [[String: Any]], _ id: String) -> [String: Double] {
        (steps.first { $0["id"] as? String == id }?["metrics"] as? [String: Double]) ?? [:]
    }

    @Test("iterator on Milvus 2.3.5: every row once — 3,000 in 16 pages of 200, the 1,000 a filter matches, a limit of 250",
          .enabled(if: standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func iteratorStandalone() throws {
        let (steps, report) = try runIterator(Self.environment)
        let all = Self.metrics(steps, "all"), filtered = Self.metrics(steps, "filtered"), limited = Self.metrics(steps, "limited")
        #expect(all["rowsPerQuery"] == 3000 && all["pages"] == 3 * 16 && all["errors"] == 0, "\(all)")
        #expect(filtered["rowsPerQuery"] == 1000 && filtered["pages"] == 3 * 8, "\(filtered)")
        #expect(limited["rowsPerQuery"] == 250 && limited["pages"] == 3 * 3, "\(limited)")
        #expect((all["pagesPerSecond"] ?? 0) > 0)
        #expect(!report.contains("stopped early"), "\(report)")
    }

    @Test("iterator on milvus-lite 3.2.2: a limit is read exactly; reading everything stops early and the report says so",
          .enabled(if: liteUp, "milvus-lite is not running (scripts/milvus-local lite up)"))
    func iteratorLite() throws {
        let (steps, report) = try runIterator(Self.liteEnvironment)
        #expect(Self.metrics(steps, "limited")["rowsPerQuery"] == 250, "\(Self.metrics(steps, "limited"))")
        let all = Self.metrics(steps, "all")
        #expect((all["rowsPerQuery"] ?? 0) < 3000 && all["errors"] == 0, "\(all)")
        #expect(report.contains("of the 3000 the search can reach: this server's range search stopped early"), "\(report)")
    }
}
