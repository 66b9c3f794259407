import Foundation

/// A scalar query: the rows matching a filter, with the fields asked for.
public struct QueryRequest: Sendable {
    public var collection: String
    /// A boolean expression, e.g. `category == "books" and price < 10`; empty matches every row
    /// (the server then needs a `limit`).
    public var filter: String
    public var outputFields: [String]
    /// At most this many rows; nil lets the server decide (it requires one with an empty filter).
    public var limit: Int?
    public var offset: Int?
    /// nil uses the collection's default consistency level.
    public var consistency: ConsistencyLevel?
    /// Deadline of this query; nil uses the connection's.
    public var timeout: Duration?

    public init(collection: String, filter: String, outputFields: [String] = [], limit: Int? = nil, offset: Int? = nil,
                consistency: ConsistencyLevel? = nil, timeout: Duration? = nil) {
        self.collection = collection
        self.filter = filter
        self.outputFields = outputFields
        self.limit = limit
        self.offset = offset
        self.consistency = consistency
        self.timeout = timeout
    }
}

/// What a query returned.
public struct QueryResult: Sendable {
    /// Rows returned.
    public var rows: Int
    /// The fields the server sent back, by name.
    public var fields: [String]
    /// The answer of a `count(*)` query.
    public var count: Int?
}

extension MilvusClient {
    public func query(_ request: QueryRequest) async throws -> QueryResult {
        var proto = Milvus_Proto_Milvus_QueryRequest()
        proto.dbName = options.database
        proto.collectionName = request.collection
        proto.expr = request.filter
        proto.outputFields = request.outputFields
        var params: [Milvus_Proto_Common_KeyValuePair] = []
        if let limit = request.limit { params.append(.init(key: "limit", value: String(limit))) }
        if let offset = request.offset { params.append(.init(key: "offset", value: String(offset))) }
        proto.queryParams = params
        if let c = request.consistency {
            proto.consistencyLevel = c.proto
        } else {
            proto.useDefaultConsistency = true
        }
        let r = try await call("Query", retry: .onConnectionLoss, timeout: request.timeout) { [proto] s, m, o in
            try await s.query(proto, metadata: m, options: o)
        }
        let count = r.fieldsData.first { $0.fieldName == "count(*)" }.flatMap { $0.scalars.longData.data.first }.map(Int.init)
        return QueryResult(rows: r.fieldsData.map(\.rowCount).max() ?? 0, fields: r.fieldsData.map(\.fieldName), count: count)
    }
}

extension Milvus_Proto_Schema_FieldData {
    /// Rows this column holds.
    var rowCount: Int {
        switch field {
        case .scalars(let s):
            switch s.data {
            case .boolData(let d): return d.data.count
            case .intData(let d): return d.data.count
            case .longData(let d): return d.data.count
            case .floatData(let d): return d.data.count
            case .doubleData(let d): return d.data.count
            case .stringData(let d): return d.data.count
            default: return 0
            }
        case .vectors(let v):
            switch v.data {
            case .floatVector(let d): return v.dim > 0 ? d.data.count / Int(v.dim) : 0
            default: return 0
            }
        default: return 0
        }
    }
}
