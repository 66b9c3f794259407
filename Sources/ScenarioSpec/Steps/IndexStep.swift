/// `index`: builds a vector index and waits until every row is indexed.
public struct IndexStep: StepSpec {
    public static let kind = "index"
    public static let summary = "Creates an index on a vector field and (by default) waits until all rows are indexed."
    public static let collectionUse = CollectionUse.required

    public enum IndexType: String, Sendable, CaseIterable {
        case IVF_FLAT, IVF_SQ8, IVF_PQ, HNSW, FLAT, AUTOINDEX, DISKANN
    }

    public enum MetricType: String, Sendable, CaseIterable {
        case L2, IP, COSINE
    }

    /// Build parameters each index type understands; others are reported as likely typos.
    public static let knownParameters: [IndexType: [String]] = [
        .IVF_FLAT: ["nlist"], .IVF_SQ8: ["nlist"], .IVF_PQ: ["nlist", "m", "nbits"],
        .HNSW: ["M", "efConstruction"], .FLAT: [], .AUTOINDEX: [], .DISKANN: [],
    ]

    public static let keys: [KeySpec] = [
        KeySpec("field", .identifier, .runtimeDefault("the collection's only floatVector field"), "The vector field to index."),
        KeySpec("type", .choice(IndexType.allCases.map(\.rawValue)), .defaultValue("AUTOINDEX"), "Index type."),
        KeySpec("metric", .choice(MetricType.allCases.map(\.rawValue)), .defaultValue("L2"), "Distance metric."),
        KeySpec("params", .parameters, .defaultValue("{}"), "Build parameters, e.g. `{nlist: 128}` for IVF, `{M: 16, efConstruction: 200}` for HNSW."),
        KeySpec("name", .identifier, .runtimeDefault("Milvus's default index name"), "Index name."),
        KeySpec("wait", .boolean, .defaultValue("true"), "Wait until every row is indexed."),
        KeySpec("timeout", .duration(allowZero: false), .defaultValue("10m"), "Longest wait for the index to be built."),
    ]

    public struct Metrics: StepMetrics {
        public init() {}
        public let indexedRows = Metric<CountValue>("indexedRows", .neither, "Rows indexed when the step ended.")
        public let totalTime = Metric<DurationValue>.totalTime("building the index (including the wait)")
    }

    public var field: String?
    public var type: IndexType
    public var metric: MetricType
    public var params: [Parameter]
    public var name: String?
    public var wait: Bool
    public var timeout: ScenarioDuration
    public var deadline: ScenarioDuration? { timeout }

    public init(_ r: ObjectReader, _ context: StepDecodingContext) {
        field = r.string("field")
        type = r.choice("type") ?? .AUTOINDEX
        metric = r.choice("metric") ?? .L2
        params = r.parameters("params") ?? []
        name = r.string("name")
        wait = r.bool("wait") ?? true
        timeout = r.duration("timeout") ?? .seconds(600)
        let known = Self.knownParameters[type] ?? []
        for p in params where !known.contains(p.name) {
            let hint = Suggestion.hint(for: p.name, in: known)
            let uses = known.isEmpty ? "takes no build parameters" : "uses \(known.joined(separator: ", "))"
            context.decoder.warning(p.mark, .indexParameter, "\(type.rawValue) \(uses); the server may reject or ignore '\(p.name)'\(hint)")
        }
    }
}
