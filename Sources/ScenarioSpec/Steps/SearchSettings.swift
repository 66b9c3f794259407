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
    /// Full-text search: query texts, searched through a BM25 function's sparse field.
    public var text: InsertStep.FieldGenerator?
    public var range: Range?
    public var groupBy: GroupBy?
    public var iterator: Iterator?
    public var timeout: ScenarioDuration?
    /// Added to the query generators' seeds (`run --shard`: each shard its own queries); 0 otherwise.
    public var seedOffset = 0
    /// Where `filter` was written (for diagnostics that check its field names).
    public var filterMark: Mark?

    /// A range search's bounds.
    public struct Range: Sendable, Hashable {
        public var radius: Double
        public var rangeFilter: Double?
        public var mark: Mark
    }

    /// Grouping of the hits by a scalar field.
    public struct GroupBy: Sendable, Hashable {
        public var field: String
        public var size: Int
        public var strict: Bool
        public var mark: Mark
    }

    /// Reading a query's hits page by page.
    public struct Iterator: Sendable, Hashable {
        public var batch: Int
        public var limit: Int?
        public var mark: Mark
    }

    public static let iteratorSpec = ObjectSpec(
        name: "iterator", title: "iterator",
        doc: "Each query reads its hits page by page, `batch` at a time, until the collection has no more (or `limit` rows were read): every page after the first is a range search beyond the last page's worst distance that leaves out the rows already read at that distance — pymilvus's search iterator, on any server with range search (Milvus 2.3+). A query's latency is the whole read; `concurrentSearch` also records `pages`, `pagesPerSecond` and `rowsPerQuery`. One query vector per request (`nq: 1`).",
        keys: [
            KeySpec("batch", .integer(min: 1, max: 16384), .required, "Hits per page."),
            KeySpec("limit", .integer(min: 1, max: nil), .runtimeDefault("every row the search can reach"), "Stop after this many rows."),
        ])

    public static let rangeSpec = ObjectSpec(
        name: "range", title: "range",
        doc: "A range search: only hits within `radius` (and beyond `rangeFilter`), at most `topK` of them. For L2 and HAMMING distances smaller is closer: `rangeFilter ≤ d < radius`. For IP, COSINE and BM25 larger is closer: `radius < s ≤ rangeFilter`.",
        keys: [
            KeySpec("radius", .number(min: nil, max: nil), .required, "The outer bound."),
            KeySpec("rangeFilter", .number(min: nil, max: nil), .optional, "The inner bound (hits closer than it are left out)."),
        ])

    public static let groupBySpec = ObjectSpec(
        name: "groupBy", title: "group by",
        doc: "Grouping search: `topK` groups of hits sharing a value of `field`, up to `size` hits per group (Milvus 2.4+; 2.3.5 refuses it before the first step).",
        keys: [
            KeySpec("field", .identifier, .required, "A scalar field (int, bool or varchar) to group by."),
            KeySpec("size", .integer(min: 1, max: 1024), .defaultValue("1"), "Hits per group."),
            KeySpec("strict", .boolean, .defaultValue("false"), "Fill every group to `size` hits (slower) rather than return what the search met."),
        ])

    public static let textSpec = ObjectSpec(
        name: "query_text", title: "query text",
        doc: "How full-text query texts are made: `words` (made-up words from the same vocabulary as inserted `words` text, when vocabulary and seed family match), `cycle`, `choice` or `constant`.",
        keys: InsertStep.leafSpec.keys.filter { !["uniform", "gaussian", "sequence"].contains($0.name) },
        constraints: [.exactlyOne(["cycle", "choice", "constant", "words"])])

    public static let vectorSpec = ObjectSpec(
        name: "query_vectors", title: "query vectors",
        doc: "How query vectors are generated: a generator (`uniform`, `gaussian` or `clusters`; `sparse` for sparse vectors) with an optional `seed` and `normalize`, or a data set `file` (its `test` dataset for HDF5), used from its first row on and over again when the step needs more. With the rows' `clusters` count, queries fall near the same centres as the rows. Float16, bfloat16, int8 and binary fields get the values converted as for inserted rows.",
        keys: InsertStep.generatorSpec.keys, constraints: InsertStep.generatorSpec.constraints)

    public static let keys: [KeySpec] = [
        KeySpec("topK", .integer(min: 1, max: 16384), .defaultValue("10"), "Results per query vector (Milvus allows 1–16384)."),
        KeySpec("nq", .integer(min: 1, max: 16384), .defaultValue("1"), "Query vectors per search request."),
        KeySpec("params", .parameters, .defaultValue("{}"), "Search parameters, e.g. `{nprobe: 10}` for IVF or `{ef: 64}` for HNSW."),
        KeySpec("field", .identifier, .runtimeDefault("the collection's only vector field"), "The vector field to search (for `text`: the sparse output of a BM25 function)."),
        KeySpec("metric", .choice(IndexStep.MetricType.allCases.map(\.rawValue)), .runtimeDefault("the index's metric"), "Distance metric; must match the index."),
        KeySpec("consistency", .choice(CreateStep.ConsistencyLevel.allCases.map(\.rawValue)), .defaultValue("Bounded"), "Consistency level of each search."),
        KeySpec("outputFields", .list(.identifier, minCount: 0), .optional, "Fields returned with each hit."),
        KeySpec("filter", .text, .optional, "Boolean expression filtering the hits, e.g. `category == \"books\"`."),
        KeySpec("vectors", .object(vectorSpec), .runtimeDefault("`{uniform: [0, 1], seed: 7}`"), "How query vectors are generated."),
        KeySpec("text", .object(textSpec), .optional, "Full-text search: query texts instead of vectors, analysed by the server and scored with BM25 against `field`, the output of a BM25 function (Milvus 2.5+)."),
        KeySpec("range", .object(rangeSpec), .optional, "Range search: `{radius, rangeFilter}`."),
        KeySpec("groupBy", .object(groupBySpec), .optional, "Grouping search: `{field, size, strict}` (Milvus 2.4+)."),
        KeySpec("iterator", .object(iteratorSpec), .optional, "Read each query's hits page by page: `{batch, limit}`."),
        KeySpec("timeout", .duration(allowZero: false), .runtimeDefault("the target's `timeout`"), "Deadline of each search request."),
    ]

    /// One search of a `hybridSearch` (its keys are `HybridSearchStep.searchSpec`'s).
    init(hybridPart r: ObjectReader, consistency: CreateStep.ConsistencyLevel, nq: Int) {
        topK = r.int("topK") ?? 10
        self.nq = nq
        params = r.parameters("params") ?? []
        field = r.string("field")
        metric = r.choice("metric")
        self.consistency = consistency
        outputFields = []
        filter = r.string("filter")
        filterMark = filter == nil ? nil : r.mark("filter")
        vectors = r.object("vectors") { InsertStep.generator(field: "vectors", $0) } ?? nil
        text = r.object("text") { InsertStep.generator(field: "text", $0) } ?? nil
        Self.checkInputs(vectors, text, r)
    }

    /// Query vectors come from a vector generator, without the inserted rows' options; a search
    /// looks for texts or for vectors.
    static func checkInputs(_ vectors: InsertStep.FieldGenerator?, _ text: InsertStep.FieldGenerator?, _ r: ObjectReader) {
        if let v = vectors {
            switch v.generator {
            case .uniform, .gaussian, .clusters, .file, .sparse: break
            default: r.decoder.error(v.mark, .generatorType, "query vectors need a vector generator ('uniform', 'gaussian', 'clusters', 'sparse' or 'file')")
            }
            if v.length != nil || v.nullFraction > 0 {
                r.decoder.error(v.mark, .generatorArguments, "'\(v.length != nil ? "length" : "nullFraction")' applies to inserted rows, not to query vectors")
            }
        }
        if text != nil, r.has("vectors") {
            r.decoder.error(r.mark("text"), .keyExclusive, "a search looks for 'text' or for 'vectors', not both")
        }
    }

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
        text = r.object("text") { InsertStep.generator(field: "text", $0) } ?? nil
        range = r.object("range") { g in Range(radius: g.double("radius") ?? 0, rangeFilter: g.double("rangeFilter"), mark: g.node.mark) }
        groupBy = r.object("groupBy") { g in GroupBy(field: g.string("field") ?? "", size: g.int("size") ?? 1, strict: g.bool("strict") ?? false, mark: g.node.mark) }
        iterator = r.object("iterator") { g in Iterator(batch: g.int("batch") ?? 100, limit: g.int("limit"), mark: g.node.mark) }
        timeout = r.duration("timeout")
        if let iterator {
            if nq != 1 { r.decoder.error(r.mark("nq"), .searchInput, "an iterator reads one query's hits page by page: use nq: 1") }
            if range != nil || groupBy != nil {
                r.decoder.error(iterator.mark, .searchInput, "an iterator pages with range searches of its own; it cannot be combined with '\(range != nil ? "range" : "groupBy")'")
            }
        }
        Self.checkInputs(vectors, text, r)
    }
}
