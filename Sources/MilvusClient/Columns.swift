import Foundation

/// One sparse vector: ascending indices and their values.
public struct SparseVector: Sendable, Hashable {
    public var indices: [UInt32]
    public var values: [Float]

    /// Pairs in any order; sorted by index here (the wire format wants them ascending).
    public init(_ pairs: [(UInt32, Float)]) {
        let sorted = pairs.sorted { $0.0 < $1.0 }
        indices = sorted.map(\.0)
        values = sorted.map(\.1)
    }

    /// (uint32 index, float32 value) pairs, little-endian — the wire format and pymilvus's.
    public var bytes: Data {
        var d = Data(capacity: indices.count * 8)
        for (i, v) in zip(indices, values) {
            withUnsafeBytes(of: i.littleEndian) { d.append(contentsOf: $0) }
            withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) }
        }
        return d
    }

    /// Decodes `bytes`; nil when the length is not a multiple of 8.
    public init?(bytes: Data) {
        guard bytes.count % 8 == 0 else { return nil }
        var pairs: [(UInt32, Float)] = []
        let b = [UInt8](bytes)
        for k in stride(from: 0, to: b.count, by: 8) {
            let i = UInt32(b[k]) | UInt32(b[k + 1]) << 8 | UInt32(b[k + 2]) << 16 | UInt32(b[k + 3]) << 24
            let v = UInt32(b[k + 4]) | UInt32(b[k + 5]) << 8 | UInt32(b[k + 6]) << 16 | UInt32(b[k + 7]) << 24
            pairs.append((i, Float(bitPattern: v)))
        }
        self.init(pairs)
    }

    /// One more than the largest index (0 when empty).
    public var dimension: Int { indices.last.map { Int($0) + 1 } ?? 0 }
}

/// The byte encodings of the compact vector types, as Milvus stores them and pymilvus sends them.
public enum VectorEncoding {
    /// IEEE 754 half precision, round to nearest even (numpy's `astype(float16)`), little-endian.
    public static func float16(_ values: [Float]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count * 2)
        for v in values {
            let bits = Float16(v).bitPattern
            out.append(UInt8(bits & 0xFF))
            out.append(UInt8(bits >> 8))
        }
        return out
    }

    /// bfloat16: a float32's upper 16 bits, rounded to nearest even (ml_dtypes' conversion);
    /// NaN stays a quiet NaN. Little-endian.
    public static func bfloat16(_ values: [Float]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count * 2)
        for v in values {
            let bits = v.bitPattern
            let half: UInt16
            if v.isNaN {
                half = UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
            } else {
                let bias: UInt32 = 0x7FFF + ((bits >> 16) & 1)
                half = UInt16(truncatingIfNeeded: (bits &+ bias) >> 16)
            }
            out.append(UInt8(half & 0xFF))
            out.append(UInt8(half >> 8))
        }
        return out
    }

    /// Bits packed 8 per byte, the first of each eight in the most significant bit (numpy's
    /// `packbits`); `bits.count` a multiple of 8.
    public static func binary(_ bits: [Bool]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: (bits.count + 7) / 8)
        for (i, bit) in bits.enumerated() where bit { out[i / 8] |= 0x80 >> UInt8(i % 8) }
        return out
    }

    static func decodeFloat16(_ bytes: Data) -> [Float] {
        let b = [UInt8](bytes)
        return stride(from: 0, to: b.count - 1, by: 2).map { Float(Float16(bitPattern: UInt16(b[$0]) | UInt16(b[$0 + 1]) << 8)) }
    }

    static func decodeBFloat16(_ bytes: Data) -> [Float] {
        let b = [UInt8](bytes)
        return stride(from: 0, to: b.count - 1, by: 2).map { Float(bitPattern: (UInt32(b[$0]) | UInt32(b[$0 + 1]) << 8) << 16) }
    }
}

/// The values of one column for an insert.
public indirect enum ColumnData: Sendable {
    case bool([Bool])
    case int8([Int32])
    case int16([Int32])
    case int32([Int32])
    case int64([Int64])
    case float([Float])
    case double([Double])
    case varchar([String])
    /// One JSON document (UTF-8) per row.
    case json([Data])
    /// One column of `element`'s type per row, holding that row's elements.
    case array(element: FieldType, rows: [ColumnData])
    /// `count × dim` floats, row after row.
    case floatVector(dim: Int, values: [Float])
    /// `count × dim / 8` bytes (see `VectorEncoding.binary`).
    case binaryVector(dim: Int, bytes: [UInt8])
    /// `count × dim × 2` bytes (see `VectorEncoding.float16`).
    case float16Vector(dim: Int, bytes: [UInt8])
    /// `count × dim × 2` bytes (see `VectorEncoding.bfloat16`).
    case bfloat16Vector(dim: Int, bytes: [UInt8])
    /// `count × dim` signed bytes.
    case int8Vector(dim: Int, values: [Int8])
    case sparseFloatVector([SparseVector])

    /// Number of rows.
    public var count: Int {
        switch self {
        case .bool(let v): return v.count
        case .int8(let v), .int16(let v), .int32(let v): return v.count
        case .int64(let v): return v.count
        case .float(let v): return v.count
        case .double(let v): return v.count
        case .varchar(let v): return v.count
        case .json(let v): return v.count
        case .array(_, let rows): return rows.count
        case .floatVector(let dim, let v): return dim > 0 ? v.count / dim : 0
        case .binaryVector(let dim, let b): return dim > 0 ? b.count * 8 / dim : 0
        case .float16Vector(let dim, let b), .bfloat16Vector(let dim, let b): return dim > 0 ? b.count / (2 * dim) : 0
        case .int8Vector(let dim, let v): return dim > 0 ? v.count / dim : 0
        case .sparseFloatVector(let v): return v.count
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
        case .json(let v): return v.reduce(0) { $0 + $1.count + 3 }
        case .array(_, let rows): return rows.reduce(0) { $0 + $1.encodedSize + 4 }
        case .floatVector(_, let v): return v.count * 4
        case .binaryVector(_, let b), .float16Vector(_, let b), .bfloat16Vector(_, let b): return b.count
        case .int8Vector(_, let v): return v.count
        case .sparseFloatVector(let v): return v.reduce(0) { $0 + $1.indices.count * 8 + 3 }
        }
    }

    /// Rows `range` of the column.
    public func rows(_ range: Range<Int>) -> ColumnData {
        func bytes(_ b: [UInt8], perRow: Int) -> [UInt8] { Array(b[(range.lowerBound * perRow)..<(range.upperBound * perRow)]) }
        switch self {
        case .bool(let v): return .bool(Array(v[range]))
        case .int8(let v): return .int8(Array(v[range]))
        case .int16(let v): return .int16(Array(v[range]))
        case .int32(let v): return .int32(Array(v[range]))
        case .int64(let v): return .int64(Array(v[range]))
        case .float(let v): return .float(Array(v[range]))
        case .double(let v): return .double(Array(v[range]))
        case .varchar(let v): return .varchar(Array(v[range]))
        case .json(let v): return .json(Array(v[range]))
        case .array(let element, let rows): return .array(element: element, rows: Array(rows[range]))
        case .floatVector(let dim, let v): return .floatVector(dim: dim, values: Array(v[(range.lowerBound * dim)..<(range.upperBound * dim)]))
        case .binaryVector(let dim, let b): return .binaryVector(dim: dim, bytes: bytes(b, perRow: dim / 8))
        case .float16Vector(let dim, let b): return .float16Vector(dim: dim, bytes: bytes(b, perRow: dim * 2))
        case .bfloat16Vector(let dim, let b): return .bfloat16Vector(dim: dim, bytes: bytes(b, perRow: dim * 2))
        case .int8Vector(let dim, let v): return .int8Vector(dim: dim, values: Array(v[(range.lowerBound * dim)..<(range.upperBound * dim)]))
        case .sparseFloatVector(let v): return .sparseFloatVector(Array(v[range]))
        }
    }

    /// The column as an array cell or a field's scalars.
    var scalarField: Milvus_Proto_Schema_ScalarField {
        var s = Milvus_Proto_Schema_ScalarField()
        switch self {
        case .bool(let v): s.boolData.data = v
        case .int8(let v), .int16(let v), .int32(let v): s.intData.data = v
        case .int64(let v): s.longData.data = v
        case .float(let v): s.floatData.data = v
        case .double(let v): s.doubleData.data = v
        case .varchar(let v): s.stringData.data = v
        case .json(let v): s.jsonData.data = v
        case .array(let element, let rows):
            s.arrayData.elementType = element.dataType
            s.arrayData.data = rows.map(\.scalarField)
        default: break
        }
        return s
    }

    func fieldData(name: String) -> Milvus_Proto_Schema_FieldData {
        var f = Milvus_Proto_Schema_FieldData()
        f.fieldName = name
        f.type = dataType
        switch self {
        case .floatVector(let dim, let v):
            f.vectors.dim = Int64(dim)
            f.vectors.floatVector.data = v
        case .binaryVector(let dim, let b):
            f.vectors.dim = Int64(dim)
            f.vectors.binaryVector = Data(b)
        case .float16Vector(let dim, let b):
            f.vectors.dim = Int64(dim)
            f.vectors.float16Vector = Data(b)
        case .bfloat16Vector(let dim, let b):
            f.vectors.dim = Int64(dim)
            f.vectors.bfloat16Vector = Data(b)
        case .int8Vector(let dim, let v):
            f.vectors.dim = Int64(dim)
            f.vectors.int8Vector = v.withUnsafeBytes { Data($0) }
        case .sparseFloatVector(let rows):
            var s = Milvus_Proto_Schema_SparseFloatArray()
            s.contents = rows.map(\.bytes)
            s.dim = Int64(rows.map(\.dimension).max() ?? 0)
            // Like pymilvus: the dimension only in the sparse array, not in the vector field.
            f.vectors.sparseFloatVector = s
        default:
            f.scalars = scalarField
        }
        return f
    }
}

/// One named column for `insert`.
public struct Column: Sendable {
    public var name: String
    /// The values of the rows that have one: every row, or — for a nullable field — the rows
    /// whose `valid` flag is true, in order (as pymilvus sends them).
    public var data: ColumnData
    /// Per row, whether it has a value; nil when every row has one.
    public var valid: [Bool]?
    /// The dynamic field (`$meta`): JSON objects whose keys the schema does not declare.
    public var isDynamic: Bool

    public init(_ name: String, _ data: ColumnData, valid: [Bool]? = nil, isDynamic: Bool = false) {
        self.name = name
        self.data = data
        self.valid = valid
        self.isDynamic = isDynamic
    }

    /// The dynamic field's column: one JSON object per row with the extra keys.
    public static func dynamic(_ objects: [Data]) -> Column { Column("$meta", .json(objects), isDynamic: true) }

    /// Number of rows.
    public var count: Int { valid?.count ?? data.count }

    func rows(_ range: Range<Int>) -> Column {
        guard let valid else { return Column(name, data.rows(range), isDynamic: isDynamic) }
        let low = valid[..<range.lowerBound].lazy.filter { $0 }.count
        let n = valid[range].lazy.filter { $0 }.count
        return Column(name, data.rows(low..<(low + n)), valid: Array(valid[range]), isDynamic: isDynamic)
    }

    var fieldData: Milvus_Proto_Schema_FieldData {
        var f = data.fieldData(name: name)
        if let valid { f.validData = valid }
        f.isDynamic = isDynamic
        return f
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
