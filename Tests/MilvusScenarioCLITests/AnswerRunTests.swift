import Foundation
import TestSupport
import Testing

/// `verify` and recall on the live rows against the real standalone server: first the answers
/// after inserts, an upsert and deletes must all be right; then pymilvus changes rows behind the
/// tool's back and exactly those rows must be reported wrong — so the checks can fail.
extension RunTests {
    static func answersScenario(_ name: String, tamper: String) -> String {
        """
        collection: \(name)
        target: {uri: "${MILVUS_URI}", metrics: "${MILVUS_METRICS}", timeout: 30s}
        cleanup: always
        steps:
          - create:
              recreate: true
              fields:
                - {name: id, type: int64, primary: true}
                - {name: category, type: varchar, maxLength: 16}
                - {name: price, type: int64}
                - {name: embedding, type: floatVector, dim: 32}
          - insert: {rows: 20000, batch: 5000, generate: {id: {sequence: 0}, category: {cycle: [books, music, film, games]}, price: {sequence: 0}}}
          - index: {type: FLAT, metric: L2}
          - load
          # Rows 0-999 become sale items with new vectors; 1,000-5,999 and 19,000 on are deleted.
          - upsert: {rows: 1000, batch: 500, generate: {id: {sequence: 0}, category: {constant: sale}, price: {sequence: 100000}, embedding: {uniform: [0, 1], seed: 99}}}
          - delete: {firstId: 1000, rows: 5000, batch: 1000}
          - delete: {filter: "id >= 19000"}
          - query: {id: checkA, filter: "price < 9000 or category == 'sale'", outputFields: [id, category, price], limit: 16384, consistency: Strong, queries: 3, concurrency: 1, verify: {queries: 2}}
          - query: {id: countA, filter: "price < 9000 or category == 'sale'", outputFields: ["count(*)"], consistency: Strong, queries: 3, concurrency: 1, verify: {queries: 2}}
          - concurrentSearch: {id: searchA, queries: 50, concurrency: 2, topK: 10, consistency: Strong, outputFields: [category, price], recall: {queries: 50}}
          # Behind the tool's back.
          - watch:
              id: tamper
              duration: 8s
              interval: 1s
              recount: 0s
              background: {rate: 10/s, topK: 10, consistency: Strong, outputFields: [category, price], recall: {queries: 20}}
              faults: [{at: 0s, run: [\(tamper)], name: tamper}]
          - query: {id: checkC, filter: "price < 9000 or category == 'sale'", outputFields: [id, category, price], limit: 16384, consistency: Strong, queries: 3, concurrency: 1, verify: {queries: 2}}
          - query: {id: countC, filter: "price < 9000 or category == 'sale'", outputFields: ["count(*)"], consistency: Strong, queries: 3, concurrency: 1, verify: {queries: 2}}
          - concurrentSearch: {id: searchC, queries: 50, concurrency: 2, topK: 10, consistency: Strong, outputFields: [category, price], recall: {queries: 50}}
        thresholds:
          - checkA.wrongRows == 0
          - checkA.missingRows == 0
          - checkA.wrongValues == 0
          - searchA.resurrectedRows == 0
          - checkC.missingRows == 0
          - checkC.wrongValues == 0
        """
    }

    /// Deletes keys 7000-7002, rewrites the category and price of 8000-8004 and the category of
    /// 9000-9999 (vectors kept), gives rows 6000-6999 new vectors, puts key 500 (upserted by the
    /// scenario) back to its inserted category and price, and adds key 50000 — with pymilvus
    /// 2.3.7, outside the tool. Keys 500 and 50000 get vectors far from every query, so no search
    /// meets them.
    static func tamperScript(_ name: String, port: Int) -> String {
        """
        import random
        from pymilvus import connections, Collection
        connections.connect(host="127.0.0.1", port="\(port)")
        c = Collection("\(name)")
        c.delete("id in [7000, 7001, 7002]")
        rows = sorted(c.query("id >= 8000 and id <= 8004", output_fields=["id", "embedding"], consistency_level="Strong"), key=lambda r: r["id"])
        c.upsert([[r["id"] for r in rows], ["tampered"] * len(rows), [-1] * len(rows), [[float(x) for x in r["embedding"]] for r in rows]])
        rows = sorted(c.query("id >= 9000 and id < 10000", output_fields=["id", "price", "embedding"], consistency_level="Strong", limit=16384), key=lambda r: r["id"])
        c.upsert([[r["id"] for r in rows], ["relabeled"] * len(rows), [r["price"] for r in rows], [[float(x) for x in r["embedding"]] for r in rows]])
        rows = sorted(c.query("id >= 6000 and id < 7000", output_fields=["id", "category", "price"], consistency_level="Strong", limit=16384), key=lambda r: r["id"])
        rng = random.Random(5)
        c.upsert([[r["id"] for r in rows], [r["category"] for r in rows], [r["price"] for r in rows], [[rng.random() for _ in range(32)] for _ in rows]])
        c.upsert([[500], ["books"], [500], [[100.0] * 32]])
        c.insert([[50000], ["ghost"], [999999], [[100.0] * 32]])
        print("tampered", len(rows))
        """
    }

    @Test("answers: after inserts, an upsert and deletes every checked answer is right and recall over the live rows is exact (FLAT); rows pymilvus changes behind the tool's back are reported by key",
          .enabled(if: standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func answersBehindTheBack() throws {
        try behindTheBack(environment: Self.environment, port: 19530)
    }

    @Test("… and the same on the cluster (3 query nodes, the proxy in front)",
          .enabled(if: TrafficRunTests.clusterUp, "needs the local cluster (scripts/milvus-local cluster up)"))
    func answersBehindTheBackOnCluster() throws {
        try behindTheBack(environment: TrafficRunTests.environment, port: 20530)
    }

    func behindTheBack(environment: [String: String], port: Int) throws {
        let dir = try Self.temporaryFolder()
        let name = "answers_check"
        let script = dir.appendingPathComponent("tamper.py")
        try Self.tamperScript(name, port: port).write(to: script, atomically: true, encoding: .utf8)
        let r = try CLITests.run(["run", try Self.scenario(Self.answersScenario(name, tamper: "\"\(Self.python)\", \"\(script.path)\""), in: dir),
                                  "--report-dir", dir.path], environment: environment)
        // The run fails on the two thresholds that forbid wrong answers after the tampering.
        #expect(r.status == 1, "\(r.stdout)\n\(r.stderr)")
        let steps = Self.steps(try Self.record(dir))
        func step(_ id: String) -> [String: Any] { steps.first { $0["id"] as? String == id } ?? [:] }
        func metrics(_ id: String) -> [String: Double] { (step(id)["metrics"] as? [String: Double]) ?? [:] }
        func examples(_ id: String) -> [[String: Any]] {
            let details = step(id)["details"] as? [String: Any] ?? step(id)
            return ((details["answers"] as? [String: Any])?["examples"] as? [[String: Any]]) ?? []
        }

        // Before: 4,000 rows match (0-999 on sale, 6,000-8,999), every value as written.
        let a = metrics("checkA")
        #expect(a["verify.queries"] == 2 && a["wrongRows"] == 0 && a["missingRows"] == 0 && a["extraRows"] == 0 && a["wrongValues"] == 0, "\(a)")
        #expect(metrics("checkA")["rowsPerQuery"] == 4000, "\(a)")
        let countA = metrics("countA")
        #expect(countA["missingRows"] == 0 && countA["extraRows"] == 0 && countA["rowsPerQuery"] == 4000, "\(countA)")
        // FLAT is exact: over the live rows (upserted vectors, deleted rows gone) recall is 1.
        let sa = metrics("searchA")
        #expect(sa["recall"] == 1 && sa["recall.min"] == 1 && sa["resurrectedRows"] == 0, "\(sa)")
        // Every hit's score is the L2 distance the tool computes, its category and price the row's.
        #expect(sa["wrongHits"] == 0, "\(sa)")

        // After: exactly the deleted keys are missing, exactly the rewritten values are wrong.
        let c = metrics("checkC")
        #expect(c["missingRows"] == 6 && c["wrongValues"] == 24 && c["wrongRows"] == 0 && c["extraRows"] == 0, "\(c)")
        let missing = Set(examples("checkC").filter { $0["kind"] as? String == "missingRows" }.compactMap { $0["key"] as? String })
        #expect(missing == ["7000", "7001", "7002"], "\(examples("checkC"))")
        let wrong = examples("checkC").filter { $0["kind"] as? String == "wrongValues" }
        #expect(!wrong.isEmpty && wrong.allSatisfy { (["500", "8000", "8001", "8002", "8003", "8004"] as Set).contains($0["key"] as? String ?? "") }, "\(wrong)")
        #expect(wrong.contains { $0["field"] as? String == "category" && $0["got"] as? String == "\"tampered\"" }, "\(wrong)")
        let countC = metrics("countC")
        #expect(countC["missingRows"] == 6 && countC["rowsPerQuery"] == 3997, "\(countC)")
        // The hits on rows with new vectors are wrong answers, named by key.
        let sc = metrics("searchC")
        #expect((sc["resurrectedRows"] ?? 0) > 0 && (sc["recall"] ?? 1) < 1, "\(sc)")
        let recall = (step("searchC")["details"] as? [String: Any] ?? step("searchC"))["recall"] as? [String: Any] ?? [:]
        let examplesC = (recall["examples"] as? [[String: Any]]) ?? []
        let resurrectedKeys = examplesC.filter { $0["kind"] as? String == "resurrectedRows" }.compactMap { ($0["key"] as? String).flatMap(Int.init) }
        #expect(!resurrectedKeys.isEmpty && resurrectedKeys.allSatisfy { (6000..<7000).contains($0) }, "\(recall)")
        // Hits on the relabelled rows carry the server's new category: wrong values, by key.
        #expect((sc["wrongHits"] ?? 0) > 0, "\(sc)")
        let relabeled = examplesC.filter { $0["kind"] as? String == "wrongValues" }
        #expect(relabeled.allSatisfy { ($0["key"] as? String).flatMap(Int.init).map { (9000..<10000).contains($0) } == true && $0["got"] as? String == "\"relabeled\"" }, "\(relabeled)")
        // The watch read every row back by key: 14,000 known, 3 gone, 1 never written, 1 upsert
        // undone, 2,005 rows rewritten (6000-6999, 8000-8004, 9000-9999).
        let audit = metrics("tamper")
        #expect(audit["audit.rows"] == 13998 && audit["audit.lost"] == 3 && audit["audit.back"] == 1 && audit["audit.upsertsLost"] == 1
                    && audit["audit.wrongValues"] == 2005 && audit["audit.wrong"] == 2010, "\(audit)")
        // The background searches' hits, checked at every check: once pymilvus had rewritten
        // rows, hits on them carried other scores or categories than the rows the tool knows.
        #expect((audit["background.hitsChecked"] ?? 0) > 0 && (audit["background.wrongHits"] ?? 0) > 0, "\(audit)")
        // Recall at the checks: once the vectors were rewritten behind its back, the tool's exact
        // neighbours (the rows as written) are not what the server finds.
        #expect((audit["recall.lowest"] ?? 1) < 1, "\(audit)")
        let backgroundExamples = ((step("tamper")["watch"] as? [String: Any])?["answers"] as? [String: Any])?["examples"] as? [[String: Any]] ?? []
        #expect(!backgroundExamples.isEmpty && backgroundExamples.allSatisfy { e in
            let key = (e["key"] as? String).flatMap(Int.init) ?? -1
            return (6000..<7000).contains(key) || (8000...8004).contains(key) || (9000..<10000).contains(key)
        }, "\(backgroundExamples)")
        let auditExamples = ((step("tamper")["watch"] as? [String: Any])?["audit"] as? [String: Any])?["examples"] as? [[String: Any]] ?? []
        func keys(_ kind: String) -> Set<String> { Set(auditExamples.filter { $0["kind"] as? String == kind }.compactMap { $0["key"] as? String }) }
        #expect(keys("lostRows") == ["7000", "7001", "7002"] && keys("rowsBack") == ["50000"] && keys("upsertsLost") == ["500"], "\(auditExamples)")
        #expect(auditExamples.contains { $0["kind"] as? String == "upsertsLost" && $0["field"] as? String == "category" && $0["expected"] as? String == "\"sale\"" && $0["got"] as? String == "\"books\"" },
                "\(auditExamples)")
        #expect(r.stdout.contains("checkC.missingRows == 0") || r.stderr.contains("checkC.missingRows"), "\(r.stdout)")
        let report = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("7000") && report.contains("tampered"), "the report names the wrong rows")
        #expect(report.contains("Rows after the watch, key by key") && report.contains("50000"), "the report has the watch's audit")
    }
}

extension RunTests {
    @Test("streaming_recall.yaml: recall after a deleted and an upserted window and at every checkpoint while rows stream in, no wrong answer",
          .enabled(if: standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func streamingRecall() throws {
        let dir = try Self.temporaryFolder()
        let r = try CLITests.run(["run", "scenarios/streaming_recall.yaml", "--report-dir", dir.path], environment: Self.environment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let steps = Self.steps(try Self.record(dir))
        func flat(_ s: [[String: Any]]) -> [[String: Any]] {
            s.flatMap { [$0] + flat(($0["parallel"] as? [[String: Any]]) ?? []) }
        }
        let all = flat(steps)
        let search = try #require(all.first { $0["id"] as? String == "search" })
        let m = search["metrics"] as? [String: Double] ?? [:]
        #expect((m["recall.checkpoints"] ?? 0) >= 4 && m["resurrectedRows"] == 0, "\(m)")
        // The checkpoints saw the streamed rows: each over more rows than the one before.
        let points = ((search["recall"] as? [String: Any])?["checkpoints"] as? [[String: Any]]) ?? []
        let rows = points.compactMap { $0["rows"] as? Int }
        #expect(rows.count >= 4 && zip(rows, rows.dropFirst()).allSatisfy { $0 < $1 } && rows.first! > 15000, "\(rows)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("recall_search.svg").path))
    }

    @Test("a watch's writes are followed key by key: afterwards every acknowledged row is found with its values",
          .enabled(if: standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func watchWritesShadowed() throws {
        try watchWrites(environment: Self.environment)
    }

    @Test("… and the same on milvus-lite 3.2.2 (no metrics endpoint: the checks say so, the answers are still checked)",
          .enabled(if: liteUp, "milvus-lite is not running (scripts/milvus-local lite up)"))
    func watchWritesShadowedLite() throws {
        try watchWrites(environment: Self.liteEnvironment)
    }

    func watchWrites(environment: [String: String]) throws {
        let dir = try Self.temporaryFolder()
        let text = """
        collection: watch_writes_shadow
        target: {uri: "${MILVUS_URI}", metrics: "${MILVUS_METRICS}"}
        cleanup: always
        steps:
          - create:
              recreate: true
              fields:
                - {name: id, type: int64, primary: true}
                - {name: price, type: int64}
                - {name: embedding, type: floatVector, dim: 8}
          - insert: {rows: 1000, generate: {id: {sequence: 0}, price: {sequence: 0}}}
          - index: {type: FLAT, metric: L2}
          - load
          - watch: {duration: 4s, interval: 1s, writes: {rate: 10/s, batch: 50}, background: {rate: 10/s, topK: 10, consistency: Strong, outputFields: [price], recall: {queries: 10}}, recount: 0s}
          - query: {id: written, filter: "id >= 1000", outputFields: [id, price, embedding], limit: 16384, consistency: Strong, queries: 1, concurrency: 1, verify: {queries: 1}}
          - query: {id: counted, outputFields: ["count(*)"], consistency: Strong, queries: 1, concurrency: 1, verify: {queries: 1}}
        thresholds:
          - written.missingRows == 0
          - written.extraRows == 0
          - written.wrongValues == 0
          - counted.missingRows == 0
          - counted.extraRows == 0
        """
        let r = try CLITests.run(["run", try Self.scenario(text, in: dir), "--report-dir", dir.path], environment: environment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let steps = Self.steps(try Self.record(dir))
        let written = (steps.first { $0["id"] as? String == "written" }?["metrics"] as? [String: Double]) ?? [:]
        // About 40 batches of 50 went in during the watch, every one of them checked.
        #expect((written["rowsPerQuery"] ?? 0) >= 1000 && written["verify.queries"] == 1, "\(written)")
        // Read back by key after the watch: every row there, as written.
        let watch = (steps.first { $0["kind"] as? String == "watch" }?["metrics"] as? [String: Double]) ?? [:]
        #expect((watch["audit.rows"] ?? 0) >= 2000 && watch["audit.wrong"] == 0 && watch["audit.indeterminateNotStored"] == 0, "\(watch)")
        // The background searches met rows as they streamed in: every hit checked was right.
        #expect((watch["background.hitsChecked"] ?? 0) > 0 && watch["background.wrongHits"] == 0, "\(watch)")
        // Recall at every check, each over the rows acknowledged by then (FLAT, Strong: 1 here, but a
        // growing segment's interim index may cost a little).
        let points = ((steps.first { $0["kind"] as? String == "watch" }?["watch"] as? [String: Any])?["recall"] as? [[String: Any]]) ?? []
        let rows = points.compactMap { $0["rows"] as? Int }
        #expect(points.count >= 2 && zip(rows, rows.dropFirst()).allSatisfy { $0 < $1 } && (watch["recall.lowest"] ?? 0) >= 0.95, "\(watch) \(points)")
    }
}

extension RunTests {
    static let filterFormsScenario = """
        collection: verify_forms
        vars:
          arith: price % 7 == 0
          sources: meta["source"] in ["mail", "chat"]
        target: {uri: "${MILVUS_URI}", metrics: "${MILVUS_METRICS}"}
        cleanup: always
        steps:
          - create:
              recreate: true
              dynamicFields: true
              fields:
                - {name: id, type: int64, primary: true}
                - {name: price, type: int64}
                - {name: name, type: varchar, maxLength: 32}
                - {name: meta, type: json}
                - {name: tags, type: array, elementType: varchar, maxCapacity: 4, maxLength: 16}
                - {name: nums, type: array, elementType: int64, maxCapacity: 4}
                - {name: embedding, type: floatVector, dim: 8}
          - insert:
              rows: 3000
              batch: 1000
              generate:
                id: {sequence: 0}
                price: {sequence: 0}
                name: {choice: [alpha, beta, gamma]}
                meta:
                  json:
                    source: {choice: [web, mail, chat]}
                    stats.views: {sequence: 0}
                tags: {choice: [red, green, blue, gold], length: [1, 4]}
                nums: {sequence: 0, length: [1, 4]}
              dynamic:
                extra: {choice: [1, 2, 3]}
          - index: {type: FLAT, metric: L2}
          - load
          - query: {id: jsonPath, filter: "meta[\\"stats\\"][\\"views\\"] < 500 and meta[\\"source\\"] == \\"web\\"", outputFields: [id, meta], limit: 16384, consistency: Strong, queries: 1, concurrency: 1, verify: {queries: 1}}
          - query: {id: jsonContains, filter: "json_contains(tags, \\"red\\")", outputFields: [id, tags], limit: 16384, consistency: Strong, queries: 1, concurrency: 1, verify: {queries: 1}}
          - query: {id: arrayContains, filter: "array_contains_any(tags, [\\"gold\\", \\"blue\\"]) and price < 1000", outputFields: [id, tags, nums], limit: 16384, consistency: Strong, queries: 1, concurrency: 1, verify: {queries: 1}}
          - query: {id: arrayLength, filter: "array_length(nums) == 2", outputFields: [id, nums], limit: 16384, consistency: Strong, queries: 1, concurrency: 1, verify: {queries: 1}}
          - query: {id: arithmetic, filter: "${arith}", outputFields: [id, price, name], limit: 16384, consistency: Strong, queries: 1, concurrency: 1, verify: {queries: 1}}
          - query: {id: likePrefix, filter: "name like \\"al%\\"", outputFields: [id, name], limit: 16384, consistency: Strong, queries: 1, concurrency: 1, verify: {queries: 1}}
          - query: {id: dynamicKey, filter: "extra == 2", outputFields: [id, extra], limit: 16384, consistency: Strong, queries: 1, concurrency: 1, verify: {queries: 1}}
          - query: {id: countJson, filter: "${sources}", outputFields: ["count(*)"], consistency: Strong, queries: 1, concurrency: 1, verify: {queries: 1}}
        """

    @Test("verify evaluates JSON paths, json_contains, array_contains_any, array_length, arithmetic, like and dynamic keys as Milvus 2.3.5 does",
          .enabled(if: standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func filterForms() throws {
        try filterForms(environment: Self.environment)
    }

    @Test("… and as milvus-lite 3.2.2 does (its parser takes other arithmetic, and no JSON path before 'in')",
          .enabled(if: liteUp, "milvus-lite is not running (scripts/milvus-local lite up)"))
    func filterFormsLite() throws {
        var environment = Self.environment
        environment["MILVUS_URI"] = "http://127.0.0.1:21530"
        environment["MILVUS_METRICS"] = "http://127.0.0.1:\(try Self.freePort())"
        try filterForms(environment: environment, vars: ["arith=price * 2 + 1 < 901", "sources=meta[\"source\"] == \"mail\" or meta[\"source\"] == \"chat\""])
    }

    func filterForms(environment: [String: String], vars: [String] = []) throws {
        let dir = try Self.temporaryFolder()
        let r = try CLITests.run(["run", try Self.scenario(Self.filterFormsScenario, in: dir), "--report-dir", dir.path] + vars.flatMap { ["--var", $0] },
                                 environment: environment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let steps = Self.steps(try Self.record(dir)).filter { $0["kind"] as? String == "query" }
        #expect(steps.count == 8)
        for step in steps {
            let m = step["metrics"] as? [String: Double] ?? [:]
            // Each filter picks some rows, not none and not all, and every answer is right.
            #expect(m["verify.queries"] == 1 && (m["rowsPerQuery"] ?? 0) > 0 && (m["rowsPerQuery"] ?? 0) < 3000, "\(step["id"] ?? ""): \(m)")
            #expect(m["wrongRows"] == 0 && m["missingRows"] == 0 && m["extraRows"] == 0 && m["wrongValues"] == 0, "\(step["id"] ?? ""): \(m)")
        }
    }
}

extension RunTests {
    @Test("Session reads see the run's own writes at once: verified queries right after inserts find every row, none stale; freshness never over the bound",
          .enabled(if: standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func sessionSeesOwnWrites() throws {
        let dir = try Self.temporaryFolder()
        let text = """
        collection: session_reads
        target: {uri: "${MILVUS_URI}", metrics: "${MILVUS_METRICS}"}
        cleanup: always
        steps:
          - create:
              recreate: true
              consistency: Session
              fields:
                - {name: id, type: int64, primary: true}
                - {name: price, type: int64}
                - {name: embedding, type: floatVector, dim: 8}
          - index: {type: FLAT, metric: L2}
          - load
          - insert: {id: first, rows: 3000, batch: 100, generate: {id: {sequence: 0}, price: {sequence: 0}}, freshness: 100ms}
          - query: {id: counted, outputFields: ["count(*)"], consistency: Session, queries: 1, concurrency: 1, verify: {queries: 3}}
          - insert: {id: more, rows: 500, batch: 100, generate: {id: {sequence: 3000}, price: {sequence: 3000}}}
          - query: {id: fresh, filter: "id >= 3000", outputFields: [id, price], limit: 16384, consistency: Session, queries: 1, concurrency: 1, verify: {queries: 3}}
        thresholds:
          - counted.missingRows == 0
          - fresh.missingRows == 0
          - first.freshness.overBound == 0
        """
        let r = try CLITests.run(["run", try Self.scenario(text, in: dir), "--report-dir", dir.path], environment: Self.environment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let steps = Self.steps(try Self.record(dir))
        func metrics(_ id: String) -> [String: Double] { (steps.first { $0["id"] as? String == id }?["metrics"] as? [String: Double]) ?? [:] }
        // Session allows no staleness for the run's own writes: every difference would be wrong.
        for id in ["counted", "fresh"] {
            let m = metrics(id)
            #expect(m["verify.queries"] == 3 && m["missingRows"] == 0 && m["staleRows"] == 0 && m["extraRows"] == 0, "\(id): \(m)")
        }
        #expect(metrics("fresh")["rowsPerQuery"] == 500, "\(metrics("fresh"))")
        let first = metrics("first")
        #expect((first["freshness.samples"] ?? 0) > 0 && first["freshness.overBound"] == 0, "\(first)")
    }
}

extension RunTests {
    /// Makes the query vectors (numpy), then — after the run — reads every row back with pymilvus,
    /// checks the keys are exactly those the steps left, computes the exact 10 nearest squared L2
    /// distances of the first 10 query vectors with numpy and compares them with the ground truth
    /// the tool recorded (`recall.truthSample`); drops the collection.
    static let groundTruthScript = """
        import json, sys
        import numpy as np
        mode, folder = sys.argv[1], sys.argv[2]
        if mode == "queries":
            np.save(folder + "/queries.npy", np.random.default_rng(17).random((20, 32), dtype=np.float32))
            sys.exit(0)
        from pymilvus import connections, Collection, utility
        connections.connect(host="127.0.0.1", port=sys.argv[3])
        c = Collection("gt_crosscheck")
        rows = c.query("id >= 0", output_fields=["id", "embedding"], consistency_level="Strong", limit=16384)
        keys = sorted(r["id"] for r in rows)
        expected = list(range(0, 1000)) + list(range(2000, 5000))
        vectors = np.array([r["embedding"] for r in rows], dtype=np.float64)
        queries = np.load(folder + "/queries.npy").astype(np.float64)
        record = json.load(open(folder + "/run.json"))
        search = next(s for s in record["steps"] if s["id"] == "search")
        truth = search["recall"]["truthSample"]
        worst = 0.0
        for q, t in zip(queries, truth):
            d = np.sort(((vectors - q) ** 2).sum(axis=1))[:10]
            worst = max(worst, float(np.max(np.abs(d - np.array(t)) / np.maximum(1e-6, d))))
        utility.drop_collection("gt_crosscheck")
        print(json.dumps({"keys": keys == expected, "rows": len(keys), "queries": len(truth), "worst": worst}))
        """

    @Test("recall's exact neighbours after an upsert and a delete are numpy's, over the rows pymilvus reads back",
          .enabled(if: standaloneUp, "Milvus standalone is not running (scripts/milvus-local standalone up)"))
    func groundTruthAgainstNumpy() throws {
        let dir = try Self.temporaryFolder()
        let script = dir.appendingPathComponent("crosscheck.py")
        try Self.groundTruthScript.write(to: script, atomically: true, encoding: .utf8)
        let made = try ChildProcess.run(URL(fileURLWithPath: Self.python), [script.path, "queries", dir.path], in: dir)
        #expect(made.status == 0, "\(made.output)")
        let text = """
        collection: gt_crosscheck
        target: {uri: "${MILVUS_URI}", metrics: "${MILVUS_METRICS}"}
        steps:
          - create:
              recreate: true
              fields:
                - {name: id, type: int64, primary: true}
                - {name: embedding, type: floatVector, dim: 32}
          - insert: {rows: 5000, batch: 1000, generate: {id: {sequence: 0}}}
          - index: {type: FLAT, metric: L2}
          - load
          - upsert: {rows: 1000, batch: 500, generate: {id: {sequence: 0}, embedding: {uniform: [0, 1], seed: 7}}}
          - delete: {firstId: 1000, rows: 1000, batch: 500}
          - concurrentSearch: {id: search, queries: 20, concurrency: 1, topK: 10, consistency: Strong, vectors: {file: queries.npy}, recall: {queries: 20}}
        """
        let r = try CLITests.run(["run", try Self.scenario(text, in: dir), "--report-dir", dir.path], environment: Self.environment)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let check = try ChildProcess.run(URL(fileURLWithPath: Self.python), [script.path, "check", dir.path, "19530"], in: dir)
        #expect(check.status == 0, "\(check.output)")
        let line = check.output.split(separator: "\n").last.map(String.init) ?? ""
        let result = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
        // The rows are those the steps left; the tool's exact distances are numpy's (float32 sums).
        #expect(result["keys"] as? Bool == true && result["rows"] as? Int == 4000 && result["queries"] as? Int == 10, "\(result)")
        #expect(((result["worst"] as? Double) ?? 1) < 1e-4, "\(result)")
    }
}
