import Foundation
import Testing
@testable import MilvusClient

/// Every client call against a real Milvus 2.3.5 standalone server (scripts/milvus-local standalone up).
@Suite("Milvus standalone", .serialized, .enabled(if: TestServer.standalone.shouldTest, "Milvus standalone is not running on 127.0.0.1:19530 (scripts/milvus-local standalone up)"))
struct StandaloneTests {
    let server = TestServer.standalone

    @Test("version, health, component states and system info")
    func serverFacts() async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        #expect(try await client.version().hasPrefix("v2.3"))
        #expect(client.server?.deployMode == "STANDALONE")
        let health = try await client.checkHealth()
        #expect(health.isHealthy, "\(health.reasons)")
        let states = try await client.componentStates()
        #expect(states.first?.isHealthy == true)
        let info = try await client.systemInfo()
        #expect(info.queryNodes.count == 1)
        #expect(info.nodes.contains { $0.role == "proxy" })
        #expect(info.nodes.allSatisfy { $0.buildVersion.hasPrefix("v2.3") })
    }

    @Test("a collection's whole life: create, insert, flush, index, load, search, count, release, drop")
    func lifecycle() async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        let name = uniqueCollection("life")
        let dim = 16
        let schema = CollectionSchema(fields: [
            FieldSchema("id", .int64, isPrimaryKey: true, autoID: true),
            FieldSchema("vector", .floatVector(dim: dim)),
            FieldSchema("category", .varchar(maxLength: 100)),
            FieldSchema("n", .int32), FieldSchema("x", .double), FieldSchema("ok", .bool),
        ], description: "test")
        try await client.createCollection(name, schema: schema, shards: 2)
        #expect(try await client.hasCollection(name))
        #expect(try await client.listCollections().contains(name))
        let described = try await client.describeCollection(name)
        #expect(described.schema.fields.map(\.name) == ["id", "vector", "category", "n", "x", "ok"])
        #expect(described.schema.fields[1].type == .floatVector(dim: dim))
        #expect(described.schema.fields[2].type == .varchar(maxLength: 100))
        #expect(described.schema.primaryKey?.autoID == true)
        #expect(described.shards == 2)

        let rows = 3000
        let vectors = testVectors(rows: rows, dim: dim)
        let inserted = try await client.insert(name, columns: [
            Column("vector", .floatVector(dim: dim, values: vectors)),
            Column("category", .varchar((0..<rows).map { ["electronics", "books", "food"][$0 % 3] })),
            Column("n", .int32((0..<rows).map(Int32.init))),
            Column("x", .double((0..<rows).map(Double.init))),
            Column("ok", .bool((0..<rows).map { $0 % 2 == 0 })),
        ])
        #expect(inserted.insertedCount == rows)
        #expect(inserted.ids.count == rows)
        let timings = try await client.flushAndWait(name)
        #expect(timings.flush >= .zero)
        #expect(try await client.persistentSegments(name).reduce(0) { $0 + $1.rows } == rows)

        try await client.createIndex(name, field: "vector", IndexParameters(type: "IVF_FLAT", metric: "L2", params: ["nlist": "32"]))
        let index = try await client.waitForIndex(name, field: "vector")
        #expect(index.indexedRows == rows && index.isFinished)
        #expect(index.params["index_type"] == "IVF_FLAT")

        let groups = try await client.load(name, replicas: 1)
        #expect(groups.count == 1)
        #expect(try await client.loadingProgress(name) == 100)
        #expect(try await client.rowCount(name) == rows)
        let segments = try await client.querySegments(name)
        #expect(segments.reduce(0) { $0 + $1.rows } == rows)
        #expect(segments.allSatisfy { $0.nodeIDs.count == 1 })

        // Row 7's own vector is its nearest neighbour (distance 0).
        let probe = Array(vectors[(7 * dim)..<(8 * dim)])
        let result = try await client.search(SearchRequest(collection: name, field: "vector", vectors: [probe, probe], topK: 5,
                                                           metric: "L2", params: ["nprobe": "32"], consistency: .strong))
        #expect(result.hits.count == 2)
        #expect(result.hits.allSatisfy { $0.count == 5 })
        #expect(result.hits[0].first?.id == .int(inserted.ids[7]))
        #expect(result.hits[0].first?.score ?? 1 < 1e-4)
        let filtered = try await client.search(SearchRequest(collection: name, field: "vector", vectors: [probe], topK: 10,
                                                             metric: "L2", params: ["nprobe": "32"], filter: "category == \"books\""))
        #expect(filtered.hits[0].count == 10)

        try await client.release(name)
        try await client.dropCollection(name)
        #expect(try await !client.hasCollection(name))
    }

    @Test("Milvus 2.3.5 implements Upsert, Delete and GetReplicas but not HybridSearch (probed on a collection that does not exist)")
    func capabilities() async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        for rpc in ProbedRPC.allCases {
            #expect(try await client.implements(rpc) == (rpc != .hybridSearch), "\(rpc)")
        }
    }

    @Test("string primary keys come back as strings")
    func varcharKeys() async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        let name = uniqueCollection("strkeys")
        try await client.createCollection(name, schema: CollectionSchema(fields: [
            FieldSchema("key", .varchar(maxLength: 20), isPrimaryKey: true), FieldSchema("v", .floatVector(dim: 4)),
        ]))
        defer { Task { try? await client.dropCollection(name) } }
        _ = try await client.insert(name, columns: [
            Column("key", .varchar(["a", "b", "c"])), Column("v", .floatVector(dim: 4, values: [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])),
        ])
        _ = try await client.flushAndWait(name)
        try await client.createIndex(name, field: "v", IndexParameters(type: "FLAT", metric: "L2"))
        _ = try await client.waitForIndex(name, field: "v")
        try await client.load(name)
        let result = try await client.search(SearchRequest(collection: name, field: "v", vectors: [[1, 1, 1, 1]], topK: 1, metric: "L2", consistency: .strong))
        #expect(result.hits[0].first?.id == .string("b"))
    }

    @Test("the server's failures arrive typed, with the server's reason and a hint")
    func errorCases() async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        let name = uniqueCollection("errors")
        try await makeCollection(client, name: name, rows: 500, index: nil, replicas: nil)
        defer { Task { try? await client.dropCollection(name) } }

        // Load before an index exists.
        let noIndex = await #expect(throws: MilvusError.self) { try await client.load(name) }
        #expect(noIndex?.rpc == "LoadCollection")
        #expect(noIndex?.hint?.contains("create an index") == true, "\(String(describing: noIndex))")

        try await client.createIndex(name, field: "vector", IndexParameters(type: "FLAT", metric: "L2"))
        _ = try await client.waitForIndex(name, field: "vector")

        // Search before loading.
        let notLoaded = await #expect(throws: MilvusError.self) {
            try await client.search(SearchRequest(collection: name, field: "vector", vectors: [[Float](repeating: 0, count: 8)], metric: "L2"))
        }
        #expect(notLoaded?.hint == "load the collection before searching it", "\(String(describing: notLoaded))")

        // Two replicas on a server with one query node.
        let twoReplicas = await #expect(throws: MilvusError.self) { try await client.load(name, replicas: 2) }
        #expect(twoReplicas?.reasonContains("nodes not enough") == true)
        #expect(twoReplicas?.hint == "loading 2 replicas needs at least 2 query nodes; this deployment has 1", "\(String(describing: twoReplicas))")

        try await client.load(name)
        // Wrong dimension.
        let wrongDim = await #expect(throws: MilvusError.self) {
            try await client.search(SearchRequest(collection: name, field: "vector", vectors: [[1, 2, 3]], metric: "L2"))
        }
        #expect(wrongDim?.hint == "the vectors' dimension does not match the field's dim", "\(String(describing: wrongDim))")
        // topK out of range.
        let topK = await #expect(throws: MilvusError.self) {
            try await client.search(SearchRequest(collection: name, field: "vector", vectors: [[Float](repeating: 0, count: 8)], topK: 20000, metric: "L2"))
        }
        #expect(topK?.hint == "topK must be between 1 and 16384", "\(String(describing: topK))")
        if case .server(_, let code)? = topK?.kind { #expect(code != 0) } else { Issue.record("expected a server error, got \(String(describing: topK))") }

        // Missing collections: false, and dropping is a no-op, as the server does.
        #expect(try await !client.hasCollection("no_such_collection_here"))
        try await client.dropCollection("no_such_collection_here")
        let missing = await #expect(throws: MilvusError.self) { try await client.describeCollection("no_such_collection_here") }
        #expect(missing?.hint?.contains("does not exist") == true, "\(String(describing: missing))")
    }

    @Test("searches over their own HTTP/2 connections find what grpc-swift finds, from any thread, pinned or not")
    func directTransportMatchesGRPC() async throws {
        var options = try ConnectionOptions(uri: server.uri)
        options.searchTransport = .grpc
        let viaGRPC = try await MilvusClient.connect(options)
        let direct = try await server.connect()
        defer { Task { await viaGRPC.close(); await direct.close() } }
        #expect(viaGRPC.loadExecutors.isEmpty)
        #expect(!direct.loadExecutors.isEmpty)
        let name = uniqueCollection("direct")
        try await makeCollection(direct, name: name, rows: 1000)
        defer { Task { try? await direct.dropCollection(name) } }
        let requests = (0..<20).map { i in
            SearchRequest(collection: name, field: "vector", vectors: [Array(testVectors(rows: 1, dim: 8, seed: 40 + i))], topK: 7,
                          metric: "L2", params: ["nprobe": "16"], outputFields: ["tag"], filter: "id >= 10")
        }
        for request in requests {
            let a = try await viaGRPC.search(request).hits, b = try await direct.search(request).hits
            #expect(a == b)
            #expect(b.first?.count == 7)
            #expect(b.first?.allSatisfy { if case .int(let id) = $0.id { return id >= 10 } else { return false } } == true)
            let prepared = try direct.prepare(request)
            #expect(try await direct.searchHitCount(prepared) == 7)
        }
        // Pinned to each connection's event loop, and from the global executor: the same answers.
        let expected = try await direct.search(requests[0]).hits
        let prepared = try direct.prepare(requests[0])
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                let executor: EventLoopTaskExecutor? = worker % 2 == 0 ? direct.loadExecutors[worker / 2 % direct.loadExecutors.count] : nil
                group.addTask(executorPreference: executor) {
                    var bad = 0
                    for _ in 0..<50 where (try? await direct.search(prepared).hits) != expected { bad += 1 }
                    return bad
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        #expect(direct.statistics.connectionsOpened == 1)
        #expect(direct.statistics.searchConnectionsOpened <= direct.loadExecutors.count)
    }

    @Test("a deadline is enforced on every call")
    func deadline() async throws {
        let client = try await MilvusClient.connect(ConnectionOptions(uri: server.uri))
        defer { Task { await client.close() } }
        let error = await #expect(throws: MilvusError.self) {
            try await client.search(SearchRequest(collection: "anything", field: "v", vectors: [[0]], timeout: .microseconds(1)))
        }
        #expect(error?.kind == .transport("deadlineExceeded"), "\(String(describing: error))")
    }

    @Test("large inserts are split under the 64 MiB request limit; responses over 4 MiB arrive")
    func messageSizes() async throws {
        let client = try await server.connect(timeout: .seconds(120))
        defer { Task { await client.close() } }
        let name = uniqueCollection("sizes")
        let dim = 128, rows = 110_000  // 56 MB of vectors: more than one request
        try await client.createCollection(name, schema: CollectionSchema(fields: [
            FieldSchema("id", .int64, isPrimaryKey: true, autoID: true), FieldSchema("vector", .floatVector(dim: dim)),
        ]))
        defer { Task { try? await client.dropCollection(name) } }
        let inserted = try await client.insert(name, columns: [Column("vector", .floatVector(dim: dim, values: testVectors(rows: rows, dim: dim)))])
        #expect(inserted.insertedCount == rows)
        #expect(inserted.requests == 2)
        _ = try await client.flushAndWait(name)
        try await client.createIndex(name, field: "vector", IndexParameters(type: "IVF_FLAT", metric: "L2", params: ["nlist": "64"]))
        _ = try await client.waitForIndex(name, field: "vector")
        try await client.load(name)
        #expect(try await client.rowCount(name) == rows)
        // 20 queries × 16384 hits ≈ 4 MB of ids and scores: over gRPC's 4 MiB default.
        let queries = (0..<20).map { i in Array(testVectors(rows: 1, dim: dim, seed: 100 + i)) }
        let result = try await client.search(SearchRequest(collection: name, field: "vector", vectors: queries, topK: 16384,
                                                           metric: "L2", params: ["nprobe": "64"]))
        #expect(result.count == 20 * 16384)
    }

    /// The server PINGs after nearly every request; without the responder the connection dies
    /// after ~200 calls. Here one client makes 30,000 searches on one connection.
    @Test("sustained load on one connection: 10,000 sequential and 20,000 at concurrency 20")
    func sustainedLoad() async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        let name = uniqueCollection("sustained")
        try await makeCollection(client, name: name, rows: 2000)
        defer { Task { try? await client.dropCollection(name) } }
        let request = SearchRequest(collection: name, field: "vector", vectors: [Array(testVectors(rows: 1, dim: 8, seed: 5))],
                                    topK: 10, metric: "L2", params: ["nprobe": "8"])
        var sequentialErrors = 0
        for _ in 0..<10_000 {
            do { _ = try await client.search(request) } catch { sequentialErrors += 1 }
        }
        let concurrentErrors = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    var errors = 0
                    for _ in 0..<1000 {
                        do { _ = try await client.search(request) } catch { errors += 1 }
                    }
                    return errors
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(sequentialErrors == 0)
        #expect(concurrentErrors == 0)
        #expect(client.statistics.connectionsOpened == 1, "the client reconnected")
        // Searches have their own connections (one per event loop at most, none lost).
        #expect((1...client.loadExecutors.count).contains(client.statistics.searchConnectionsOpened), "\(client.statistics.searchConnectionsOpened) search connections")
        #expect(client.statistics.pingsAnswered > 200, "the server sent only \(client.statistics.pingsAnswered) PINGs; the test did not exercise the limit")
        print("sustained load: 30000 searches, 0 errors, \(client.statistics.connectionsOpened) connection, \(client.statistics.pingsAnswered) server PINGs answered")
    }
}

/// Failures that need no server.
@Suite("client without a server")
struct OfflineClientTests {
    @Test("an unreachable server gives a clear error")
    func unreachable() async throws {
        let error = await #expect(throws: MilvusError.self) {
            _ = try await MilvusClient.connect(ConnectionOptions(uri: "http://127.0.0.1:1", timeout: .seconds(5), maxAttempts: 1))
        }
        #expect(error?.kind == .transport("unavailable"), "\(String(describing: error))")
        #expect(error?.hint?.contains("cannot reach Milvus at http://127.0.0.1:1") == true)
    }

    @Test("URIs", arguments: [
        ("http://127.0.0.1:19530", "127.0.0.1", 19530, false), ("https://milvus.example.com", "milvus.example.com", 19530, true),
        ("https://milvus.example.com:443", "milvus.example.com", 443, true), ("http://[::1]:19530", "::1", 19530, false),
    ])
    func uris(uri: String, host: String, port: Int, tls: Bool) throws {
        let o = try ConnectionOptions(uri: uri)
        #expect(o.host == host && o.port == port && o.useTLS == tls)
    }

    @Test("bad URIs are refused", arguments: ["localhost:19530", "grpc://x:1", "http://", ""])
    func badURIs(uri: String) {
        #expect(throws: MilvusError.self) { try ConnectionOptions(uri: uri) }
    }

    @Test("credentials become pymilvus's authorization header and never print")
    func credentials() {
        let c = ConnectionOptions.Credentials.userPassword(user: "root", password: "Milvus")
        #expect(c.authorization == Data("root:Milvus".utf8).base64EncodedString())
        #expect(!"\(c)".contains("Milvus"))
        #expect(!"\(ConnectionOptions.Credentials.token("abc"))".contains("abc"))
    }

    @Test("index parameters are JSON with numbers as numbers")
    func jsonParameters() {
        #expect(JSONParameters.encode(["nlist": "128", "M": "16", "level": "high", "flag": "true"]) == #"{"M":16,"flag":true,"level":"high","nlist":128}"#)
    }

    @Test("search results are split per query")
    func searchResultSplit() {
        var data = Milvus_Proto_Schema_SearchResultData()
        data.numQueries = 2
        data.topks = [2, 1]
        data.scores = [0.1, 0.2, 0.3]
        data.ids.intID.data = [7, 8, 9]
        let result = MilvusClient.result(data)
        #expect(result.hits.map { $0.map(\.id) } == [[.int(7), .int(8)], [.int(9)]])
    }

    @Test("column slices keep rows together")
    func columnSlices() {
        let v = ColumnData.floatVector(dim: 2, values: [0, 1, 2, 3, 4, 5])
        #expect(v.count == 3)
        if case .floatVector(_, let values) = v.rows(1..<3) { #expect(values == [2, 3, 4, 5]) } else { Issue.record("wrong case") }
    }
}
