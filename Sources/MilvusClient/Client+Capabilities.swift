import Foundation

/// An RPC some servers lack (Milvus before 2.3 has no Upsert; milvus-lite no GetReplicas).
public enum ProbedRPC: String, Sendable, CaseIterable {
    case upsert = "Upsert"
    case delete = "Delete"
    case getReplicas = "GetReplicas"
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
