import Foundation

extension MilvusClient {
    /// The server's version, e.g. `v2.3.5-lite`.
    public func version() async throws -> String {
        let r = try await call("GetVersion", retry: .onTransientState) { s, m, o in
            try await s.getVersion(Milvus_Proto_Milvus_GetVersionRequest(), metadata: m, options: o)
        }
        return r.version
    }

    public func createCollection(_ name: String, schema: CollectionSchema, shards: Int = 1,
                                 consistency: ConsistencyLevel = .bounded, partitions: Int? = nil) async throws {
        var request = Milvus_Proto_Milvus_CreateCollectionRequest()
        if let partitions { request.numPartitions = Int64(partitions) }
        request.dbName = options.database
        request.collectionName = name
        request.schema = try schema.proto(name: name).serializedData()
        request.shardsNum = Int32(shards)
        request.consistencyLevel = consistency.proto
        _ = try await call("CreateCollection", retry: .never) { [request] s, m, o in
            try await s.createCollection(request, metadata: m, options: o)
        }
    }

    public func hasCollection(_ name: String) async throws -> Bool {
        var request = Milvus_Proto_Milvus_HasCollectionRequest()
        request.dbName = options.database
        request.collectionName = name
        let r = try await call("HasCollection", retry: .onTransientState) { [request] s, m, o in
            try await s.hasCollection(request, metadata: m, options: o)
        }
        return r.value
    }

    public func describeCollection(_ name: String) async throws -> CollectionDescription {
        var request = Milvus_Proto_Milvus_DescribeCollectionRequest()
        request.dbName = options.database
        request.collectionName = name
        let r = try await call("DescribeCollection", retry: .onTransientState) { [request] s, m, o in
            try await s.describeCollection(request, metadata: m, options: o)
        }
        let schema = CollectionSchema(fields: r.schema.fields.compactMap(FieldSchema.init), description: r.schema.description_p,
                                      enableDynamicField: r.schema.enableDynamicField,
                                      functions: r.schema.functions.compactMap(CollectionFunction.init))
        return CollectionDescription(name: r.collectionName.isEmpty ? name : r.collectionName, id: r.collectionID,
                                     schema: schema, shards: Int(r.shardsNum), consistency: "\(r.consistencyLevel)")
    }

    /// Drops the collection; dropping one that does not exist is not an error (as on the server).
    public func dropCollection(_ name: String) async throws {
        var request = Milvus_Proto_Milvus_DropCollectionRequest()
        request.dbName = options.database
        request.collectionName = name
        _ = try await call("DropCollection", retry: .onTransientState) { [request] s, m, o in
            try await s.dropCollection(request, metadata: m, options: o)
        }
    }

    public func listCollections() async throws -> [String] {
        var request = Milvus_Proto_Milvus_ShowCollectionsRequest()
        request.dbName = options.database
        let r = try await call("ShowCollections", retry: .onTransientState) { [request] s, m, o in
            try await s.showCollections(request, metadata: m, options: o)
        }
        return r.collectionNames
    }

    /// Rows in the collection, counted by the server with `count(*)` at strong consistency —
    /// or, on servers without `count(*)`, from the collection statistics (flushed rows only).
    public func rowCount(_ collection: String) async throws -> Int {
        do {
            return try await countAll(collection)
        } catch let error as MilvusError where error.isNotSupported || error.reasonContains("count") {
            guard let rows = try await statisticsRowCount(collection) else {
                throw MilvusError(rpc: "GetCollectionStatistics", kind: .verificationFailed,
                                  reason: "the server cannot count(*) (\(error.reason)) and its statistics have no row_count")
            }
            return rows
        }
    }

    /// `count(*)` at strong consistency: every row inserted before the call, as the loaded
    /// replica the proxy picked sees it. Throws when the server answers without a count.
    public func countAll(_ collection: String) async throws -> Int {
        var request = Milvus_Proto_Milvus_QueryRequest()
        request.dbName = options.database
        request.collectionName = collection
        request.expr = ""
        request.outputFields = ["count(*)"]
        request.consistencyLevel = .strong
        let r = try await call("Query", retry: .onConnectionLoss) { [request] s, m, o in
            try await s.query(request, metadata: m, options: o)
        }
        guard let field = r.fieldsData.first, let count = field.scalars.longData.data.first else {
            throw MilvusError(rpc: "Query", kind: .verificationFailed, reason: "count(*) answered without a count")
        }
        return Int(count)
    }

    /// `row_count` from GetCollectionStatistics (rows in flushed segments, as the data
    /// coordinator knows them — not what the query nodes serve); nil when the server gave none:
    /// a missing value is unknown, not zero.
    public func statisticsRowCount(_ collection: String) async throws -> Int? {
        var request = Milvus_Proto_Milvus_GetCollectionStatisticsRequest()
        request.dbName = options.database
        request.collectionName = collection
        let r = try await call("GetCollectionStatistics", retry: .onTransientState) { [request] s, m, o in
            try await s.getCollectionStatistics(request, metadata: m, options: o)
        }
        return r.stats.first { $0.key == "row_count" }.flatMap { Int($0.value) }
    }
}
