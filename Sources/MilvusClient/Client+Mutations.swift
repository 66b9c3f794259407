import Foundation

/// Which write an `insert`-shaped request is: the same columns go to `Insert` or `Upsert`.
public enum RowWrite: String, Sendable {
    case insert = "Insert"
    /// Rows whose primary key exists replace the stored row; the others are inserted.
    case upsert = "Upsert"
}

extension MilvusClient {
    /// The server refuses requests over 64 MiB (`proxy.grpc.serverMaxRecvSize`); stay well under.
    public static let maxInsertRequestBytes = 48 * 1024 * 1024

    /// Inserts the columns, split into as many requests as needed to stay under the server's
    /// request size limit. All columns must have the same number of rows.
    public func insert(_ collection: String, columns: [Column]) async throws -> InsertResult {
        try await write(.insert, collection, columns: columns)
    }

    /// Upserts the columns (the primary key must be among them; `autoId` collections refuse
    /// upserts on Milvus 2.3), split like `insert`. `insertedCount` counts the rows upserted.
    public func upsert(_ collection: String, columns: [Column]) async throws -> InsertResult {
        try await write(.upsert, collection, columns: columns)
    }

    /// Sends the columns as `Insert` or `Upsert` requests under the size limit.
    public func write(_ kind: RowWrite, _ collection: String, columns: [Column], timeout: Duration? = nil) async throws -> InsertResult {
        let rpc = kind.rawValue
        let rows = columns.first?.count ?? 0
        guard columns.allSatisfy({ $0.count == rows }) else {
            let counts = columns.map { "\($0.name): \($0.count)" }.joined(separator: ", ")
            throw MilvusError(rpc: rpc, kind: .invalidArgument, reason: "columns have different row counts (\(counts))")
        }
        guard rows > 0 else { return InsertResult(insertedCount: 0, requests: 0, ids: []) }
        let bytes = columns.reduce(0) { $0 + $1.data.encodedSize }
        let rowsPerRequest = max(1, Int(Double(Self.maxInsertRequestBytes) / (Double(bytes) / Double(rows)) * 0.9))
        var result = InsertResult(insertedCount: 0, requests: 0, ids: [])
        var start = 0
        while start < rows {
            let end = min(rows, start + rowsPerRequest)
            let whole = start == 0 && end == rows
            let fields = columns.map { (whole ? $0 : $0.rows(start..<end)).fieldData }
            let r: Milvus_Proto_Milvus_MutationResult
            switch kind {
            case .insert:
                let request = rowsRequest(Milvus_Proto_Milvus_InsertRequest.self, collection, fields, rows: end - start)
                r = try await call(rpc, retry: .never, timeout: timeout) { s, m, o in try await s.insert(request, metadata: m, options: o) }
                result.insertedCount += Int(r.insertCnt)
            case .upsert:
                let request = rowsRequest(Milvus_Proto_Milvus_UpsertRequest.self, collection, fields, rows: end - start)
                r = try await call(rpc, retry: .never, timeout: timeout) { s, m, o in try await s.upsert(request, metadata: m, options: o) }
                // 2.3.5 reports upserted rows in upsert_cnt; some servers only in insert_cnt.
                result.insertedCount += Int(r.upsertCnt != 0 ? r.upsertCnt : r.insertCnt)
            }
            result.requests += 1
            SessionTimestamps.wrote(r.timestamp, options, collection)
            result.ids += r.ids.intID.data
            start = end
        }
        return result
    }

    /// An Insert or Upsert request: the same fields under two message types.
    func rowsRequest<R: RowsRequest>(_ type: R.Type, _ collection: String, _ fields: [Milvus_Proto_Schema_FieldData], rows: Int) -> R {
        var request = R()
        request.dbName = options.database
        request.collectionName = collection
        request.numRows = UInt32(rows)
        request.fieldsData = fields
        return request
    }

    /// Deletes the rows matching a boolean expression (`id in [1, 2]`, `tag == "old"`; Milvus
    /// 2.3 accepts only primary-key expressions, later versions any filter). Returns the rows the
    /// server counted as deleted.
    public func delete(_ collection: String, filter: String, timeout: Duration? = nil) async throws -> Int {
        var request = Milvus_Proto_Milvus_DeleteRequest()
        request.dbName = options.database
        request.collectionName = collection
        request.expr = filter
        let r = try await call("Delete", retry: .never, timeout: timeout) { [request] s, m, o in
            try await s.delete(request, metadata: m, options: o)
        }
        SessionTimestamps.wrote(r.timestamp, options, collection)
        return Int(r.deleteCnt)
    }
}

/// The fields InsertRequest and UpsertRequest share (the generated types have them already).
protocol RowsRequest: Sendable {
    init()
    var dbName: String { get set }
    var collectionName: String { get set }
    var numRows: UInt32 { get set }
    var fieldsData: [Milvus_Proto_Schema_FieldData] { get set }
}

extension Milvus_Proto_Milvus_InsertRequest: RowsRequest {}
extension Milvus_Proto_Milvus_UpsertRequest: RowsRequest {}
