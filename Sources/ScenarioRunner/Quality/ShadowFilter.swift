import Foundation
import MilvusClient
import ScenarioSpec

/// A filter evaluated on the rows the shadow knows, the way the server evaluates it on its rows.
extension CollectionShadow {
    /// The schema every source shares (the collection's), when there is a source.
    var schema: CollectionSchema? { sources.first?.schema }

    /// The generated fields a filter on `names` reads: schema fields (not the key: the shadow's
    /// keys give it), and the dynamic field for names the schema does not declare.
    func fieldsRead(by names: Set<String>) -> Set<String> {
        guard let schema else { return [] }
        var fields: Set<String> = []
        for name in names {
            if let f = schema.fields.first(where: { $0.name == name }) {
                if !f.isPrimaryKey { fields.insert(name) }
            } else {
                fields.insert("$meta")
            }
        }
        return fields
    }

    /// Why the shadow cannot evaluate a filter over these field names; nil when it can.
    func cannotEvaluate(_ names: Set<String>) -> String? {
        guard let schema else { return nil }
        for name in names.sorted() where !schema.fields.contains(where: { $0.name == name }) {
            if !schema.enableDynamicField { return "the collection has no field '\(name)'" }
        }
        return nil
    }

    /// Row `i` of a block, as a filter reads it.
    static func filterValue(_ name: String, key: Int64, schema: CollectionSchema, decoded: [String: [FieldValue]], row i: Int) -> FilterExpression.Value? {
        if schema.primaryKey?.name == name { return .number(Double(key)) }
        if let values = decoded[name] { return FilterExpression.Value(values[i]) }
        // A dynamic key: inside the row's `$meta` document.
        guard case .json(let text)? = decoded["$meta"]?[i],
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], let v = object[name] else { return nil }
        return FilterExpression.Value(json: v)
    }

    /// The keys whose rows pass `filter`: those the tool is sure of, and those of writes or
    /// deletes with an unknown outcome.
    func matchingKeys(_ filter: FilterExpression) throws -> (definite: [Int64], indeterminate: [Int64]) {
        guard let schema else { return ([], []) }
        var definite: [Int64] = [], indeterminate: [Int64] = []
        let names = filter.fields
        try forEachBlock(fields: fieldsRead(by: names)) { b in
            let decoded = b.columns.mapValues(\.values)
            for i in 0..<b.count {
                guard let key = b.keys[i] else { continue }
                guard filter.matches({ Self.filterValue($0, key: key, schema: schema, decoded: decoded, row: i) }) else { continue }
                if b.indeterminate[i] { indeterminate.append(key) } else { definite.append(key) }
            }
        }
        return (definite, indeterminate)
    }
}

extension FilterExpression.Value {
    /// A cell as a filter reads it (JSON documents and arrays as their values); nil for null and
    /// for what a filter cannot read (vectors).
    init?(_ v: FieldValue) {
        switch v {
        case .int(let i): self = .number(Double(i))
        case .float(let f): self = .number(Double(f))
        case .double(let d): self = .number(d)
        case .text(let s): self = .text(s)
        case .bool(let b): self = .bool(b)
        case .array(let items): self = .array(items.compactMap { FilterExpression.Value($0) })
        case .json(let text):
            guard let any = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { return nil }
            self.init(json: any)
        default: return nil
        }
    }

    /// A JSON value (from JSONSerialization) as a filter reads it.
    init?(json v: Any) {
        if let n = v as? NSNumber, !(v is String) {
            // JSONSerialization's booleans are NSNumbers of type "c" (char); its numbers never are.
            if String(cString: n.objCType) == "c" { self = .bool(n.boolValue) } else { self = .number(n.doubleValue) }
        } else if let s = v as? String {
            self = .text(s)
        } else if let a = v as? [Any] {
            self = .array(a.map { FilterExpression.Value(json: $0) ?? .null })
        } else if let o = v as? [String: Any] {
            self = .object(o.mapValues { FilterExpression.Value(json: $0) ?? .null })
        } else if v is NSNull {
            self = .null
        } else {
            return nil
        }
    }
}
