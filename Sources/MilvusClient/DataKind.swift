/// A field's or a column's type without its parameters (dimension, length, element): the one
/// place the client maps its types to the proto's `DataType` and back.
enum DataKind: CaseIterable {
    case bool, int8, int16, int32, int64, float, double, varchar, json, array
    case floatVector, binaryVector, float16Vector, bfloat16Vector, int8Vector, sparseFloatVector

    var proto: Milvus_Proto_Schema_DataType {
        switch self {
        case .bool: return .bool
        case .int8: return .int8
        case .int16: return .int16
        case .int32: return .int32
        case .int64: return .int64
        case .float: return .float
        case .double: return .double
        case .varchar: return .varChar
        case .json: return .json
        case .array: return .array
        case .floatVector: return .floatVector
        case .binaryVector: return .binaryVector
        case .float16Vector: return .float16Vector
        case .bfloat16Vector: return .bfloat16Vector
        case .int8Vector: return .int8Vector
        case .sparseFloatVector: return .sparseFloatVector
        }
    }

    /// The kind of a proto type; the old `String` type reads as varchar. Nil for a type the client does not know.
    init?(_ proto: Milvus_Proto_Schema_DataType) {
        if proto == .string { self = .varchar; return }
        guard let kind = Self.allCases.first(where: { $0.proto == proto }) else { return nil }
        self = kind
    }
}

extension FieldType {
    var kind: DataKind {
        switch self {
        case .bool: return .bool
        case .int8: return .int8
        case .int16: return .int16
        case .int32: return .int32
        case .int64: return .int64
        case .float: return .float
        case .double: return .double
        case .varchar: return .varchar
        case .json: return .json
        case .array: return .array
        case .floatVector: return .floatVector
        case .binaryVector: return .binaryVector
        case .float16Vector: return .float16Vector
        case .bfloat16Vector: return .bfloat16Vector
        case .int8Vector: return .int8Vector
        case .sparseFloatVector: return .sparseFloatVector
        }
    }

    var dataType: Milvus_Proto_Schema_DataType { kind.proto }
}

extension ColumnData {
    var kind: DataKind {
        switch self {
        case .bool: return .bool
        case .int8: return .int8
        case .int16: return .int16
        case .int32: return .int32
        case .int64: return .int64
        case .float: return .float
        case .double: return .double
        case .varchar: return .varchar
        case .json: return .json
        case .array: return .array
        case .floatVector: return .floatVector
        case .binaryVector: return .binaryVector
        case .float16Vector: return .float16Vector
        case .bfloat16Vector: return .bfloat16Vector
        case .int8Vector: return .int8Vector
        case .sparseFloatVector: return .sparseFloatVector
        }
    }

    var dataType: Milvus_Proto_Schema_DataType { kind.proto }
}
