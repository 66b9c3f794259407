import Foundation

/// One cell of a row, as the server returned it or as the tool wrote it, in one form so the two
/// can be compared: integers of every width as `int`, float16/bfloat16/int8 vectors decoded to
/// floats, JSON documents as their text.
public enum FieldValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case float(Float)
    case double(Double)
    case text(String)
    case json(String)
    case array([FieldValue])
    case vector([Float])
    case bytes([UInt8])
    case sparse(SparseVector)

    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .float(let f): return String(f)
        case .double(let d): return String(d)
        case .text(let s): return "\"" + s + "\""
        case .json(let s): return s
        case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .vector(let v):
            let shown = v.prefix(4).map { String($0) }.joined(separator: ", ")
            return "[" + shown + (v.count > 4 ? ", … (\(v.count))" : "") + "]"
        case .bytes(let b): return "0x" + b.prefix(8).map { String(format: "%02x", $0) }.joined() + (b.count > 8 ? "…" : "")
        case .sparse(let s): return "{" + zip(s.indices.prefix(4), s.values.prefix(4)).map { "\($0): \($1)" }.joined(separator: ", ") + (s.indices.count > 4 ? ", …" : "") + "}"
        }
    }

    /// Whether the server's `got` is this written value: floats bit for bit as sent (the server
    /// stores float32 and float64 as they are), JSON documents as the same JSON whatever the
    /// spacing or key order, everything else equal.
    public func matches(_ got: FieldValue) -> Bool {
        switch (self, got) {
        case (.json(let a), .json(let b)):
            return a == b || FieldValue.sameJSON(a, b)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.matches($1) }
        case (.float(let a), .float(let b)):
            return a == b || (a.isNaN && b.isNaN)
        case (.double(let a), .double(let b)):
            return a == b || (a.isNaN && b.isNaN)
        default:
            return self == got
        }
    }

    static func sameJSON(_ a: String, _ b: String) -> Bool {
        guard let x = canonicalJSON(a), let y = canonicalJSON(b) else { return false }
        return x == y
    }

    /// The document parsed and written again with sorted keys and no spacing.
    public static func canonicalJSON(_ text: String) -> Data? {
        guard let v = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { return nil }
        return try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys])
    }
}

extension ColumnData {
    /// Row `i` of the column (a value, never null: nulls are in a `Column`'s `valid`).
    public func value(_ i: Int) -> FieldValue {
        switch self {
        case .bool(let v): return .bool(v[i])
        case .int8(let v), .int16(let v), .int32(let v): return .int(Int64(v[i]))
        case .int64(let v): return .int(v[i])
        case .float(let v): return .float(v[i])
        case .double(let v): return .double(v[i])
        case .varchar(let v): return .text(v[i])
        case .json(let v): return .json(String(decoding: v[i], as: UTF8.self))
        case .array(_, let rows): return .array((0..<rows[i].count).map { rows[i].value($0) })
        case .floatVector(let dim, let v): return .vector(Array(v[(i * dim)..<((i + 1) * dim)]))
        case .binaryVector(let dim, let b): return .bytes(Array(b[(i * dim / 8)..<((i + 1) * dim / 8)]))
        case .float16Vector(let dim, let b): return .vector(VectorEncoding.decodeFloat16(Data(b[(i * dim * 2)..<((i + 1) * dim * 2)])))
        case .bfloat16Vector(let dim, let b): return .vector(VectorEncoding.decodeBFloat16(Data(b[(i * dim * 2)..<((i + 1) * dim * 2)])))
        case .int8Vector(let dim, let v): return .vector(v[(i * dim)..<((i + 1) * dim)].map(Float.init))
        case .sparseFloatVector(let v): return .sparse(v[i])
        }
    }
}

extension Column {
    /// Every row's value, `.null` for a row without one.
    public var values: [FieldValue] {
        guard let valid else { return (0..<data.count).map { data.value($0) } }
        var next = 0
        return valid.map { has in
            guard has else { return .null }
            defer { next += 1 }
            return data.value(next)
        }
    }
}

extension Milvus_Proto_Schema_ScalarField {
    /// Each value of the column.
    var fieldValues: [FieldValue] {
        switch data {
        case .boolData(let d): return d.data.map { .bool($0) }
        case .intData(let d): return d.data.map { .int(Int64($0)) }
        case .longData(let d): return d.data.map { .int($0) }
        case .floatData(let d): return d.data.map { .float($0) }
        case .doubleData(let d): return d.data.map { .double($0) }
        case .stringData(let d): return d.data.map { .text($0) }
        case .jsonData(let d): return d.data.map { .json(String(decoding: $0, as: UTF8.self)) }
        case .arrayData(let d): return d.data.map { .array($0.fieldValues) }
        default: return []
        }
    }
}

extension Milvus_Proto_Schema_FieldData {
    /// Each row's value (`.null` for a null row of a nullable field).
    var fieldValues: [FieldValue] {
        var values: [FieldValue]
        switch field {
        case .scalars(let s):
            values = s.fieldValues
        case .vectors(let v):
            let dim = Int(v.dim)
            switch v.data {
            case .floatVector(let d):
                values = dim > 0 ? stride(from: 0, to: d.data.count, by: dim).map { .vector(Array(d.data[$0..<min($0 + dim, d.data.count)])) } : []
            case .binaryVector(let b):
                let per = dim / 8, bytes = [UInt8](b)
                values = per > 0 ? stride(from: 0, to: bytes.count, by: per).map { .bytes(Array(bytes[$0..<min($0 + per, bytes.count)])) } : []
            case .float16Vector(let b):
                let floats = VectorEncoding.decodeFloat16(b)
                values = dim > 0 ? stride(from: 0, to: floats.count, by: dim).map { .vector(Array(floats[$0..<min($0 + dim, floats.count)])) } : []
            case .bfloat16Vector(let b):
                let floats = VectorEncoding.decodeBFloat16(b)
                values = dim > 0 ? stride(from: 0, to: floats.count, by: dim).map { .vector(Array(floats[$0..<min($0 + dim, floats.count)])) } : []
            case .int8Vector(let b):
                let bytes = [UInt8](b).map { Float(Int8(bitPattern: $0)) }
                values = dim > 0 ? stride(from: 0, to: bytes.count, by: dim).map { .vector(Array(bytes[$0..<min($0 + dim, bytes.count)])) } : []
            case .sparseFloatVector(let s):
                values = s.contents.map { SparseVector(bytes: $0).map { .sparse($0) } ?? .null }
            default:
                values = []
            }
        default:
            values = []
        }
        guard !validData.isEmpty else { return values }
        // Nulls: either every row is in the values (a placeholder where not valid) or only the valid ones.
        if values.count == validData.count { return zip(validData, values).map { $0 ? $1 : .null } }
        var it = values.makeIterator()
        return validData.map { $0 ? (it.next() ?? .null) : .null }
    }
}
