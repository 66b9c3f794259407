/// `index`: builds a vector index and waits until every row is indexed.
public struct IndexStep: StepSpec {
    public static let shardRole = ShardRole.setup
    public static let kind = "index"
    public static let summary = "Creates an index on a vector field and (by default) waits until all rows are indexed."
    public static let collectionUse = CollectionUse.required

    public enum IndexType: String, Sendable, CaseIterable {
        case IVF_FLAT, IVF_SQ8, IVF_PQ, HNSW, FLAT, AUTOINDEX, DISKANN
        case BIN_FLAT, BIN_IVF_FLAT
        case SPARSE_INVERTED_INDEX, SPARSE_WAND

        /// Whether it indexes fields of this vector type.
        public func suits(_ type: CreateStep.FieldType) -> Bool {
            switch type {
            case .binaryVector: return [.BIN_FLAT, .BIN_IVF_FLAT, .AUTOINDEX].contains(self)
            case .sparseFloatVector: return [.SPARSE_INVERTED_INDEX, .SPARSE_WAND, .AUTOINDEX].contains(self)
            case .int8Vector: return [.HNSW, .AUTOINDEX].contains(self)
            case .floatVector: return [.IVF_FLAT, .IVF_SQ8, .IVF_PQ, .HNSW, .FLAT, .AUTOINDEX, .DISKANN].contains(self)
            case .float16Vector, .bfloat16Vector: return [.IVF_FLAT, .IVF_SQ8, .IVF_PQ, .HNSW, .FLAT, .AUTOINDEX].contains(self)
            default: return false
            }
        }
    }

    public enum MetricType: String, Sendable, CaseIterable {
        case L2, IP, COSINE
        /// Bits that differ (binary vectors).
        case HAMMING
        /// 1 − |a ∧ b| / |a ∨ b| (binary vectors).
        case JACCARD
        /// Full-text relevance of a BM25 function's sparse output.
        case BM25

        /// Whether it measures fields of this vector type (`bm25`: a BM25 function's output).
        public func suits(_ type: CreateStep.FieldType, bm25: Bool = false) -> Bool {
            switch type {
            case .binaryVector: return self == .HAMMING || self == .JACCARD
            case .sparseFloatVector: return bm25 ? self == .BM25 : self == .IP
            default: return self == .L2 || self == .IP || self == .COSINE
            }
        }
    }

    /// Build parameters each index type understands; others are reported as likely typos.
    public static let knownParameters: [IndexType: [String]] = [
        .IVF_FLAT: ["nlist"], .IVF_SQ8: ["nlist"], .IVF_PQ: ["nlist", "m", "nbits"],
        .HNSW: ["M", "efConstruction"], .FLAT: [], .AUTOINDEX: [], .DISKANN: [],
        .BIN_FLAT: [], .BIN_IVF_FLAT: ["nlist"],
        .SPARSE_INVERTED_INDEX: ["drop_ratio_build", "inverted_index_algo", "bm25_k1", "bm25_b"],
        .SPARSE_WAND: ["drop_ratio_build", "bm25_k1", "bm25_b"],
    ]

    public struct Keys: KeySet {
        public init() {}

        public let field = Key.identifier("field", .runtimeDefault("the collection's only vector field"), "The vector field to index.")
        public let type = Key<IndexType>.choice("type", .defaultValue("AUTOINDEX"), "Index type: `BIN_*` for binary vectors, `SPARSE_*` for sparse ones, the others for float (float16/bfloat16 too; int8: `HNSW`).")
        public let metric = Key<MetricType>.choice("metric", .runtimeDefault("`L2`; `HAMMING` for binary vectors, `IP` for sparse ones, `BM25` for a BM25 function's output"), "Distance metric.")
        public let params = Key.parameters("params", .defaultValue("{}"), "Build parameters, e.g. `{nlist: 128}` for IVF, `{M: 16, efConstruction: 200}` for HNSW.")
        public let name = Key.identifier("name", .runtimeDefault("Milvus's default index name"), "Index name.")
        public let wait = Key.boolean("wait", .defaultValue("true"), "Wait until every row is indexed.")
        public let timeout = Key.duration("timeout", allowZero: false, .defaultValue("10m"), "Longest wait for the index to be built.")
    }

    public struct Metrics: StepMetrics {
        public init() {}
        public let indexedRows = Metric<CountValue>("indexedRows", .neither, "Rows indexed when the step ended.")
        public let totalTime = Metric<DurationValue>.totalTime("building the index (including the wait)")
    }

    public var field: String?
    public var type: IndexType
    /// nil: the default for the field's type (decided against the schema).
    public var writtenMetric: MetricType?
    /// The metric for a float vector field (the written one, or L2).
    public var metric: MetricType { writtenMetric ?? .L2 }

    /// The metric the index uses on a field of this type.
    public func metric(for type: CreateStep.FieldType, bm25: Bool) -> MetricType {
        writtenMetric ?? Self.defaultMetric(for: type, bm25: bm25)
    }

    public static func defaultMetric(for type: CreateStep.FieldType, bm25: Bool) -> MetricType {
        switch type {
        case .binaryVector: return .HAMMING
        case .sparseFloatVector: return bm25 ? .BM25 : .IP
        default: return .L2
        }
    }
    public var params: [Parameter]
    public var name: String?
    public var wait: Bool
    public var timeout: ScenarioDuration
    public var deadline: ScenarioDuration? { timeout }

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        field = r[\.field]
        type = r[\.type] ?? .AUTOINDEX
        writtenMetric = r[\.metric]
        params = r[\.params] ?? []
        name = r[\.name]
        wait = r[\.wait] ?? true
        timeout = r[\.timeout] ?? .seconds(600)
        let known = Self.knownParameters[type] ?? []
        for p in params where !known.contains(p.name) {
            let hint = Suggestion.hint(for: p.name, in: known)
            let uses = known.isEmpty ? "takes no build parameters" : "uses \(known.joined(separator: ", "))"
            context.decoder.warning(p.mark, .indexParameter, "\(type.rawValue) \(uses); the server may reject or ignore '\(p.name)'\(hint)")
        }
    }
}

extension DiagnosticCode {
    public static let indexType = DiagnosticCode("index-type")
}

extension IndexStep {
    /// A vector field, an index type and metric that suit it; later searches of the field use it.
    public func check(_ step: Step, _ checks: inout ScenarioChecks) {
        guard step.collection != nil else { return }
        if let fields = checks.fields(of: step) {
            checks.checkVectorField(field, fields, at: step.mark, what: "index")
            checks.checkIndexType(self, fields, at: step.mark)
        }
        checks.indexed(self, for: step)
    }
}

extension IndexStep {
    public static let diagnosticCodes: [DiagnosticCode] = [.indexType]

    public static let examples: [StepExample] = [
        .valid("IVF_FLAT with 128 lists", """
            - index: {type: IVF_FLAT, metric: L2, params: {nlist: 128}}
            """, after: .created),
        .invalid("A binary index on a float vector", """
            - index: {type: BIN_FLAT, metric: HAMMING}
            """, after: .created, .indexType, .indexType),
    ]
}
