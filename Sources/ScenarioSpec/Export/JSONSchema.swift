/// Generates a JSON Schema (draft-07) for scenario files from the same specs the decoder uses,
/// so editors with the YAML language server can complete and check scenarios.
public enum ScenarioJSONSchema {
    public static let draft = "http://json-schema.org/draft-07/schema#"

    public static func generate() -> JSONValue {
        var definitions: [(String, JSONValue)] = [
            ("interpolation", .object([
                ("type", .string("string")),
                ("pattern", .string(#"\$\{[A-Za-z_][A-Za-z0-9_]*(:[-?][^}]*)?\}"#)),
                ("description", .string("A ${VAR} or ${VAR:-default} reference, resolved when the scenario is loaded.")),
            ])),
        ]
        var seen: Set<String> = []
        var pending = [Scenario.spec]
        var root: [(String, JSONValue)] = []
        while let spec = pending.first {
            pending.removeFirst()
            guard seen.insert(spec.name).inserted else { continue }
            let schema = objectSchema(spec) { pending.append($0) }
            if spec.name == Scenario.spec.name { root = schema } else { definitions.append((spec.name, .object(schema))) }
        }
        return .object([
            ("$schema", .string(draft)),
            ("$id", .string("https://milvus-scenario.invalid/schema/scenario-v\(Scenario.currentVersion).json")),
            ("title", .string("milvus-scenario scenario")),
        ] + root + [("definitions", .object(definitions))])
    }

    static func objectSchema(_ spec: ObjectSpec, reach: (ObjectSpec) -> Void) -> [(String, JSONValue)] {
        var properties: [(String, JSONValue)] = []
        for key in spec.keys {
            var property = schema(for: key.kind, reach: reach)
            var doc = key.doc
            if let d = key.defaultText { doc += " Default: \(d.replacingAll("`", with: ""))." }
            property.insert(("description", .string(doc)), at: 0)
            if case .defaultValue(let text) = key.presence, let value = defaultJSON(text, key.kind) {
                property.append(("default", value))
            }
            properties.append((key.name, .object(property)))
        }
        var out: [(String, JSONValue)] = [
            ("type", .array([.string("object"), .string("null")])),
            ("description", .string(spec.doc)),
            ("properties", .object(properties)),
            ("additionalProperties", .bool(false)),
        ]
        if spec.allowsExtensionKeys {
            out.insert(("patternProperties", .object([("^x-", .object([("description", .string("Ignored; a place for YAML anchors."))]))])), at: 3)
        }
        let required = spec.keys.filter(\.isRequired).map { JSONValue.string($0.name) }
        if !required.isEmpty {
            out[0] = ("type", .string("object"))
            out.append(("required", .array(required)))
        }
        return out
    }

    static let interpolation = JSONValue.object([("$ref", .string("#/definitions/interpolation"))])

    static func orInterpolation(_ schema: [(String, JSONValue)]) -> [(String, JSONValue)] {
        [("anyOf", .array([.object(schema), interpolation]))]
    }

    static func pattern(_ p: String) -> [(String, JSONValue)] {
        [("type", .string("string")), ("pattern", .string(p))]
    }

    static let durationPattern = #"^([0-9]+(\.[0-9]+)?(ms|us|h|m|s))+$"#
    static let scalarTypes = JSONValue.array([.string("string"), .string("number"), .string("boolean")])

    static func schema(for kind: ValueKind, reach: (ObjectSpec) -> Void) -> [(String, JSONValue)] {
        switch kind {
        case .text, .scalar:
            return [("type", scalarTypes)]
        case .secret, .expression:
            return [("type", .string("string"))]
        case .identifier:
            return orInterpolation(pattern(#"^[A-Za-z_][A-Za-z0-9_-]*$"#))
        case .boolean:
            return orInterpolation([("type", .string("boolean"))])
        case .integer(let lo, let hi):
            var s: [(String, JSONValue)] = [("type", .string("integer"))]
            if let lo { s.append(("minimum", .int(lo))) }
            if let hi { s.append(("maximum", .int(hi))) }
            return orInterpolation(s)
        case .number(let lo, let hi):
            var s: [(String, JSONValue)] = [("type", .string("number"))]
            if let lo { s.append(("minimum", .number(lo))) }
            if let hi { s.append(("maximum", .number(hi))) }
            return orInterpolation(s)
        case .duration:
            return orInterpolation(pattern(durationPattern))
        case .rate:
            return orInterpolation(pattern(#"^[0-9]+(\.[0-9]+)? */ *(ms|s|m|h)$"#))
        case .percent:
            return orInterpolation(pattern(#"^[0-9]+(\.[0-9]+)?%$"#))
        case .fraction:
            return [("anyOf", .array([
                .object([("type", .string("number")), ("minimum", .int(0)), ("maximum", .int(1))]),
                .object(pattern(#"^[0-9]+(\.[0-9]+)?%$"#)),
                interpolation,
            ]))]
        case .choice(let options):
            return orInterpolation([("enum", .array(options.map(JSONValue.string)))])
        case .url:
            return pattern(#"^(https?://|\$\{)"#)
        case .argv:
            return [("anyOf", .array([
                .object([("type", .string("array")), ("items", .object([("type", .array([.string("string"), .string("number")]))])), ("minItems", .int(1))]),
                .object([("type", .string("string")), ("description", .string("One command line, only with shell: true."))]),
            ]))]
        case .parameters, .textMap:
            return [("type", .array([.string("object"), .string("null")])), ("additionalProperties", .object([("type", scalarTypes)]))]
        case .countOrDuration:
            return [("anyOf", .array([.object([("type", .string("integer")), ("minimum", .int(0))]), .object(pattern(durationPattern)), interpolation]))]
        case .list(let item, let minCount):
            var s: [(String, JSONValue)] = [("type", .string("array")), ("items", .object(schema(for: item, reach: reach)))]
            if minCount > 0 { s.append(("minItems", .int(minCount))) }
            return s
        case .map(let item):
            return [("type", .string("object")), ("additionalProperties", .object(schema(for: item, reach: reach)))]
        case .oneOrMore(let item):
            let one = schema(for: item, reach: reach)
            return [("anyOf", .array([.object(one), .object([("type", .string("array")), ("items", .object(one)), ("minItems", .int(1))])]))]
        case .object(let spec):
            reach(spec)
            return [("$ref", .string("#/definitions/\(spec.name)"))]
        case .variant(let set):
            var options: [JSONValue] = []
            var bare: [JSONValue] = []
            for (name, spec) in zip(set.names, set.variants) {
                reach(spec)
                options.append(.object([
                    ("type", .string("object")),
                    ("description", .string(spec.doc)),
                    ("properties", .object([(name, .object([("$ref", .string("#/definitions/\(spec.name)"))]))])),
                    ("required", .array([.string(name)])),
                    ("additionalProperties", .bool(false)),
                ]))
                if !spec.keys.contains(where: \.isRequired) { bare.append(.string(name)) }
            }
            if !bare.isEmpty { options.append(.object([("enum", .array(bare))])) }
            return [("oneOf", .array(options))]
        }
    }

    static func defaultJSON(_ text: String, _ kind: ValueKind) -> JSONValue? {
        switch kind {
        case .boolean: return .bool(text == "true")
        case .integer: return Int(text).map(JSONValue.int)
        case .number, .fraction: return ScenarioNumber.parseDouble(text).map(JSONValue.number)
        case .countOrDuration: return Int(text).map(JSONValue.int) ?? .string(text)
        case .text, .identifier, .duration, .rate, .percent, .choice, .url: return .string(text)
        default: return nil
        }
    }
}
