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

    public struct IteratorKeys: KeySet {
        public init() {}
        public let batch = Key.integer("batch", min: 1, max: 16384, .required, "Hits per page.")
        public let limit = Key.integer("limit", min: 1, max: nil, .runtimeDefault("every row the search can reach"), "Stop after this many rows.")
    }

    public static let iteratorInfo = ObjectInfo(
        name: "iterator", title: "iterator",
        doc: "Each query reads its hits page by page, `batch` at a time, until the collection has no more (or `limit` rows were read): every page after the first is a range search beyond the last page's worst distance that leaves out the rows already read at that distance — pymilvus's search iterator, on any server with range search (Milvus 2.3+). A query's latency is the whole read; `concurrentSearch` also records `pages`, `pagesPerSecond` and `rowsPerQuery`. One query vector per request (`nq: 1`).")

    public struct RangeKeys: KeySet {
        public init() {}
        public let radius = Key.number("radius", min: nil, max: nil, .required, "The outer bound.")
        public let rangeFilter = Key.number("rangeFilter", min: nil, max: nil, .optional, "The inner bound (hits closer than it are left out).")
    }

    public static let rangeInfo = ObjectInfo(
        name: "range", title: "range",
        doc: "A range search: only hits within `radius` (and beyond `rangeFilter`), at most `topK` of them. For L2 and HAMMING distances smaller is closer: `rangeFilter ≤ d < radius`. For IP, COSINE and BM25 larger is closer: `radius < s ≤ rangeFilter`.")

    public struct GroupByKeys: KeySet {
        public init() {}
        public let field = Key.identifier("field", .required, "A scalar field (int, bool or varchar) to group by.")
        public let size = Key.integer("size", min: 1, max: 1024, .defaultValue("1"), "Hits per group.")
        public let strict = Key.boolean("strict", .defaultValue("false"), "Fill every group to `size` hits (slower) rather than return what the search met.")
    }

    public static let groupByInfo = ObjectInfo(
        name: "groupBy", title: "group by",
        doc: "Grouping search: `topK` groups of hits sharing a value of `field`, up to `size` hits per group (Milvus 2.4+; 2.3.5 refuses it before the first step).")

    /// Query texts: the scalar generators that make text (a JSON leaf's without the numbers).
    public struct TextKeys: InsertStep.ScalarGeneratorKeys {
        public init() {}
        public let uniform: Key<[String]>? = nil
        public let gaussian: Key<[String]>? = nil
        public let sequence: Key<Int>? = nil
        public let cycle = InsertStep.LeafKeys().cycle
        public let choice = InsertStep.LeafKeys().choice
        public let constant = InsertStep.LeafKeys().constant
        public let words = InsertStep.LeafKeys().words
        public let seed = InsertStep.LeafKeys().seed
    }

    public static let textInfo = ObjectInfo(
        name: "query_text", title: "query text",
        doc: "How full-text query texts are made: `words` (made-up words from the same vocabulary as inserted `words` text, when vocabulary and seed family match), `cycle`, `choice` or `constant`.",
        constraints: [.exactlyOne(\TextKeys.cycle, \TextKeys.choice, \TextKeys.constant, \TextKeys.words)])

    public static let vectorInfo = ObjectInfo(
        name: "query_vectors", title: "query vectors",
        doc: "How query vectors are generated: a generator (`uniform`, `gaussian` or `clusters`; `sparse` for sparse vectors) with an optional `seed` and `normalize`, or a data set `file` (its `test` dataset for HDF5), used from its first row on and over again when the step needs more. With the rows' `clusters` count, queries fall near the same centres as the rows. Float16, bfloat16, int8 and binary fields get the values converted as for inserted rows.",
        constraints: InsertStep.generatorInfo.constraints)

    /// The query vectors' settings, for the reference.
    public static var vectorSpec: ObjectSpec { vectorInfo.spec(InsertStep.GeneratorKeys.self) }

    public struct Keys: KeySet {
        public init() {}

        public let topK = Key.integer("topK", min: 1, max: 16384, .defaultValue("10"), "Results per query vector (Milvus allows 1–16384).")
        public let nq = Key.integer("nq", min: 1, max: 16384, .defaultValue("1"), "Query vectors per search request.")
        public let params = Key.parameters("params", .defaultValue("{}"), "Search parameters, e.g. `{nprobe: 10}` for IVF or `{ef: 64}` for HNSW.")
        public let field = Key.identifier("field", .runtimeDefault("the collection's only vector field"), "The vector field to search (for `text`: the sparse output of a BM25 function).")
        public let metric = Key<IndexStep.MetricType>.choice("metric", .runtimeDefault("the index's metric"), "Distance metric; must match the index.")
        public let consistency = Key<CreateStep.ConsistencyLevel>.choice("consistency", .defaultValue("Bounded"), "Consistency level of each search.")
        public let outputFields = Key.list("outputFields", of: .identifier, minCount: 0, .optional, "Fields returned with each hit.")
        public let filter = Key.text("filter", .optional, "Boolean expression filtering the hits, e.g. `category == \"books\"`.")
        public let vectors = ObjectKey<InsertStep.GeneratorKeys>("vectors", vectorInfo, .runtimeDefault("`{uniform: [0, 1], seed: 7}`"), "How query vectors are generated.")
        public let text = ObjectKey<TextKeys>("text", textInfo, .optional, "Full-text search: query texts instead of vectors, analysed by the server and scored with BM25 against `field`, the output of a BM25 function (Milvus 2.5+).")
        public let range = ObjectKey<RangeKeys>("range", rangeInfo, .optional, "Range search: `{radius, rangeFilter}`.")
        public let groupBy = ObjectKey<GroupByKeys>("groupBy", groupByInfo, .optional, "Grouping search: `{field, size, strict}` (Milvus 2.4+).")
        public let iterator = ObjectKey<IteratorKeys>("iterator", iteratorInfo, .optional, "Read each query's hits page by page: `{batch, limit}`.")
        public let timeout = Key.duration("timeout", allowZero: false, .runtimeDefault("the target's `timeout`"), "Deadline of each search request.")
    }

    /// The keys of one part of a `hybridSearch`: a search's, less what the whole request sets
    /// (nq, consistency, output fields, timeout) and what a part cannot do; `field` required.
    public struct HybridPartKeys: KeySet {
        public init() {}
        private static let search = Keys()
        public let topK = HybridPartKeys.search.topK
        public let params = HybridPartKeys.search.params
        public let field = Key.identifier("field", .required, "The vector field this part searches.")
        public let metric = HybridPartKeys.search.metric
        public let filter = HybridPartKeys.search.filter
        public let vectors = HybridPartKeys.search.vectors
        public let text = HybridPartKeys.search.text
    }

    /// One search of a `hybridSearch`.
    init(hybridPart r: KeyReader<HybridPartKeys>, consistency: CreateStep.ConsistencyLevel, nq: Int) {
        topK = r[\.topK] ?? 10
        self.nq = nq
        params = r[\.params] ?? []
        field = r[\.field]
        metric = r[\.metric]
        self.consistency = consistency
        outputFields = []
        filter = r[\.filter]
        filterMark = filter == nil ? nil : r.mark(\.filter)
        vectors = r.object(\.vectors) { InsertStep.generator(field: "vectors", $0) } ?? nil
        text = r.object(\.text) { InsertStep.scalarGenerator(field: "text", $0) } ?? nil
        Self.checkInputs(vectors, text, r.decoder, vectorsWritten: r.has(\.vectors), textMark: r.mark(\.text))
    }

    /// Query vectors come from a vector generator, without the inserted rows' options; a search
    /// looks for texts or for vectors.
    static func checkInputs(_ vectors: InsertStep.FieldGenerator?, _ text: InsertStep.FieldGenerator?, _ d: SpecDecoder,
                            vectorsWritten: Bool, textMark: Mark) {
        if let v = vectors {
            switch v.generator {
            case .uniform, .gaussian, .clusters, .file, .sparse: break
            default: d.error(v.mark, .generatorType, "query vectors need a vector generator ('uniform', 'gaussian', 'clusters', 'sparse' or 'file')")
            }
            if v.length != nil || v.nullFraction > 0 {
                d.error(v.mark, .generatorArguments, "'\(v.length != nil ? "length" : "nullFraction")' applies to inserted rows, not to query vectors")
            }
        }
        if text != nil, vectorsWritten {
            d.error(textMark, .keyExclusive, "a search looks for 'text' or for 'vectors', not both")
        }
    }

    init(_ r: KeyReader<Keys>) {
        topK = r[\.topK] ?? 10
        nq = r[\.nq] ?? 1
        params = r[\.params] ?? []
        field = r[\.field]
        metric = r[\.metric]
        consistency = r[\.consistency] ?? .Bounded
        outputFields = r[\.outputFields] ?? []
        filter = r[\.filter]
        filterMark = filter == nil ? nil : r.mark(\.filter)
        vectors = r.object(\.vectors) { InsertStep.generator(field: "vectors", $0) } ?? nil
        text = r.object(\.text) { InsertStep.scalarGenerator(field: "text", $0) } ?? nil
        range = r.object(\.range) { g in Range(radius: g[\.radius] ?? 0, rangeFilter: g[\.rangeFilter], mark: g.node.mark) }
        groupBy = r.object(\.groupBy) { g in GroupBy(field: g[\.field] ?? "", size: g[\.size] ?? 1, strict: g[\.strict] ?? false, mark: g.node.mark) }
        iterator = r.object(\.iterator) { g in Iterator(batch: g[\.batch] ?? 100, limit: g[\.limit], mark: g.node.mark) }
        timeout = r[\.timeout]
        if let iterator {
            if nq != 1 { r.decoder.error(r.mark(\.nq), .searchInput, "an iterator reads one query's hits page by page: use nq: 1") }
            if range != nil || groupBy != nil {
                r.decoder.error(iterator.mark, .searchInput, "an iterator pages with range searches of its own; it cannot be combined with '\(range != nil ? "range" : "groupBy")'")
            }
        }
        Self.checkInputs(vectors, text, r.decoder, vectorsWritten: r.has(\.vectors), textMark: r.mark(\.text))
    }
}
