import Foundation

/// An RPC some servers lack (Milvus before 2.3 has no Upsert, before 2.4 no HybridSearch;
/// milvus-lite no GetReplicas).
public enum ProbedRPC: String, Sendable, CaseIterable {
    case upsert = "Upsert"
    case delete = "Delete"
    case getReplicas = "GetReplicas"
    case hybridSearch = "HybridSearch"
}

extension MilvusClient {
    /// Whether the server implements `rpc`, asked about a collection that does not exist: a
    /// server that has the RPC answers with a server error ("collection not found"), one that
    /// lacks it with UNIMPLEMENTED. Nothing is changed either way. Throws when the server cannot
    /// be reached.
    public func implements(_ rpc: ProbedRPC) async throws -> Bool {
        let collection = "milvus_scenario_probe_\(UInt32.random(in: 0...UInt32.max))"
        do {
            switch rpc {
            case .upsert:
                let request = rowsRequest(Milvus_Proto_Milvus_UpsertRequest.self, collection, [ColumnData.int64([0]).fieldData(name: "id")], rows: 1)
                _ = try await call(rpc.rawValue, retry: .never) { s, m, o in try await s.upsert(request, metadata: m, options: o) }
            case .delete:
                var request = Milvus_Proto_Milvus_DeleteRequest()
                request.dbName = options.database
                request.collectionName = collection
                request.expr = "id in [0]"
                _ = try await call(rpc.rawValue, retry: .never) { [request] s, m, o in try await s.delete(request, metadata: m, options: o) }
            case .getReplicas:
                var request = Milvus_Proto_Milvus_GetReplicasRequest()
                request.dbName = options.database
                request.collectionName = collection
                _ = try await call(rpc.rawValue, retry: .never) { [request] s, m, o in try await s.getReplicas(request, metadata: m, options: o) }
            case .hybridSearch:
                var request = Milvus_Proto_Milvus_HybridSearchRequest()
                request.dbName = options.database
                request.collectionName = collection
                _ = try await call(rpc.rawValue, retry: .never) { [request] s, m, o in try await s.hybridSearch(request, metadata: m, options: o) }
            }
            return true
        } catch let error as MilvusError {
            if error.isNotSupported { return false }
            if case .transport = error.kind { throw error }
            if case .timedOut = error.kind { throw error }
            return true
        }
    }
}

extension MilvusClient {
    /// Creates a throwaway collection with `schema`, describes it, inserts `rows` (when given)
    /// and drops it: the server's description of what it made, or nil when it refused the schema
    /// or the rows. A server that does not know a schema feature may refuse it, or silently leave
    /// it out, or even keep an unknown type number it cannot store — so compare the description
    /// with what was asked, and give rows that use the feature. Throws when the server cannot be
    /// reached.
    ///
    /// `use`, when given, runs on the filled collection before it is dropped (index, load,
    /// search): false, or a refusal from the server, means the feature does not work.
    public func probeSchema(_ schema: CollectionSchema, rows: [Column] = [],
                            use: (@Sendable (String) async throws -> Bool)? = nil) async throws -> CollectionDescription? {
        let collection = "milvus_scenario_probe_\(UInt32.random(in: 0...UInt32.max))"
        // Only an unreachable server or a timeout is not an answer: any other error, even a
        // gRPC INTERNAL (2.3.5 answers an int8 vector that way, failing to marshal its own
        // error message), means the server refused.
        func refused(_ error: MilvusError) throws -> CollectionDescription? {
            if error.isConnectionLoss { throw error }
            if case .timedOut = error.kind { throw error }
            return nil
        }
        do {
            try await createCollection(collection, schema: schema)
        } catch let error as MilvusError {
            return try refused(error)
        }
        do {
            let description = try await describeCollection(collection)
            if !rows.isEmpty {
                do {
                    _ = try await insert(collection, columns: rows)
                    if let use, try await !use(collection) {
                        try await dropCollection(collection)
                        return nil
                    }
                } catch let error as MilvusError {
                    try await dropCollection(collection)
                    return try refused(error)
                }
            }
            try await dropCollection(collection)
            return description
        } catch {
            try? await dropCollection(collection)
            throw error
        }
    }
}
