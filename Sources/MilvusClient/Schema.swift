import Foundation

/// The type of one field of a collection.
public indirect enum FieldType: Sendable, Hashable, CustomStringConvertible {
    case bool, int8, int16, int32, int64, float, double
    case varchar(maxLength: Int)
    /// A JSON document per row.
    case json
    /// Up to `maxCapacity` elements of a scalar type per row.
    case array(element: FieldType, maxCapacity: Int)
    case floatVector(dim: Int)
    /// `dim` bits per row (dim a multiple of 8).
    case binaryVector(dim: Int)
    /// IEEE 754 half precision (Milvus 2.4+).
    case float16Vector(dim: Int)
    /// bfloat16, the upper half of a float32 (Milvus 2.4+).
    case bfloat16Vector(dim: Int)
    /// Signed bytes (Milvus 2.6+).
    case int8Vector(dim: Int)
    /// Index/value pairs; no fixed dimension (Milvus 2.4+).
    case sparseFloatVector

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
        case .json: return "json"
        case .array(let element, let capacity): return "array<\(element)>[\(capacity)]"
        case .floatVector(let dim): return "floatVector(\(dim))"
        case .binaryVector(let dim): return "binaryVector(\(dim))"
        case .float16Vector(let dim): return "float16Vector(\(dim))"
        case .bfloat16Vector(let dim): return "bfloat16Vector(\(dim))"
        case .int8Vector(let dim): return "int8Vector(\(dim))"
        case .sparseFloatVector: return "sparseFloatVector"
        }
    }

    /// The placeholder type of a search's query vectors for a field of this type.
    var placeholderType: Milvus_Proto_Common_PlaceholderType? {
        switch self {
        case .floatVector: return .floatVector
        case .binaryVector: return .binaryVector
        case .float16Vector: return .float16Vector
        case .bfloat16Vector: return .bfloat16Vector
        case .int8Vector: return .int8Vector
        case .sparseFloatVector: return .sparseFloatVector
        default: return nil
        }
    }

    public var isVector: Bool { vectorDimension != nil || self == .sparseFloatVector }

    /// The dimension of a dense vector type; nil for sparse vectors and scalars.
    public var vectorDimension: Int? {
        switch self {
        case .floatVector(let d), .binaryVector(let d), .float16Vector(let d), .bfloat16Vector(let d), .int8Vector(let d): return d
        default: return nil
        }
    }
}

/// A scalar value (a field's default value).
public enum ScalarValue: Sendable, Hashable, CustomStringConvertible {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)

    public var description: String {
        switch self {
        case .bool(let v): return String(v)
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .string(let v): return v
        }
    }

    /// The proto value for a field of `type` (int32 for the small integer types, float for float).
    func proto(for type: FieldType) -> Milvus_Proto_Schema_ValueField {
        var v = Milvus_Proto_Schema_ValueField()
        switch (self, type) {
        case (.bool(let b), _): v.boolData = b
        case (.int(let i), .int8), (.int(let i), .int16), (.int(let i), .int32): v.intData = Int32(truncatingIfNeeded: i)
        case (.int(let i), .float): v.floatData = Float(i)
        case (.int(let i), .double): v.doubleData = Double(i)
        case (.int(let i), _): v.longData = i
        case (.double(let d), .float): v.floatData = Float(d)
        case (.double(let d), _): v.doubleData = d
        case (.string(let s), _): v.stringData = s
        }
        return v
    }

    init?(_ proto: Milvus_Proto_Schema_ValueField) {
        switch proto.data {
        case .boolData(let b): self = .bool(b)
        case .intData(let i): self = .int(Int64(i))
        case .longData(let i): self = .int(i)
        case .floatData(let f): self = .double(Double(f))
        case .doubleData(let d): self = .double(d)
        case .stringData(let s): self = .string(s)
        default: return nil
        }
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
    /// Rows may leave it null (Milvus 2.5+).
    public var nullable: Bool
    /// What the server stores for a row that leaves the field null (Milvus 2.5+).
    public var defaultValue: ScalarValue?
    /// Rows are spread over partitions by this field's hash.
    public var isPartitionKey: Bool
    /// Segments are sorted by this field (Milvus 2.5+).
    public var isClusteringKey: Bool
    /// A varchar's analyzer for full-text search: nil without; `[:]` the standard analyzer;
    /// otherwise its JSON parameters (`{"type": "english"}`).
    public var analyzer: String?
    /// Filled by a collection function (BM25's sparse output); inserts leave it out.
    public var isFunctionOutput: Bool
    /// The hidden `$meta` JSON field of a collection with dynamic fields (as described by the server).
    public var isDynamic = false

    public init(_ name: String, _ type: FieldType, isPrimaryKey: Bool = false, autoID: Bool = false, description: String = "",
                nullable: Bool = false, defaultValue: ScalarValue? = nil, isPartitionKey: Bool = false,
                isClusteringKey: Bool = false, analyzer: String? = nil, isFunctionOutput: Bool = false, isDynamic: Bool = false) {
        self.isDynamic = isDynamic
        self.name = name
        self.type = type
        self.isPrimaryKey = isPrimaryKey
        self.autoID = autoID
        self.description = description
        self.nullable = nullable
        self.defaultValue = defaultValue
        self.isPartitionKey = isPartitionKey
        self.isClusteringKey = isClusteringKey
        self.analyzer = analyzer
        self.isFunctionOutput = isFunctionOutput
    }

    /// Inserts carry this field's values as a column of its own (not the server's: auto ids,
    /// function outputs; nor the dynamic field, which an insert fills from extra keys).
    public var isWritten: Bool { !autoID && !isFunctionOutput && !isDynamic }

    var proto: Milvus_Proto_Schema_FieldSchema {
        var f = Milvus_Proto_Schema_FieldSchema()
        f.name = name
        f.dataType = type.dataType
        f.isPrimaryKey = isPrimaryKey
        f.autoID = autoID
        f.description_p = description
        f.nullable = nullable
        f.isPartitionKey = isPartitionKey
        f.isClusteringKey = isClusteringKey
        f.isFunctionOutput = isFunctionOutput
        if let defaultValue { f.defaultValue = defaultValue.proto(for: type) }
        switch type {
        case .varchar(let maxLength):
            f.typeParams = [.init(key: "max_length", value: String(maxLength))]
            if let analyzer {
                f.typeParams.append(.init(key: "enable_analyzer", value: "true"))
                if !analyzer.isEmpty { f.typeParams.append(.init(key: "analyzer_params", value: analyzer)) }
            }
        case .array(let element, let capacity):
            f.elementType = element.dataType
            f.typeParams = [.init(key: "max_capacity", value: String(capacity))]
            if case .varchar(let maxLength) = element { f.typeParams.append(.init(key: "max_length", value: String(maxLength))) }
        case .floatVector(let dim), .binaryVector(let dim), .float16Vector(let dim), .bfloat16Vector(let dim), .int8Vector(let dim):
            f.typeParams = [.init(key: "dim", value: String(dim))]
        default: break
        }
        return f
    }

    init?(_ proto: Milvus_Proto_Schema_FieldSchema) {
        let params = Dictionary(proto.typeParams.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let dim = Int(params["dim"] ?? "") ?? 0
        /// The type of a kind, with its parameters from the field's.
        func type(_ kind: DataKind, element: Milvus_Proto_Schema_DataType) -> FieldType? {
            switch kind {
            case .bool: return .bool
            case .int8: return .int8
            case .int16: return .int16
            case .int32: return .int32
            case .int64: return .int64
            case .float: return .float
            case .double: return .double
            // milvus-lite leaves max_length out for an array's elements: then no limit of ours.
            case .varchar: return .varchar(maxLength: Int(params["max_length"] ?? "") ?? 65535)
            case .json: return .json
            case .array:
                // An array's elements are scalars.
                guard let e = DataKind(element), e != .array, e != .json, let elementType = type(e, element: .none),
                      !elementType.isVector else { return nil }
                return .array(element: elementType, maxCapacity: Int(params["max_capacity"] ?? "") ?? 0)
            case .floatVector: return .floatVector(dim: dim)
            case .binaryVector: return .binaryVector(dim: dim)
            case .float16Vector: return .float16Vector(dim: dim)
            case .bfloat16Vector: return .bfloat16Vector(dim: dim)
            case .int8Vector: return .int8Vector(dim: dim)
            case .sparseFloatVector: return .sparseFloatVector
            }
        }
        guard let kind = DataKind(proto.dataType), let type = type(kind, element: proto.elementType) else { return nil }
        let analyzer = params["enable_analyzer"] == "true" ? (params["analyzer_params"] ?? "") : nil
        self.init(proto.name, type, isPrimaryKey: proto.isPrimaryKey, autoID: proto.autoID, description: proto.description_p,
                  nullable: proto.nullable, defaultValue: proto.hasDefaultValue ? ScalarValue(proto.defaultValue) : nil,
                  isPartitionKey: proto.isPartitionKey, isClusteringKey: proto.isClusteringKey, analyzer: analyzer,
                  isFunctionOutput: proto.isFunctionOutput, isDynamic: proto.isDynamic)
    }
}

/// A function computing a field from others when rows are inserted (Milvus 2.5+).
public struct CollectionFunction: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// Full-text search: a varchar (with an analyzer) → a sparse vector of BM25 term weights.
        case bm25 = "BM25"
    }

    public var name: String
    public var kind: Kind
    public var inputs: [String]
    public var outputs: [String]

    public init(name: String, kind: Kind, inputs: [String], outputs: [String]) {
        self.name = name
        self.kind = kind
        self.inputs = inputs
        self.outputs = outputs
    }

    var proto: Milvus_Proto_Schema_FunctionSchema {
        var f = Milvus_Proto_Schema_FunctionSchema()
        f.name = name
        f.type = .bm25
        f.inputFieldNames = inputs
        f.outputFieldNames = outputs
        return f
    }

    init?(_ proto: Milvus_Proto_Schema_FunctionSchema) {
        guard proto.type == .bm25 else { return nil }
        self.init(name: proto.name, kind: .bm25, inputs: proto.inputFieldNames, outputs: proto.outputFieldNames)
    }
}

/// The fields of a collection.
public struct CollectionSchema: Sendable, Hashable {
    public var fields: [FieldSchema]
    public var description: String
    /// Rows may carry keys beyond the fields (kept in the hidden `$meta` JSON field).
    public var enableDynamicField: Bool
    public var functions: [CollectionFunction]

    public init(fields: [FieldSchema], description: String = "", enableDynamicField: Bool = false, functions: [CollectionFunction] = []) {
        self.fields = fields
        self.description = description
        self.enableDynamicField = enableDynamicField
        self.functions = functions
    }

    public var primaryKey: FieldSchema? { fields.first(where: \.isPrimaryKey) }
    public var vectorFields: [FieldSchema] { fields.filter(\.type.isVector) }
    public var partitionKey: FieldSchema? { fields.first(where: \.isPartitionKey) }

    func proto(name: String) -> Milvus_Proto_Schema_CollectionSchema {
        var s = Milvus_Proto_Schema_CollectionSchema()
        s.name = name
        s.description_p = description
        s.autoID = primaryKey?.autoID ?? false
        s.fields = fields.map(\.proto)
        s.enableDynamicField = enableDynamicField
        s.functions = functions.map(\.proto)
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
