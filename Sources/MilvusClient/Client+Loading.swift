import Foundation

/// One replica group of a loaded collection.
public struct ReplicaGroup: Sendable, Hashable {
    public var id: Int64
    /// Query nodes serving this replica.
    public var nodeIDs: [Int64]
    public var shards: [ShardReplica]

    public init(id: Int64, nodeIDs: [Int64], shards: [ShardReplica]) {
        self.id = id
        self.nodeIDs = nodeIDs
        self.shards = shards
    }
}

/// One shard (DML channel) of a replica and the nodes serving it.
public struct ShardReplica: Sendable, Hashable {
    public var channel: String
    public var leaderID: Int64
    public var leaderAddress: String
    public var nodeIDs: [Int64]
}

/// A loaded segment and the query nodes holding it.
public struct QuerySegment: Sendable, Hashable {
    public var id: Int64
    public var partitionID: Int64
    public var rows: Int
    public var memoryBytes: Int
    /// The nodes holding a copy: one per replica.
    public var nodeIDs: [Int64]
    public var state: String
    public var indexName: String
}

extension MilvusClient {
    /// Loads the collection with `replicas` replicas, waits until it is 100 % loaded and then
    /// (with `verify`) checks with GetReplicas that the server really made that many replica
    /// groups: some servers (milvus-lite) accept replicas they do not have. Without `wait` it
    /// returns as soon as the server has accepted the load (and verifies nothing).
    @discardableResult
    public func load(_ collection: String, replicas: Int = 1, wait: Bool = true, timeout: Duration = .seconds(600),
                     verify: Bool = true) async throws -> [ReplicaGroup] {
        var request = Milvus_Proto_Milvus_LoadCollectionRequest()
        request.dbName = options.database
        request.collectionName = collection
        request.replicaNumber = Int32(replicas)
        do {
            _ = try await call("LoadCollection", retry: .never) { [request] s, m, o in
                try await s.loadCollection(request, metadata: m, options: o)
            }
        } catch var error as MilvusError where error.reasonContains("nodes not enough") {
            // Say how many query nodes there are, when the server can tell.
            let queryNodes = try? await systemInfo().queryNodes.count
            error.hint = "loading \(replicas) replicas needs at least \(replicas) query nodes; "
                + (queryNodes.map { "this deployment has \($0)" } ?? "this deployment has fewer")
            throw error
        }
        guard wait else { return [] }
        try await poll("GetLoadingProgress", timeout: timeout, what: "loading \(collection)") {
            try await loadingProgress(collection) >= 100
        }
        guard verify else { return [] }
        let groups: [ReplicaGroup]
        do {
            groups = try await self.replicas(collection)
        } catch let error as MilvusError where error.isNotSupported {
            if replicas == 1 { return [] }
            throw MilvusError(rpc: "GetReplicas", kind: .notSupported,
                              reason: "cannot verify that \(replicas) replicas were loaded: this server does not implement GetReplicas",
                              hint: "this server may have accepted replicas it does not have (milvus-lite does); use a real Milvus deployment for replica tests")
        }
        guard groups.count == replicas else {
            throw MilvusError(rpc: "GetReplicas", kind: .deploymentLimit,
                              reason: "asked for \(replicas) replicas, but the server reports \(groups.count) replica group\(groups.count == 1 ? "" : "s")")
        }
        return groups
    }

    /// Loading progress in percent (0–100).
    public func loadingProgress(_ collection: String) async throws -> Int {
        var request = Milvus_Proto_Milvus_GetLoadingProgressRequest()
        request.dbName = options.database
        request.collectionName = collection
        let r = try await call("GetLoadingProgress", retry: .onTransientState) { [request] s, m, o in
            try await s.getLoadingProgress(request, metadata: m, options: o)
        }
        return Int(r.progress)
    }

    public func release(_ collection: String) async throws {
        var request = Milvus_Proto_Milvus_ReleaseCollectionRequest()
        request.dbName = options.database
        request.collectionName = collection
        _ = try await call("ReleaseCollection", retry: .onTransientState) { [request] s, m, o in
            try await s.releaseCollection(request, metadata: m, options: o)
        }
    }

    /// The replica groups of a loaded collection and the nodes of each shard.
    public func replicas(_ collection: String) async throws -> [ReplicaGroup] {
        var request = Milvus_Proto_Milvus_GetReplicasRequest()
        request.dbName = options.database
        request.collectionName = collection
        request.withShardNodes = true
        let r = try await call("GetReplicas", retry: .onTransientState) { [request] s, m, o in
            try await s.getReplicas(request, metadata: m, options: o)
        }
        return r.replicas.map { replica in
            ReplicaGroup(id: replica.replicaID, nodeIDs: replica.nodeIds, shards: replica.shardReplicas.map {
                ShardReplica(channel: $0.dmChannelName, leaderID: $0.leaderID, leaderAddress: $0.leaderAddr, nodeIDs: $0.nodeIds)
            })
        }
    }

    /// The loaded segments of a collection and the query nodes holding each.
    public func querySegments(_ collection: String) async throws -> [QuerySegment] {
        var request = Milvus_Proto_Milvus_GetQuerySegmentInfoRequest()
        request.dbName = options.database
        request.collectionName = collection
        let r = try await call("GetQuerySegmentInfo", retry: .onTransientState) { [request] s, m, o in
            try await s.getQuerySegmentInfo(request, metadata: m, options: o)
        }
        return r.infos.map {
            QuerySegment(id: $0.segmentID, partitionID: $0.partitionID, rows: Int($0.numRows), memoryBytes: Int($0.memSize),
                         nodeIDs: $0.nodeIds.isEmpty ? [$0.nodeID] : $0.nodeIds, state: "\($0.state)", indexName: $0.indexName)
        }
    }
}
