import Foundation

extension MilvusClient {
    /// The server's version, e.g. `v2.3.5-lite`.
    public func version() async throws -> String {
        let r = try await call("GetVersion", idempotent: true) { s, m, o in
            try await s.getVersion(Milvus_Proto_Milvus_GetVersionRequest(), metadata: m, options: o)
        }
        try Self.check(r.status, rpc: "GetVersion")
        return r.version
    }

    public func createCollection(_ name: String, schema: CollectionSchema, shards: Int = 1,
                                 consistency: ConsistencyLevel = .bounded) async throws {
        var request = Milvus_Proto_Milvus_CreateCollectionRequest()
        request.dbName = options.database
        request.collectionName = name
        request.schema = try schema.proto(name: name).serializedData()
        request.shardsNum = Int32(shards)
        request.consistencyLevel = consistency.proto
        let status = try await call("CreateCollection", idempotent: false) { [request] s, m, o in
            try await s.createCollection(request, metadata: m, options: o)
        }
        try Self.check(status, rpc: "CreateCollection")
    }

    public func hasCollection(_ name: String) async throws -> Bool {
        var request = Milvus_Proto_Milvus_HasCollectionRequest()
        request.dbName = options.database
        request.collectionName = name
        let r = try await call("HasCollection", idempotent: true) { [request] s, m, o in
            try await s.hasCollection(request, metadata: m, options: o)
        }
        try Self.check(r.status, rpc: "HasCollection")
        return r.value
    }

    public func describeCollection(_ name: String) async throws -> CollectionDescription {
        var request = Milvus_Proto_Milvus_DescribeCollectionRequest()
        request.dbName = options.database
        request.collectionName = name
        let r = try await call("DescribeCollection", idempotent: true) { [request] s, m, o in
            try await s.describeCollection(request, metadata: m, options: o)
        }
        try Self.check(r.status, rpc: "DescribeCollection")
        let schema = CollectionSchema(fields: r.schema.fields.compactMap(FieldSchema.init), description: r.schema.description_p,
                                      enableDynamicField: r.schema.enableDynamicField)
        return CollectionDescription(name: r.collectionName.isEmpty ? name : r.collectionName, id: r.collectionID,
                                     schema: schema, shards: Int(r.shardsNum), consistency: "\(r.consistencyLevel)")
    }

    /// Drops the collection; dropping one that does not exist is not an error (as on the server).
    public func dropCollection(_ name: String) async throws {
        var request = Milvus_Proto_Milvus_DropCollectionRequest()
        request.dbName = options.database
        request.collectionName = name
        let status = try await call("DropCollection", idempotent: true) { [request] s, m, o in
            try await s.dropCollection(request, metadata: m, options: o)
        }
        try Self.check(status, rpc: "DropCollection")
    }

    public func listCollections() async throws -> [String] {
        var request = Milvus_Proto_Milvus_ShowCollectionsRequest()
        request.dbName = options.database
        let r = try await call("ShowCollections", idempotent: true) { [request] s, m, o in
            try await s.showCollections(request, metadata: m, options: o)
        }
        try Self.check(r.status, rpc: "ShowCollections")
        return r.collectionNames
    }

    /// Rows in the collection, counted by the server (`count(*)`, strongly consistent) — or,
    /// on servers without `count(*)`, from the collection statistics (flushed rows only).
    public func rowCount(_ collection: String) async throws -> Int {
        var request = Milvus_Proto_Milvus_QueryRequest()
        request.dbName = options.database
        request.collectionName = collection
        request.expr = ""
        request.outputFields = ["count(*)"]
        request.consistencyLevel = .strong
        do {
            let r = try await call("Query", idempotent: true) { [request] s, m, o in
                try await s.query(request, metadata: m, options: o)
            }
            try Self.check(r.status, rpc: "Query")
            if let field = r.fieldsData.first, let count = field.scalars.longData.data.first {
                return Int(count)
            }
        } catch let error as MilvusError where error.isNotSupported || error.reasonContains("count") {
            // fall through to the statistics
        }
        return try await statisticsRowCount(collection)
    }

    /// `row_count` from GetCollectionStatistics (rows in flushed segments).
    public func statisticsRowCount(_ collection: String) async throws -> Int {
        var request = Milvus_Proto_Milvus_GetCollectionStatisticsRequest()
        request.dbName = options.database
        request.collectionName = collection
        let r = try await call("GetCollectionStatistics", idempotent: true) { [request] s, m, o in
            try await s.getCollectionStatistics(request, metadata: m, options: o)
        }
        try Self.check(r.status, rpc: "GetCollectionStatistics")
        return Int(r.stats.first { $0.key == "row_count" }?.value ?? "") ?? 0
    }
}
