/// `hybridSearch`: a load of hybrid searches — several vector fields searched at once (dense,
/// sparse, full text), their hits fused by a ranker — with latency percentiles.
public struct HybridSearchStep: ParallelLoad {
    public static let shardRole = ShardRole.load
    public static let kind = "hybridSearch"
    public static let summary = "Runs hybrid searches as a load, closed or open loop exactly like `concurrentSearch`: each request searches several vector fields of the collection (dense vectors, sparse vectors, full text through a BM25 function) and the server fuses their hits with reciprocal rank fusion (`rrf`) or a `weighted` sum (Milvus 2.4+; 2.3.5 refuses it before the first step)."
    public static let collectionUse = CollectionUse.required

    /// How the searches' hits are fused.
    public enum Ranker: Sendable, Hashable {
        case rrf(k: Int)
        case weighted([Double])
    }

    public static let searchInfo = ObjectInfo(
        name: "hybrid_search_part", title: "hybrid search part",
        doc: "One of the searches a hybrid search fuses: a vector field and what to look for in it.")

    public struct RRFKeys: KeySet {
        public init() {}
        public let k = Key.integer("k", min: 1, max: 16384, .defaultValue("60"), "Smoothing constant; larger gives lower-ranked hits more weight.")
    }

    public static let rrfInfo = ObjectInfo(
        name: "rrf", title: "rrf", doc: "Reciprocal rank fusion: a hit scores Σ 1 / (k + rank) over the parts that found it.")

    public struct Keys: KeySet {
        public init() {}
        public let load = LoadSettings.Keys("queries")
        public let searches = ObjectListKey<SearchSettings.HybridPartKeys>("searches", searchInfo, minCount: 2, .required, "The parts: at least two searches, usually of different vector fields (Milvus allows up to 1024).")
        public let rrf = ObjectKey<RRFKeys>("rrf", rrfInfo, .runtimeDefault("`{k: 60}` when `weighted` is not given"), "Fuse with reciprocal rank fusion.")
        public let weighted = Key.list("weighted", of: .number(min: 0, max: 1), minCount: 1, .optional, "Fuse with a weighted sum of normalised scores: one weight in [0, 1] per part, in order.")
        public let limit = Key.integer("limit", min: 1, max: 16384, .defaultValue("10"), "Hits per query after fusion.")
        public let nq = Key.integer("nq", min: 1, max: 16384, .defaultValue("1"), "Queries per request (each part gets as many).")
        public let outputFields = Key.list("outputFields", of: .identifier, minCount: 0, .optional, "Fields returned with each hit.")
        public let consistency = Key<CreateStep.ConsistencyLevel>.choice("consistency", .defaultValue("Bounded"), "Consistency level of each request.")
        public let timeout = Key.duration("timeout", allowZero: false, .runtimeDefault("the target's `timeout`"), "Deadline of each request.")
    }

    public static let constraints = LoadSettings.constraints + [.atMostOne(\Keys.rrf, \Keys.weighted)]

    public struct Metrics: LatencyPercentiles {
        public init() {}
        public let load = LoadMetrics()
        public let hitsPerQuery = Metric<RatioValue>("hitsPerQuery", .neither, "Mean fused hits per query (at most `limit`).")
    }

    public var load: LoadSettings
    public var hasOwnEnd: Bool { load.endWritten }
    public mutating func runInParallel(for duration: ScenarioDuration) {
        if !load.endWritten { load.end = .duration(duration) }
    }
    /// The parts, each as a search's settings.
    public var searches: [SearchSettings]
    public var ranker: Ranker
    public var limit: Int
    public var nq: Int
    public var outputFields: [String]
    public var consistency: CreateStep.ConsistencyLevel
    public var timeout: ScenarioDuration?
    public var serverNeeds: [ServerNeed] {
        [ServerNeed("HybridSearch", because: "the hybridSearch step sends it")] + searches.flatMap(\.serverNeeds)
    }

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        load = LoadSettings(r.group(\.load))
        consistency = r[\.consistency] ?? .Bounded
        nq = r[\.nq] ?? 1
        let consistency = consistency, nq = nq
        searches = r.objects(\.searches) { SearchSettings(hybridPart: $0, consistency: consistency, nq: nq) } ?? []
        let k = r.object(\.rrf) { $0[\.k] ?? 60 }
        if let weights = r[\.weighted]?.compactMap(Double.init) {
            ranker = .weighted(weights)
            if weights.count != searches.count, !searches.isEmpty {
                r.decoder.error(r.mark(\.weighted), .searchInput, "'weighted' has \(weights.count) weight\(weights.count == 1 ? "" : "s") for \(searches.count) searches; give one per search, in order")
            }
        } else {
            ranker = .rrf(k: k ?? 60)
        }
        limit = r[\.limit] ?? 10
        outputFields = r[\.outputFields] ?? []
        timeout = r[\.timeout]
        for i in searches.indices { searches[i].timeout = timeout }
    }
}

extension HybridSearchStep {
    /// Each part is a search of the collection; output fields are its fields.
    public func check(_ step: Step, _ checks: inout ScenarioChecks) {
        guard step.collection != nil else { return }
        let fields = checks.fields(of: step), dynamic = checks.isDynamic(step)
        for part in searches {
            checks.check(part, fields, checks.index(of: step, field: part.field), at: step.mark, dynamic: dynamic)
        }
        if let fields { checks.checkFieldNames(outputFields, fields, key: "outputFields", at: step.mark, dynamic: dynamic) }
    }
}

extension HybridSearchStep {
    public static let diagnosticCodes: [DiagnosticCode] = []

    public static let examples: [StepExample] = [
        .valid("Two searches of the vector fused by reciprocal rank", """
            - hybridSearch:
                searches:
                  - {field: embedding, topK: 20}
                  - {field: embedding, topK: 20, filter: "category == 'books'"}
                rrf: {k: 60}
                limit: 10
                queries: 200
            """),
        .invalid("Weights for a fusion of one search", """
            - hybridSearch: {searches: [{field: embedding}], weighted: [1]}
            """, .listTooShort),
    ]
}
