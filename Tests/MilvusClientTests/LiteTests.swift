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
