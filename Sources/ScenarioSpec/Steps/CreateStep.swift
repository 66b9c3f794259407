/// `create`: creates a collection from a schema of fields.
public struct CreateStep: StepSpec {
    public static let kind = "create"
    public static let summary = "Creates the collection from a list of fields. With `recreate: true` an existing collection of that name is dropped first."
    public static let collectionUse = CollectionUse.required

    public enum FieldType: String, Sendable, CaseIterable {
        case int64, int32, int16, int8, bool, float, double, varchar, floatVector
    }

    public enum ConsistencyLevel: String, Sendable, CaseIterable {
        case Strong, Bounded, Session, Eventually
    }

    /// One field of the collection's schema.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var type: FieldType
        public var primary: Bool
        public var autoId: Bool
        public var dim: Int?
        public var maxLength: Int?
        public var description: String?
        public var mark: Mark
    }

    public static let fieldSpec = ObjectSpec(
        name: "field", title: "field", doc: "One field of a collection's schema.",
        keys: [
            KeySpec("name", .identifier, .required, "Field name."),
            KeySpec("type", .choice(FieldType.allCases.map(\.rawValue)), .required, "Data type."),
            KeySpec("primary", .boolean, .defaultValue("false"), "The primary key; exactly one field has it (`int64` or `varchar`)."),
            KeySpec("autoId", .boolean, .defaultValue("false"), "Milvus assigns the primary keys; inserts leave the field out."),
            KeySpec("dim", .integer(min: 1, max: 32768), .optional, "Vector dimension; required for `floatVector`."),
            KeySpec("maxLength", .integer(min: 1, max: 65535), .optional, "Longest value in bytes; required for `varchar`."),
            KeySpec("description", .text, .optional, "Free text stored with the field."),
        ])

    public static let keys: [KeySpec] = [
        KeySpec("fields", .list(.object(fieldSpec), minCount: 1), .required, "The schema: one primary key field and at least one `floatVector` field."),
        KeySpec("recreate", .boolean, .defaultValue("false"), "Drop an existing collection of the same name first; without it an existing collection is an error."),
        KeySpec("shards", .integer(min: 1, max: 64), .defaultValue("1"), "Number of shards (virtual channels)."),
        KeySpec("consistency", .choice(ConsistencyLevel.allCases.map(\.rawValue)), .defaultValue("Bounded"), "Default consistency level of the collection."),
        KeySpec("description", .text, .optional, "Free text stored with the collection."),
    ]

    public struct Metrics: StepMetrics {
        public init() {}
        public let totalTime = Metric<DurationValue>.totalTime("creating the collection (including a drop for `recreate`)")
    }

    public var fields: [Field]
    public var recreate: Bool
    public var shards: Int
    public var consistency: ConsistencyLevel
    public var description: String?

    public init(_ r: ObjectReader, _ context: StepDecodingContext) {
        // Fields whose dim/maxLength was written but invalid: already reported, not "missing".
        var written: Set<String> = []
        let decoded = r.objects("fields") { f in
            let field = Field(name: f.string("name") ?? "", type: f.choice("type") ?? .int64,
                              primary: f.bool("primary") ?? false, autoId: f.bool("autoId") ?? false,
                              dim: f.int("dim"), maxLength: f.int("maxLength"), description: f.string("description"),
                              mark: f.node.mark)
            if f.has("dim") || f.has("maxLength") { written.insert(field.name) }
            return field
        }
        fields = decoded ?? []
        recreate = r.bool("recreate") ?? false
        shards = r.int("shards") ?? 1
        consistency = r.choice("consistency") ?? .Bounded
        description = r.string("description")
        if decoded != nil { Self.check(fields, written: written, at: r.mark("fields"), context.decoder) }
    }

    static func check(_ fields: [Field], written: Set<String>, at mark: Mark, _ d: SpecDecoder) {
        var seen: [String: Mark] = [:]
        for f in fields {
            if let first = seen[f.name] {
                d.error(f.mark, .fieldDuplicate, "field '\(f.name)' is declared twice (first at \(first.line):\(first.column))")
            }
            seen[f.name] = f.mark
            switch f.type {
            case .floatVector:
                if f.dim == nil, !written.contains(f.name) { d.error(f.mark, .fieldIncomplete, "field '\(f.name)' is a floatVector and needs 'dim' (its dimension, e.g. dim: 128)") }
            case .varchar:
                if f.maxLength == nil, !written.contains(f.name) { d.error(f.mark, .fieldIncomplete, "field '\(f.name)' is a varchar and needs 'maxLength' (e.g. maxLength: 100)") }
            default: break
            }
            if f.dim != nil && f.type != .floatVector { d.error(f.mark, .fieldOption, "'dim' applies only to floatVector fields, and '\(f.name)' is \(f.type.rawValue)") }
            if f.maxLength != nil && f.type != .varchar { d.error(f.mark, .fieldOption, "'maxLength' applies only to varchar fields, and '\(f.name)' is \(f.type.rawValue)") }
            if f.autoId && !f.primary { d.error(f.mark, .fieldOption, "'autoId' applies only to the primary key field; '\(f.name)' is not primary") }
            if f.primary && f.type != .int64 && f.type != .varchar {
                d.error(f.mark, .primaryKeyType, "the primary key must be int64 or varchar; '\(f.name)' is \(f.type.rawValue)")
            }
        }
        let primaries = fields.filter(\.primary)
        if primaries.isEmpty { d.error(mark, .primaryKeyMissing, "the schema needs one primary key field (add 'primary: true' to one field)") }
        for extra in primaries.dropFirst() { d.error(extra.mark, .primaryKeyDuplicate, "only one field can be the primary key; '\(primaries[0].name)' already is") }
        if !fields.contains(where: { $0.type == .floatVector }) {
            d.error(mark, .vectorFieldMissing, "the schema needs at least one floatVector field to search")
        }
    }
}
