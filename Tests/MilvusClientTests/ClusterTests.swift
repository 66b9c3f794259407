import Foundation
import Testing
@testable import MilvusClient

/// Replicas on a real 3-query-node cluster (scripts/milvus-local cluster up).
@Suite("Milvus cluster with 3 query nodes", .serialized, .enabled(if: TestServer.cluster.shouldTest, "the local cluster is not running on 127.0.0.1:20530 (scripts/milvus-local cluster up)"))
struct ClusterTests {
    let server = TestServer.cluster

    @Test("the cluster reports three query nodes and a distributed deployment")
    func topology() async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        #expect(client.server?.deployMode == "DISTRIBUTED")
        #expect(try await client.systemInfo().queryNodes.count == 3)
    }

    @Test("loading 2 and 3 replicas makes that many groups, each segment on that many nodes", arguments: [2, 3])
    func replicas(count: Int) async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        let name = uniqueCollection("replicas\(count)")
        try await makeCollection(client, name: name, rows: 3000, replicas: nil)
        defer { Task { try? await client.dropCollection(name) } }
        let groups = try await client.load(name, replicas: count)
        #expect(groups.count == count)
        #expect(try await client.replicas(name).count == count)
        // Every replica group lives on its own query nodes.
        let nodes = groups.map { Set($0.nodeIDs) }
        for i in nodes.indices { for j in nodes.indices where i < j { #expect(nodes[i].isDisjoint(with: nodes[j])) } }
        let segments = try await client.querySegments(name)
        #expect(!segments.isEmpty)
        for segment in segments { #expect(Set(segment.nodeIDs).count == count, "segment \(segment.id) is on \(segment.nodeIDs)") }
        let result = try await client.search(SearchRequest(collection: name, field: "vector", vectors: [testVectors(rows: 1, dim: 8)], topK: 3, metric: "L2", params: ["nprobe": "16"]))
        #expect(result.hits[0].count == 3)

        // Changing the replica count of a loaded collection is refused until it is released.
        let other = count == 2 ? 3 : 2
        let change = await #expect(throws: MilvusError.self) { try await client.load(name, replicas: other) }
        #expect(change?.hint == "release the collection before loading it with another replica count", "\(String(describing: change))")
        try await client.release(name)
    }

    @Test("more replicas than query nodes: the error says how many nodes there are")
    func tooManyReplicas() async throws {
        let client = try await server.connect()
        defer { Task { await client.close() } }
        let name = uniqueCollection("toomany")
        try await makeCollection(client, name: name, rows: 500, replicas: nil)
        defer { Task { try? await client.dropCollection(name) } }
        let error = await #expect(throws: MilvusError.self) { try await client.load(name, replicas: 4) }
        #expect(error?.hint == "loading 4 replicas needs at least 4 query nodes; this deployment has 3", "\(String(describing: error))")
    }

    @Test("searches go on while one query node is killed (2 replicas loaded)")
    func searchDuringNodeFailure() async throws {
        let client = try await server.connect(timeout: .seconds(10))
        defer { Task { await client.close() } }
        let name = uniqueCollection("failover")
        try await makeCollection(client, name: name, rows: 3000, replicas: 2)
        defer { Task { try? await client.dropCollection(name) } }
        let request = SearchRequest(collection: name, field: "vector", vectors: [testVectors(rows: 1, dim: 8)], topK: 5, metric: "L2", params: ["nprobe": "16"])
        _ = try await client.search(request)

        let killed = try TestServer.milvusLocal(["cluster", "kill", "querynode", "3"])
        #expect(killed.status == 0, "\(killed.output)")
        defer { _ = try? TestServer.milvusLocal(["cluster", "start", "querynode", "3"]) }
        var succeeded = 0, failed = 0
        let clock = ContinuousClock()
        let end = clock.now + .seconds(20)
        while clock.now < end {
            do { _ = try await client.search(request); succeeded += 1 } catch { failed += 1 }
            try await Task.sleep(for: .milliseconds(50))
        }
        print("while querynode3 was down: \(succeeded) searches succeeded, \(failed) failed")
        #expect(succeeded > 0)
        #expect(succeeded > failed, "most searches should succeed with a replica left")
    }
}
