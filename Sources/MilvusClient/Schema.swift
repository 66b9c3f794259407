/// The type of one field of a collection.
public enum FieldType: Sendable, Hashable, CustomStringConvertible {
    case bool, int8, int16, int32, int64, float, double
    case varchar(maxLength: Int)
    case floatVector(dim: Int)

    public var description: String {
        switch self {
        case .bool: return "bool"
        case .int8: return "int8"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .float: return "float"
        case .double: return "double"
        case .varchar(let n): return "varchar(\(n))"
        case .floatVector(let dim): return "floatVector(\(dim))"
        }
    }

    var dataType: Milvus_Proto_Schema_DataType {
        switch self {
        case .bool: return .bool
        case .int8: return .int8
        case .int16: return .int16
        case .int32: return .int32
        case .int64: return .int64
        case .float: return .float
        case .double: return .double
        case .varchar: return .varChar
        case .floatVector: return .floatVector
        }
    }

    var isVector: Bool {
        if case .floatVector = self { return true }
        return false
    }
}

/// One field of a collection schema.
public struct FieldSchema: Sendable, Hashable {
    public var name: String
    public var type: FieldType
    public var isPrimaryKey: Bool
    /// Milvus assigns the primary keys; inserts leave this field out.
    public var autoID: Bool
    public var description: String

    public init(_ name: String, _ type: FieldType, isPrimaryKey: Bool = false, autoID: Bool = false, description: String = "") {
        self.name = name
        self.type = type
        self.isPrimaryKey = isPrimaryKey
        self.autoID = autoID
        self.description = description
    }

    var proto: Milvus_Proto_Schema_FieldSchema {
        var f = Milvus_Proto_Schema_FieldSchema()
        f.name = name
        f.dataType = type.dataType
        f.isPrimaryKey = isPrimaryKey
        f.autoID = autoID
        f.description_p = description
        switch type {
        case .varchar(let maxLength): f.typeParams = [.init(key: "max_length", value: String(maxLength))]
        case .floatVector(let dim): f.typeParams = [.init(key: "dim", value: String(dim))]
        default: break
        }
        return f
    }

    init?(_ proto: Milvus_Proto_Schema_FieldSchema) {
        let params = Dictionary(proto.typeParams.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let type: FieldType
        switch proto.dataType {
        case .bool: type = .bool
        case .int8: type = .int8
        case .int16: type = .int16
        case .int32: type = .int32
        case .int64: type = .int64
        case .float: type = .float
        case .double: type = .double
        case .varChar, .string: type = .varchar(maxLength: Int(params["max_length"] ?? "") ?? 0)
        case .floatVector: type = .floatVector(dim: Int(params["dim"] ?? "") ?? 0)
        default: return nil
        }
        self.init(proto.name, type, isPrimaryKey: proto.isPrimaryKey, autoID: proto.autoID, description: proto.description_p)
    }
}

/// The fields of a collection.
public struct CollectionSchema: Sendable, Hashable {
    public var fields: [FieldSchema]
    public var description: String
    public var enableDynamicField: Bool

    public init(fields: [FieldSchema], description: String = "", enableDynamicField: Bool = false) {
        self.fields = fields
        self.description = description
        self.enableDynamicField = enableDynamicField
    }

    public var primaryKey: FieldSchema? { fields.first(where: \.isPrimaryKey) }
    public var vectorFields: [FieldSchema] { fields.filter(\.type.isVector) }

    func proto(name: String) -> Milvus_Proto_Schema_CollectionSchema {
        var s = Milvus_Proto_Schema_CollectionSchema()
        s.name = name
        s.description_p = description
        s.autoID = primaryKey?.autoID ?? false
        s.fields = fields.map(\.proto)
        s.enableDynamicField = enableDynamicField
        return s
    }
}

/// How fresh the data a search or query sees must be.
public enum ConsistencyLevel: String, Sendable, CaseIterable {
    case strong = "Strong", session = "Session", bounded = "Bounded", eventually = "Eventually"

    var proto: Milvus_Proto_Common_ConsistencyLevel {
        switch self {
        case .strong: return .strong
        case .session: return .session
        case .bounded: return .bounded
        case .eventually: return .eventually
        }
    }
}

/// A collection as the server describes it.
public struct CollectionDescription: Sendable {
    public var name: String
    public var id: Int64
    public var schema: CollectionSchema
    public var shards: Int
    public var consistency: String
}
