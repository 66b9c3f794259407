/// `create`: creates a collection from a schema of fields.
public struct CreateStep: StepSpec {
    public static let shardRole = ShardRole.setup
    public static let kind = "create"
    public static let summary = "Creates the collection from a list of fields. With `recreate: true` an existing collection of that name is dropped first."
    public static let collectionUse = CollectionUse.required

    public enum FieldType: String, Sendable, CaseIterable {
        case int64, int32, int16, int8, bool, float, double, varchar, json, array
        case floatVector, binaryVector, float16Vector, bfloat16Vector, int8Vector, sparseFloatVector

        /// Dense vectors: a `dim` each.
        public var isDenseVector: Bool { [.floatVector, .binaryVector, .float16Vector, .bfloat16Vector, .int8Vector].contains(self) }
        public var isVector: Bool { isDenseVector || self == .sparseFloatVector }
        /// What an array's elements may be.
        public var isArrayElement: Bool { [.bool, .int8, .int16, .int32, .int64, .float, .double, .varchar].contains(self) }
        public var isInteger: Bool { [.int8, .int16, .int32, .int64].contains(self) }
        /// The vector types Milvus 2.3 does not know (2.4: float16, bfloat16, sparse; 2.6: int8).
        public var isNewerVector: Bool { [.float16Vector, .bfloat16Vector, .int8Vector, .sparseFloatVector].contains(self) }
    }

    public enum ConsistencyLevel: String, Sendable, CaseIterable {
        case Strong, Bounded, Session, Eventually
    }

    /// Built-in analyzers for full-text search (BM25).
    public enum Analyzer: String, Sendable, CaseIterable {
        case standard, english, chinese
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
        public var elementType: FieldType?
        public var maxCapacity: Int?
        public var nullable: Bool = false
        /// The default value as written (checked against the type).
        public var defaultValue: String?
        public var partitionKey: Bool = false
        public var clusteringKey: Bool = false
        public var analyzer: Analyzer?
        /// The output of a collection function (filled in by the create step's `functions`).
        public var functionOutput: Bool = false
        public var mark: Mark
    }

    /// A function computing one field from another as rows arrive.
    public struct Function: Sendable, Hashable {
        public enum Kind: String, Sendable, CaseIterable { case BM25 }
        public var name: String
        public var type: Kind
        public var input: String
        public var output: String
        public var mark: Mark
    }

    public struct FieldKeys: KeySet {
        public init() {}
        public let name = Key.identifier("name", .required, "Field name.")
        public let type = Key<FieldType>.choice("type", .required, "Data type. `float16Vector`, `bfloat16Vector` and `sparseFloatVector` need Milvus 2.4+, `int8Vector` 2.6+; the capability check refuses them on older servers before the first step.")
        public let primary = Key.boolean("primary", .defaultValue("false"), "The primary key; exactly one field has it (`int64` or `varchar`).")
        public let autoId = Key.boolean("autoId", .defaultValue("false"), "Milvus assigns the primary keys; inserts leave the field out.")
        public let dim = Key.integer("dim", min: 1, max: 32768, .optional, "Vector dimension; required for dense vectors (`floatVector`, `binaryVector` — a multiple of 8 —, `float16Vector`, `bfloat16Vector`, `int8Vector`). Sparse vectors have none.")
        public let maxLength = Key.integer("maxLength", min: 1, max: 65535, .optional, "Longest value in bytes; required for `varchar` (and arrays of varchar).")
        public let elementType = Key<FieldType>.choice("elementType", among: FieldType.allCases.filter(\.isArrayElement), .optional, "(`array`) The type of the elements; required.")
        public let maxCapacity = Key.integer("maxCapacity", min: 1, max: 4096, .optional, "(`array`) Most elements per row; required.")
        public let nullable = Key.boolean("nullable", .defaultValue("false"), "Rows may leave the field null (Milvus 2.5+; scalar fields other than the primary key). A generator's `nullFraction` makes null rows.")
        public let defaultValue = Key.scalar("defaultValue", .optional, "What the server stores for a row that leaves the field null (Milvus 2.5+; scalar fields other than the primary key, `json` and `array`).")
        public let partitionKey = Key.boolean("partitionKey", .defaultValue("false"), "Spread rows over partitions by this field's hash (`int64` or `varchar`, not the primary key; at most one). The collection's `partitions` sets how many.")
        public let clusteringKey = Key.boolean("clusteringKey", .defaultValue("false"), "Sort segments by this field when compacting (Milvus 2.5+; a scalar field other than the primary key; at most one).")
        public let analyzer = Key<Analyzer>.choice("analyzer", .optional, "(`varchar`) Analyse the text into terms for full-text search; the input of a `BM25` function needs one (Milvus 2.5+).")
        public let description = Key.text("description", .optional, "Free text stored with the field.")
    }

    public static let fieldInfo = ObjectInfo(name: "field", title: "field", doc: "One field of a collection's schema.")
    /// A field's settings, for the reference.
    public static var fieldSpec: ObjectSpec { fieldInfo.spec(FieldKeys.self) }

    public struct FunctionKeys: KeySet {
        public init() {}
        public let name = Key.identifier("name", .runtimeDefault("`<input>_bm25`"), "Function name.")
        public let type = Key<Function.Kind>.choice("type", .defaultValue("BM25"), "What it computes.")
        public let input = Key.identifier("input", .required, "The `varchar` field it reads (with an `analyzer`).")
        public let output = Key.identifier("output", .required, "The `sparseFloatVector` field it fills; inserts leave it out.")
    }

    public static let functionInfo = ObjectInfo(
        name: "function", title: "function", doc: "A function the server runs on every inserted row: `BM25` turns a `varchar` field with an `analyzer` into a `sparseFloatVector` of term weights, which full-text searches (`text:`) use.")

    public struct Keys: KeySet {
        public init() {}

        public let fields = ObjectListKey<FieldKeys>("fields", fieldInfo, minCount: 1, .required, "The schema: one primary key field and at least one vector field.")
        public let recreate = Key.boolean("recreate", .defaultValue("false"), "Drop an existing collection of the same name first; without it an existing collection is an error.")
        public let shards = Key.integer("shards", min: 1, max: 64, .defaultValue("1"), "Number of shards (virtual channels).")
        public let consistency = Key<ConsistencyLevel>.choice("consistency", .defaultValue("Bounded"), "Default consistency level of the collection.")
        public let dynamicFields = Key.boolean("dynamicFields", .defaultValue("false"), "Rows may carry keys the schema does not declare (kept in the hidden `$meta` JSON field); an insert's `dynamic` generates them, and filters may use them.")
        public let partitions = Key.integer("partitions", min: 1, max: 4096, .runtimeDefault("the server's default (16) when a field is the `partitionKey`"), "Partitions the partition key spreads rows over; needs a `partitionKey` field.")
        public let functions = ObjectListKey<FunctionKeys>("functions", functionInfo, minCount: 1, .optional, "Functions that compute fields from others (BM25 for full-text search).")
        public let description = Key.text("description", .optional, "Free text stored with the collection.")
    }

    public struct Metrics: StepMetrics {
        public init() {}
        public let totalTime = Metric<DurationValue>.totalTime("creating the collection (including a drop for `recreate`)")
    }

    public var fields: [Field]
    public var recreate: Bool
    public var shards: Int
    public var consistency: ConsistencyLevel
    public var description: String?
    public var dynamicFields: Bool
    public var partitions: Int?
    public var functions: [Function]

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        // Fields whose dim/maxLength/elementType/maxCapacity was written but invalid: already
        // reported, not "missing".
        var written: Set<String> = []
        let decoded = r.objects(\.fields) { f in
            let field = Field(name: f[\.name] ?? "", type: f[\.type] ?? .int64,
                              primary: f[\.primary] ?? false, autoId: f[\.autoId] ?? false,
                              dim: f[\.dim], maxLength: f[\.maxLength], description: f[\.description],
                              elementType: f[\.elementType], maxCapacity: f[\.maxCapacity],
                              nullable: f[\.nullable] ?? false, defaultValue: f[\.defaultValue],
                              partitionKey: f[\.partitionKey] ?? false, clusteringKey: f[\.clusteringKey] ?? false,
                              analyzer: f[\.analyzer], mark: f.node.mark)
            if f.has(\.dim) || f.has(\.maxLength) || f.has(\.elementType) || f.has(\.maxCapacity) { written.insert(field.name) }
            return field
        }
        fields = decoded ?? []
        recreate = r[\.recreate] ?? false
        shards = r[\.shards] ?? 1
        consistency = r[\.consistency] ?? .Bounded
        description = r[\.description]
        dynamicFields = r[\.dynamicFields] ?? false
        partitions = r[\.partitions]
        functions = r.objects(\.functions) { f in
            let input = f[\.input] ?? ""
            return Function(name: f[\.name] ?? "\(input)_bm25", type: f[\.type] ?? .BM25, input: input,
                            output: f[\.output] ?? "", mark: f.node.mark)
        } ?? []
        for function in functions {
            if let i = fields.firstIndex(where: { $0.name == function.output }) { fields[i].functionOutput = true }
        }
        if decoded != nil {
            Self.check(fields, written: written, at: r.mark(\.fields), context.decoder)
            Self.check(functions, fields, context.decoder)
            if let partitions, !fields.contains(where: \.partitionKey) {
                context.decoder.error(r.mark(\.partitions), .fieldOption, "'partitions' (\(partitions)) needs a field with 'partitionKey: true' to spread rows by")
            }
        }
    }

    static func check(_ functions: [Function], _ fields: [Field], _ d: SpecDecoder) {
        var outputs: Set<String> = []
        for f in functions {
            if let input = fields.first(where: { $0.name == f.input }) {
                if input.type != .varchar {
                    d.error(f.mark, .functionField, "BM25 reads text: its input '\(f.input)' must be a varchar, and it is \(input.type.rawValue)")
                } else if input.analyzer == nil {
                    d.error(f.mark, .functionField, "BM25's input '\(f.input)' needs an analyzer (add 'analyzer: standard' to the field)")
                }
            } else {
                d.error(f.mark, .functionField, "the function's input '\(f.input)' is not a field of the collection\(Suggestion.hint(for: f.input, in: fields.map(\.name)))")
            }
            if let output = fields.first(where: { $0.name == f.output }) {
                if output.type != .sparseFloatVector {
                    d.error(f.mark, .functionField, "BM25 writes a sparse vector: its output '\(f.output)' must be a sparseFloatVector, and it is \(output.type.rawValue)")
                }
            } else {
                d.error(f.mark, .functionField, "the function's output '\(f.output)' is not a field of the collection\(Suggestion.hint(for: f.output, in: fields.map(\.name)))")
            }
            if !outputs.insert(f.output).inserted {
                d.error(f.mark, .functionField, "two functions write '\(f.output)'; each field has at most one")
            }
        }
    }

    static func check(_ fields: [Field], written: Set<String>, at mark: Mark, _ d: SpecDecoder) {
        var seen: [String: Mark] = [:]
        for f in fields {
            if let first = seen[f.name] {
                d.error(f.mark, .fieldDuplicate, "field '\(f.name)' is declared twice (first at \(first.line):\(first.column))")
            }
            seen[f.name] = f.mark
            let isWritten = written.contains(f.name)
            if f.type.isDenseVector, f.dim == nil, !isWritten {
                d.error(f.mark, .fieldIncomplete, "field '\(f.name)' is a \(f.type.rawValue) and needs 'dim' (its dimension, e.g. dim: 128)")
            }
            if f.type == .binaryVector, let dim = f.dim, dim % 8 != 0 {
                d.error(f.mark, .fieldOption, "a binaryVector's dim counts bits and must be a multiple of 8; '\(f.name)' has \(dim)")
            }
            let holdsText = f.type == .varchar || (f.type == .array && f.elementType == .varchar)
            if holdsText, f.maxLength == nil, !isWritten {
                d.error(f.mark, .fieldIncomplete, "field '\(f.name)' holds varchar values and needs 'maxLength' (e.g. maxLength: 100)")
            }
            if f.type == .array {
                if f.elementType == nil, !isWritten { d.error(f.mark, .fieldIncomplete, "field '\(f.name)' is an array and needs 'elementType' (e.g. elementType: int64)") }
                if f.maxCapacity == nil, !isWritten { d.error(f.mark, .fieldIncomplete, "field '\(f.name)' is an array and needs 'maxCapacity' (its most elements per row, e.g. maxCapacity: 8)") }
            } else {
                if f.elementType != nil { d.error(f.mark, .fieldOption, "'elementType' applies only to array fields, and '\(f.name)' is \(f.type.rawValue)") }
                if f.maxCapacity != nil { d.error(f.mark, .fieldOption, "'maxCapacity' applies only to array fields, and '\(f.name)' is \(f.type.rawValue)") }
            }
            if f.dim != nil && !f.type.isDenseVector {
                let why = f.type == .sparseFloatVector ? " (sparse vectors have no fixed dimension)" : ""
                d.error(f.mark, .fieldOption, "'dim' applies only to dense vector fields, and '\(f.name)' is \(f.type.rawValue)\(why)")
            }
            if f.maxLength != nil && !holdsText { d.error(f.mark, .fieldOption, "'maxLength' applies only to varchar fields (and arrays of varchar), and '\(f.name)' is \(f.type.rawValue)") }
            if f.autoId && !f.primary { d.error(f.mark, .fieldOption, "'autoId' applies only to the primary key field; '\(f.name)' is not primary") }
            if f.primary && f.type != .int64 && f.type != .varchar {
                d.error(f.mark, .primaryKeyType, "the primary key must be int64 or varchar; '\(f.name)' is \(f.type.rawValue)")
            }
            if f.analyzer != nil, f.type != .varchar { d.error(f.mark, .fieldOption, "'analyzer' applies only to varchar fields, and '\(f.name)' is \(f.type.rawValue)") }
            if f.nullable, f.primary || f.type.isVector {
                d.error(f.mark, .fieldOption, "'\(f.name)' cannot be nullable: \(f.primary ? "it is the primary key" : "vector fields are never null here")")
            }
            if let value = f.defaultValue {
                if f.primary || f.type.isVector || f.type == .json || f.type == .array {
                    d.error(f.mark, .fieldOption, "'defaultValue' applies to scalar fields other than the primary key, json and array; '\(f.name)' is \(f.primary ? "the primary key" : f.type.rawValue)")
                } else if !Self.accepts(f.type, value, maxLength: f.maxLength) {
                    d.error(f.mark, .fieldOption, "'defaultValue' \(value) is not a valid \(f.type.rawValue) value\(f.type == .varchar ? " of at most \(f.maxLength ?? 0) bytes" : "")")
                }
            }
            if f.partitionKey, f.primary || (f.type != .int64 && f.type != .varchar) {
                d.error(f.mark, .fieldOption, "the partition key must be an int64 or varchar field other than the primary key; '\(f.name)' is \(f.primary ? "the primary key" : f.type.rawValue)")
            }
            if f.clusteringKey, f.primary || f.type.isVector || f.type == .json || f.type == .array || f.type == .bool {
                d.error(f.mark, .fieldOption, "the clustering key must be a numeric or varchar field other than the primary key; '\(f.name)' is \(f.primary ? "the primary key" : f.type.rawValue)")
            }
        }
        let primaries = fields.filter(\.primary)
        if primaries.isEmpty { d.error(mark, .primaryKeyMissing, "the schema needs one primary key field (add 'primary: true' to one field)") }
        for extra in primaries.dropFirst() { d.error(extra.mark, .primaryKeyDuplicate, "only one field can be the primary key; '\(primaries[0].name)' already is") }
        for (flag, what) in [(\Field.partitionKey, "partition key"), (\Field.clusteringKey, "clustering key")] {
            let marked = fields.filter { $0[keyPath: flag] }
            for extra in marked.dropFirst() { d.error(extra.mark, .fieldOption, "only one field can be the \(what); '\(marked[0].name)' already is") }
        }
        if !fields.contains(where: { $0.type.isVector }) {
            d.error(mark, .vectorFieldMissing, "the schema needs at least one vector field to search")
        }
    }

    /// Whether `text` is a value of `type`.
    static func accepts(_ type: FieldType, _ text: String, maxLength: Int?) -> Bool {
        switch type {
        case .bool: return text == "true" || text == "false"
        case .int8, .int16, .int32, .int64:
            guard let v = ScenarioNumber.parseInteger(text) else { return false }
            let bits = ["int8": 8, "int16": 16, "int32": 32, "int64": 64][type.rawValue]!
            return bits == 64 || (v >= -(1 << (bits - 1)) && v < (1 << (bits - 1)))
        case .float, .double: return ScenarioNumber.parseDouble(text) != nil
        case .varchar: return text.utf8.count <= (maxLength ?? 65535)
        default: return false
        }
    }
}

extension DiagnosticCode {
    public static let fieldDuplicate = DiagnosticCode("field-duplicate")
    public static let fieldIncomplete = DiagnosticCode("field-incomplete")
    public static let fieldOption = DiagnosticCode("field-option")
    public static let functionField = DiagnosticCode("function-field")
    public static let primaryKeyDuplicate = DiagnosticCode("primary-key-duplicate")
    public static let primaryKeyMissing = DiagnosticCode("primary-key-missing")
    public static let primaryKeyType = DiagnosticCode("primary-key-type")
    public static let vectorFieldMissing = DiagnosticCode("vector-field-missing")
}

extension CreateStep {
    /// Later steps on the collection are checked against this schema.
    public func check(_ step: Step, _ checks: inout ScenarioChecks) {
        checks.created(self, for: step)
    }
}

extension CreateStep {
    public static let diagnosticCodes: [DiagnosticCode] = [.fieldDuplicate, .fieldIncomplete, .fieldOption, .functionField, .primaryKeyDuplicate, .primaryKeyMissing, .primaryKeyType, .vectorFieldMissing]

    public static let examples: [StepExample] = [
        .valid("An int64 key the server assigns, a 128-d vector and a category", """
            - create:
                recreate: true
                fields:
                  - {name: id, type: int64, primary: true, autoId: true}
                  - {name: embedding, type: floatVector, dim: 128}
                  - {name: category, type: varchar, maxLength: 32}
            """, after: .none),
        .valid("Full-text search: a BM25 function fills a sparse vector from analysed text", """
            - create:
                fields:
                  - {name: id, type: int64, primary: true}
                  - {name: body, type: varchar, maxLength: 2000, analyzer: standard}
                  - {name: terms, type: sparseFloatVector}
                functions:
                  - {input: body, output: terms}
            """, after: .none),
        .invalid("A field declared twice", """
            - create:
                fields:
                  - {name: id, type: int64, primary: true}
                  - {name: id, type: floatVector, dim: 8}
            """, after: .none, .fieldDuplicate),
        .invalid("A vector without its dimension", """
            - create:
                fields:
                  - {name: id, type: int64, primary: true}
                  - {name: embedding, type: floatVector}
            """, after: .none, .fieldIncomplete),
        .invalid("autoId on a field that is not the key", """
            - create:
                fields:
                  - {name: id, type: int64, primary: true}
                  - {name: n, type: int64, autoId: true}
                  - {name: embedding, type: floatVector, dim: 8}
            """, after: .none, .fieldOption),
        .invalid("A BM25 function reading a field that does not exist", """
            - create:
                fields:
                  - {name: id, type: int64, primary: true}
                  - {name: body, type: varchar, maxLength: 100, analyzer: standard}
                  - {name: terms, type: sparseFloatVector}
                functions:
                  - {input: bdy, output: terms}
            """, after: .none, .functionField),
        .invalid("Two primary keys", """
            - create:
                fields:
                  - {name: id, type: int64, primary: true}
                  - {name: other, type: int64, primary: true}
                  - {name: embedding, type: floatVector, dim: 8}
            """, after: .none, .primaryKeyDuplicate),
        .invalid("No primary key", """
            - create:
                fields:
                  - {name: id, type: int64}
                  - {name: embedding, type: floatVector, dim: 8}
            """, after: .none, .primaryKeyMissing),
        .invalid("A float primary key", """
            - create:
                fields:
                  - {name: id, type: float, primary: true}
                  - {name: embedding, type: floatVector, dim: 8}
            """, after: .none, .primaryKeyType),
        .invalid("Nothing to search", """
            - create:
                fields:
                  - {name: id, type: int64, primary: true}
                  - {name: name, type: varchar, maxLength: 20}
            """, after: .none, .vectorFieldMissing),
    ]
}
