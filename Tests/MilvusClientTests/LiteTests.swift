import Foundation
import Testing
@testable import MilvusClient

/// milvus-lite 3.2.2 implements part of the API: what it has works, the rest says so, and a
/// replica count it silently accepts is caught by the GetReplicas verification.
@Suite("milvus-lite", .serialized, .enabled(if: TestServer.lite.shouldTest, "milvus-lite is not running on 127.0.0.1:21530 (scripts/milvus-local lite up)"))
struct LiteTests {
    let server = TestServer.lite

    @Test("supported calls work")
    func supported() async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        let name = uniqueCollection("lite")
        try await makeCollection(client, name: name, rows: 300, index: IndexParameters(type: "FLAT", metric: "L2"), replicas: 1)
        defer { Task { try? await client.dropCollection(name) } }
        #expect(try await client.hasCollection(name))
        #expect(try await client.rowCount(name) == 300)
        let result = try await client.search(SearchRequest(collection: name, field: "vector", vectors: [testVectors(rows: 1, dim: 8)], topK: 3, metric: "L2"))
        #expect(result.hits[0].count == 3)
        #expect(result.hits[0].first?.id == .int(0))
    }

    @Test("unsupported calls say 'not supported by this server'")
    func unsupported() async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        let name = uniqueCollection("liteunsup")
        try await makeCollection(client, name: name, rows: 100, index: IndexParameters(type: "FLAT", metric: "L2"), replicas: 1)
        defer { Task { try? await client.dropCollection(name) } }
        let calls: [(String, @Sendable () async throws -> Void)] = [
            ("GetReplicas", { _ = try await client.replicas(name) }),
            ("GetQuerySegmentInfo", { _ = try await client.querySegments(name) }),
            ("GetMetrics", { _ = try await client.systemInfo() }),
            ("GetComponentStates", { _ = try await client.componentStates() }),
        ]
        for (rpc, call) in calls {
            let error = await #expect(throws: MilvusError.self) { try await call() }
            #expect(error?.isNotSupported == true, "\(rpc): \(String(describing: error))")
            #expect(error?.description.contains("not supported by this server") == true)
        }
    }

    @Test("milvus-lite 3.2.2 implements Upsert and Delete but not GetReplicas")
    func capabilities() async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        let upsert = try await client.implements(.upsert), delete = try await client.implements(.delete)
        let replicas = try await client.implements(.getReplicas)
        #expect(upsert && delete && !replicas)
    }

    @Test("two replicas are accepted by milvus-lite but caught by the verification")
    func replicaVerification() async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        let name = uniqueCollection("litereplicas")
        try await makeCollection(client, name: name, rows: 100, index: IndexParameters(type: "FLAT", metric: "L2"), replicas: nil)
        defer { Task { try? await client.dropCollection(name) } }
        let error = await #expect(throws: MilvusError.self) { try await client.load(name, replicas: 2) }
        #expect(error?.rpc == "GetReplicas")
        #expect(error?.reason.contains("cannot verify that 2 replicas were loaded") == true, "\(String(describing: error))")
    }
}

/// Today's search kinds on milvus-lite 3.2.2: full text through a BM25 function, hybrid search,
/// range and grouping search — checked for what they mean, not only that they answer.
extension LiteTests {
    /// A collection of 300 short documents: a dense 4-d vector, a text body whose BM25 function
    /// fills `sparse`, a tenant (1–5) and a nullable rating; loaded.
    func makeDocuments(_ client: MilvusClient, _ name: String) async throws {
        try await client.createCollection(name, schema: CollectionSchema(fields: [
            FieldSchema("id", .int64, isPrimaryKey: true),
            FieldSchema("dense", .floatVector(dim: 4)),
            FieldSchema("body", .varchar(maxLength: 200), analyzer: #"{"type":"standard"}"#),
            FieldSchema("sparse", .sparseFloatVector, isFunctionOutput: true),
            FieldSchema("tenant", .int64),
            FieldSchema("rating", .int32, nullable: true),
        ], functions: [CollectionFunction(name: "bm25", kind: .bm25, inputs: ["body"], outputs: ["sparse"])]), partitions: nil)
        let rows = 300
        let words = ["alpha", "beta", "gamma", "delta", "omega"]
        let ratings = (0..<rows).filter { $0 % 4 != 0 }.map { Int32($0 % 5) }
        _ = try await client.insert(name, columns: [
            Column("id", .int64((0..<rows).map(Int64.init))),
            Column("dense", .floatVector(dim: 4, values: testVectors(rows: rows, dim: 4))),
            Column("body", .varchar((0..<rows).map { "\(words[$0 % 5]) \(words[($0 / 5) % 5]) document" })),
            Column("tenant", .int64((0..<rows).map { Int64($0 % 5 + 1) })),
            Column("rating", .int32(ratings), valid: (0..<rows).map { $0 % 4 != 0 }),
        ])
        _ = try await client.flushAndWait(name)
        try await client.createIndex(name, field: "dense", IndexParameters(type: "FLAT", metric: "COSINE"))
        try await client.createIndex(name, field: "sparse", IndexParameters(type: "SPARSE_INVERTED_INDEX", metric: "BM25"))
        try await client.load(name, replicas: 1)
    }

    @Test("full-text, hybrid, range and group-by searches return what they promise")
    func todaysSearches() async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        let name = uniqueCollection("litedocs")
        try await makeDocuments(client, name)
        defer { Task { try? await client.dropCollection(name) } }
        #expect(try await client.rowCount(name) == 300)
        // The schema comes back with the function, the analyzer and the nullable field.
        let schema = try await client.describeCollection(name).schema
        #expect(schema.functions == [CollectionFunction(name: "bm25", kind: .bm25, inputs: ["body"], outputs: ["sparse"])])
        #expect(schema.fields.first { $0.name == "rating" }?.nullable == true)
        #expect(schema.fields.first { $0.name == "body" }?.analyzer != nil)
        #expect(schema.fields.first { $0.name == "sparse" }?.isFunctionOutput == true)

        // Full text: only documents containing "omega" score; every hit's body has it.
        let text = try await client.search(SearchRequest(collection: name, field: "sparse", input: .text(["omega"]), topK: 20,
                                                         consistency: .strong, outputFields: ["body"]))
        #expect(text.hits[0].count == 20)
        let ids = text.hits[0].map { $0.id.description }.joined(separator: ",")
        let omega = try await client.query(QueryRequest(collection: name, filter: "id in [\(ids)] and body like \"%omega%\"",
                                                        outputFields: ["count(*)"], consistency: .strong))
        #expect(omega.count == 20)
        // BM25 relevance, best first (milvus-lite 3.2.2 reports it negated: -1.46 before -1.02).
        let relevance = text.hits[0].map { abs($0.score) }
        #expect(relevance.allSatisfy { $0 > 0 } && relevance == relevance.sorted(by: >), "\(text.hits[0].map(\.score))")

        // Range: every score (COSINE, larger is closer) within (0.9, 0.99].
        let query = Array(testVectors(rows: 1, dim: 4, seed: 9))
        let ranged = try await client.search(SearchRequest(collection: name, field: "dense", input: .float([query]), topK: 100,
                                                           consistency: .strong, radius: 0.9, rangeFilter: 0.99))
        #expect(!ranged.hits[0].isEmpty)
        #expect(ranged.hits[0].allSatisfy { $0.score > 0.9 && $0.score <= 0.99 + 1e-6 }, "\(ranged.hits[0].map(\.score))")
        let unranged = try await client.search(SearchRequest(collection: name, field: "dense", input: .float([query]), topK: 100, consistency: .strong))
        #expect(unranged.hits[0].contains { $0.score > 0.99 || $0.score <= 0.9 }, "the range left nothing out")

        // Group by tenant: 3 groups of at most 2 hits, each hit carrying its tenant.
        let grouped = try await client.search(SearchRequest(collection: name, field: "dense", input: .float([query]), topK: 3,
                                                            consistency: .strong, groupBy: GroupBy(field: "tenant", size: 2)))
        let groups = Dictionary(grouping: grouped.hits[0], by: { $0.group ?? "none" })
        #expect(groups.count == 3, "\(grouped.hits[0])")
        #expect(groups.values.allSatisfy { $0.count <= 2 })
        #expect(!groups.keys.contains("none"))

        // Hybrid: dense and full text fused by RRF, 5 hits; each RRF score is at most 2/(k+1).
        let dense = SearchRequest(collection: name, field: "dense", input: .float([query]), topK: 20)
        let full = SearchRequest(collection: name, field: "sparse", input: .text(["omega"]), topK: 20)
        for ranker in [Ranker.rrf(k: 60), .weighted([0.8, 0.2])] {
            let fused = try await client.hybridSearch(HybridSearchRequest(collection: name, searches: [dense, full], ranker: ranker, limit: 5,
                                                                          consistency: .strong))
            #expect(fused.hits.count == 1)
            #expect(fused.hits[0].count == 5, "\(ranker): \(fused.hits)")
            if case .rrf = ranker { #expect(fused.hits[0].allSatisfy { $0.score <= 2.0 / 61 + 1e-6 }, "\(fused.hits[0].map(\.score))") }
        }

        // The nullable column: a quarter of the rows are null.
        let nulls = try await client.query(QueryRequest(collection: name, filter: "rating is null", outputFields: ["count(*)"], consistency: .strong))
        #expect(nulls.count == 75)
    }

    @Test("milvus-lite implements HybridSearch, keeps sparse vectors and BM25 functions, refuses float16, bfloat16, int8 and binary vectors")
    func schemaProbes() async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        #expect(try await client.implements(.hybridSearch))
        func accepts(_ type: FieldType) async throws -> Bool {
            let made = try await client.probeSchema(CollectionSchema(fields: [FieldSchema("id", .int64, isPrimaryKey: true), FieldSchema("p", type)]))
            return made?.schema.fields.first { $0.name == "p" }?.type == type
        }
        #expect(try await accepts(.sparseFloatVector))
        for type in [FieldType.float16Vector(dim: 8), .bfloat16Vector(dim: 8), .int8Vector(dim: 8), .binaryVector(dim: 16)] {
            #expect(try await !accepts(type), "\(type)")
        }
    }
}
