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
    /// The columns as the server sent them, decoded on demand by `values(of:)`.
    let data: [Milvus_Proto_Schema_FieldData]

    public init(rows: Int, fields: [String], count: Int?) {
        self.init(rows: rows, fields: fields, count: count, data: [])
    }

    init(rows: Int, fields: [String], count: Int?, data: [Milvus_Proto_Schema_FieldData]) {
        self.rows = rows
        self.fields = fields
        self.count = count
        self.data = data
    }

    /// Each returned row's value of `field` (`.null` for a null), nil when the server did not
    /// send the field. Dynamic keys arrive inside the `$meta` column, as JSON.
    public func values(of field: String) -> [FieldValue]? {
        data.first { $0.fieldName == field }?.fieldValues
    }
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
            if c == .session { proto.guaranteeTimestamp = SessionTimestamps.guarantee(options, request.collection) }
        } else {
            proto.useDefaultConsistency = true
        }
        let r = try await call("Query", retry: .onConnectionLoss, timeout: request.timeout) { [proto] s, m, o in
            try await s.query(proto, metadata: m, options: o)
        }
        let count = r.fieldsData.first { $0.fieldName == "count(*)" }.flatMap { $0.scalars.longData.data.first }.map(Int.init)
        return QueryResult(rows: r.fieldsData.map(\.rowCount).max() ?? 0, fields: r.fieldsData.map(\.fieldName), count: count, data: r.fieldsData)
    }
}

extension Milvus_Proto_Schema_ScalarField {
    /// Values this column holds.
    var valueCount: Int {
        switch data {
        case .boolData(let d): return d.data.count
        case .intData(let d): return d.data.count
        case .longData(let d): return d.data.count
        case .floatData(let d): return d.data.count
        case .doubleData(let d): return d.data.count
        case .stringData(let d): return d.data.count
        case .bytesData(let d): return d.data.count
        case .arrayData(let d): return d.data.count
        case .jsonData(let d): return d.data.count
        default: return 0
        }
    }

    /// Each value as text (JSON documents as their text).
    var texts: [String] {
        switch data {
        case .boolData(let d): return d.data.map { String($0) }
        case .intData(let d): return d.data.map { String($0) }
        case .longData(let d): return d.data.map { String($0) }
        case .floatData(let d): return d.data.map { String($0) }
        case .doubleData(let d): return d.data.map { String($0) }
        case .stringData(let d): return d.data
        case .jsonData(let d): return d.data.map { String(decoding: $0, as: UTF8.self) }
        case .arrayData(let d): return d.data.map { "[" + $0.texts.joined(separator: ", ") + "]" }
        default: return []
        }
    }
}

extension Milvus_Proto_Schema_FieldData {
    /// Rows this column holds (a nullable column: every row, also the null ones).
    var rowCount: Int {
        if !validData.isEmpty { return validData.count }
        switch field {
        case .scalars(let s): return s.valueCount
        case .vectors(let v):
            let dim = Int(v.dim)
            switch v.data {
            case .floatVector(let d): return dim > 0 ? d.data.count / dim : 0
            case .binaryVector(let b): return dim > 0 ? b.count * 8 / dim : 0
            case .float16Vector(let b), .bfloat16Vector(let b): return dim > 0 ? b.count / (2 * dim) : 0
            case .int8Vector(let b): return dim > 0 ? b.count / dim : 0
            case .sparseFloatVector(let s): return s.contents.count
            default: return 0
            }
        default: return 0
        }
    }

    /// A scalar column's values as text, one per row (nil for null rows).
    var cellTexts: [String?] {
        guard case .scalars(let s) = field else { return [] }
        let values = s.texts
        guard !validData.isEmpty, values.count < validData.count else { return values }
        var it = values.makeIterator()
        return validData.map { $0 ? it.next() : nil }
    }
}
