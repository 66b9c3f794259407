/// What each search request looks like; shared by `concurrentSearch`, `hotSearch` and `watch`'s background load.
public struct SearchSettings: Sendable, Hashable {
    public var topK: Int
    public var nq: Int
    public var params: [Parameter]
    public var field: String?
    public var metric: IndexStep.MetricType?
    public var consistency: CreateStep.ConsistencyLevel
    public var outputFields: [String]
    public var filter: String?
    public var vectors: InsertStep.FieldGenerator?
    public var timeout: ScenarioDuration?
    /// Where `filter` was written (for diagnostics that check its field names).
    public var filterMark: Mark?

    public static let vectorSpec = ObjectSpec(
        name: "query_vectors", title: "query vectors",
        doc: "How query vectors are generated: a generator (`uniform`, `gaussian` or `clusters`) with an optional `seed` and `normalize`, or a data set `file` (its `test` dataset for HDF5), used from its first row on and over again when the step needs more. With the rows' `clusters` count, queries fall near the same centres as the rows.",
        keys: InsertStep.generatorSpec.keys, constraints: InsertStep.generatorSpec.constraints)

    public static let keys: [KeySpec] = [
        KeySpec("topK", .integer(min: 1, max: 16384), .defaultValue("10"), "Results per query vector (Milvus allows 1–16384)."),
        KeySpec("nq", .integer(min: 1, max: 16384), .defaultValue("1"), "Query vectors per search request."),
        KeySpec("params", .parameters, .defaultValue("{}"), "Search parameters, e.g. `{nprobe: 10}` for IVF or `{ef: 64}` for HNSW."),
        KeySpec("field", .identifier, .runtimeDefault("the collection's only floatVector field"), "The vector field to search."),
        KeySpec("metric", .choice(IndexStep.MetricType.allCases.map(\.rawValue)), .runtimeDefault("the index's metric"), "Distance metric; must match the index."),
        KeySpec("consistency", .choice(CreateStep.ConsistencyLevel.allCases.map(\.rawValue)), .defaultValue("Bounded"), "Consistency level of each search."),
        KeySpec("outputFields", .list(.identifier, minCount: 0), .optional, "Fields returned with each hit."),
        KeySpec("filter", .text, .optional, "Boolean expression filtering the hits, e.g. `category == \"books\"`."),
        KeySpec("vectors", .object(vectorSpec), .runtimeDefault("`{uniform: [0, 1], seed: 7}`"), "How query vectors are generated."),
        KeySpec("timeout", .duration(allowZero: false), .runtimeDefault("the target's `timeout`"), "Deadline of each search request."),
    ]

    init(_ r: ObjectReader) {
        topK = r.int("topK") ?? 10
        nq = r.int("nq") ?? 1
        params = r.parameters("params") ?? []
        field = r.string("field")
        metric = r.choice("metric")
        consistency = r.choice("consistency") ?? .Bounded
        outputFields = r.strings("outputFields") ?? []
        filter = r.string("filter")
        filterMark = filter == nil ? nil : r.mark("filter")
        vectors = r.object("vectors") { InsertStep.generator(field: "vectors", $0) } ?? nil
        timeout = r.duration("timeout")
        if case .some(let v) = vectors {
            switch v.generator {
            case .uniform, .gaussian, .clusters, .file: break
            default: r.decoder.error(v.mark, .generatorType, "query vectors need a vector generator ('uniform', 'gaussian', 'clusters' or 'file')")
            }
        }
    }
}
