/// The values of one column for an insert.
public enum ColumnData: Sendable {
    case bool([Bool])
    case int8([Int32])
    case int16([Int32])
    case int32([Int32])
    case int64([Int64])
    case float([Float])
    case double([Double])
    case varchar([String])
    /// `count × dim` floats, row after row.
    case floatVector(dim: Int, values: [Float])

    /// Number of rows.
    public var count: Int {
        switch self {
        case .bool(let v): return v.count
        case .int8(let v), .int16(let v), .int32(let v): return v.count
        case .int64(let v): return v.count
        case .float(let v): return v.count
        case .double(let v): return v.count
        case .varchar(let v): return v.count
        case .floatVector(let dim, let v): return dim > 0 ? v.count / dim : 0
        }
    }

    /// Bytes these rows take on the wire (close enough to split requests under the server's limit).
    var encodedSize: Int {
        switch self {
        case .bool(let v): return v.count
        case .int8(let v), .int16(let v), .int32(let v): return v.count * 5
        case .int64(let v): return v.count * 10
        case .float(let v): return v.count * 4
        case .double(let v): return v.count * 8
        case .varchar(let v): return v.reduce(0) { $0 + $1.utf8.count + 3 }
        case .floatVector(_, let v): return v.count * 4
        }
    }

    func rows(_ range: Range<Int>) -> ColumnData {
        switch self {
        case .bool(let v): return .bool(Array(v[range]))
        case .int8(let v): return .int8(Array(v[range]))
        case .int16(let v): return .int16(Array(v[range]))
        case .int32(let v): return .int32(Array(v[range]))
        case .int64(let v): return .int64(Array(v[range]))
        case .float(let v): return .float(Array(v[range]))
        case .double(let v): return .double(Array(v[range]))
        case .varchar(let v): return .varchar(Array(v[range]))
        case .floatVector(let dim, let v): return .floatVector(dim: dim, values: Array(v[(range.lowerBound * dim)..<(range.upperBound * dim)]))
        }
    }

    func fieldData(name: String) -> Milvus_Proto_Schema_FieldData {
        var f = Milvus_Proto_Schema_FieldData()
        f.fieldName = name
        switch self {
        case .bool(let v): f.type = .bool; f.scalars.boolData.data = v
        case .int8(let v): f.type = .int8; f.scalars.intData.data = v
        case .int16(let v): f.type = .int16; f.scalars.intData.data = v
        case .int32(let v): f.type = .int32; f.scalars.intData.data = v
        case .int64(let v): f.type = .int64; f.scalars.longData.data = v
        case .float(let v): f.type = .float; f.scalars.floatData.data = v
        case .double(let v): f.type = .double; f.scalars.doubleData.data = v
        case .varchar(let v): f.type = .varChar; f.scalars.stringData.data = v
        case .floatVector(let dim, let v):
            f.type = .floatVector
            f.vectors.dim = Int64(dim)
            f.vectors.floatVector.data = v
        }
        return f
    }
}

/// One named column for `insert`.
public struct Column: Sendable {
    public var name: String
    public var data: ColumnData

    public init(_ name: String, _ data: ColumnData) {
        self.name = name
        self.data = data
    }
}

/// What an insert did.
public struct InsertResult: Sendable {
    /// Rows the server acknowledged.
    public var insertedCount: Int
    /// Insert requests sent (more than one when the rows exceeded the request size limit).
    public var requests: Int
    /// The primary keys Milvus assigned or received, when they are integers.
    public var ids: [Int64]
}

/// A primary key from a search hit.
public enum PrimaryKey: Sendable, Hashable, CustomStringConvertible {
    case int(Int64)
    case string(String)

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .string(let s): return s
        }
    }
}
