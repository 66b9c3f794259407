/// `insert`: streams generated rows into the collection in batches.
public struct InsertStep: ParallelLoad {
    public static let shardRole = ShardRole.setup
    public static let kind = "insert"
    public static let summary = "Inserts generated rows in batches (split further so no request exceeds the server's 64 MiB limit), then flushes and waits until the segments are sealed and, when an index exists, indexed. Rows are generated batch by batch, so memory stays flat however many rows are inserted."
    public static let collectionUse = CollectionUse.required

    /// How the values of one field are generated; deterministic for a given seed.
    public enum Generator: Sendable, Hashable {
        /// Uniform floats in [low, high) — vectors take `dim` of them, like `np.random.rand`.
        case uniform(low: Double, high: Double)
        case gaussian(mean: Double, stddev: Double)
        /// Vectors near `count` fixed centres: a centre (the same for every generator with this
        /// count and dimension, rows and queries alike) plus gaussian noise of `spread` per
        /// component — clustered like real embeddings, where uniform or gaussian vectors are
        /// all about equally far apart.
        case clusters(count: Int, spread: Double)
        /// start, start+1, … (integers) or their text (varchar).
        case sequence(start: Int)
        /// The values in order, over and over: row i gets values[i % count].
        case cycle([String])
        /// A random value of the list for each row.
        case choice([String])
        case constant(String)
        /// The vectors of a data set file, row after row (vectors only).
        case file(DataFile)
        /// Sparse vectors: `nonZeros` distinct indices below `dim`, values uniform in (0, 1].
        case sparse(dim: Int, nonZeros: Int)
        /// Text of `length` words drawn from a vocabulary of `vocabulary` made-up words with
        /// Zipf-like frequencies (a few common words, many rare ones), like real text for BM25.
        case words(vocabulary: Int, length: ClosedRange<Int>)
        /// A JSON object per row: each path (`a.b` nests) gets its leaf generator's value.
        case json([JSONLeaf])
    }

    /// One leaf of a `json` template.
    public struct JSONLeaf: Sendable, Hashable {
        /// The keys from the root, `user.age` → ["user", "age"].
        public var path: [String]
        public var generator: FieldGenerator

        public init(path: [String], generator: FieldGenerator) {
            self.path = path
            self.generator = generator
        }
    }

    /// A generator with its settings, for one field.
    public struct FieldGenerator: Sendable, Hashable {
        public var field: String
        public var generator: Generator
        public var seed: Int?
        public var normalize: Bool
        /// (arrays) How many elements each row gets, uniformly in this range.
        public var length: ClosedRange<Int>?
        /// (nullable fields) The share of rows left null, seeded.
        public var nullFraction: Double = 0
        public var mark: Mark

        public init(field: String, generator: Generator, seed: Int?, normalize: Bool, length: ClosedRange<Int>? = nil,
                    nullFraction: Double = 0, mark: Mark) {
            self.field = field
            self.generator = generator
            self.seed = seed
            self.normalize = normalize
            self.length = length
            self.nullFraction = nullFraction
            self.mark = mark
        }
    }

    /// `words`: text of made-up words.
    public struct WordsKeys: KeySet {
        public init() {}
        public let vocabulary = Key.integer("vocabulary", min: 1, max: 1_000_000, .defaultValue("1000"), "Distinct words.")
        public let length = Key.list("length", of: .integer(min: 1, max: 10000), minCount: 2, .defaultValue("[5, 20]"), "`[min, max]` words per value.")
    }

    public static let wordsInfo = ObjectInfo(
        name: "words", title: "words",
        doc: "Text made of words from a fixed vocabulary of made-up words (`kavo`, `miruteb`, …); word *k* of the vocabulary comes with probability ∝ 1/(k+1), as in real text, so some query words are common and some rare.")

    /// `sparse`: random sparse vectors.
    public struct SparseKeys: KeySet {
        public init() {}
        public let dim = Key.integer("dim", min: 1, max: 4_294_967_294, .required, "Indices are below this.")
        public let nonZeros = Key.integer("nonZeros", min: 1, max: 100_000, .required, "Non-zero entries per row (at most `dim`).")
    }

    public static let sparseInfo = ObjectInfo(
        name: "sparse", title: "sparse", doc: "Sparse vectors: `nonZeros` distinct indices below `dim` per row, values uniform in (0, 1].")

    /// The keys of a generator of scalar values — every generator's, a JSON leaf's, query texts' —
    /// read by `generator(field:_:)`; a generator that does not offer numbers has no `uniform`,
    /// `gaussian` or `sequence`.
    public protocol ScalarGeneratorKeys: KeySet {
        var uniform: Key<[String]>? { get }
        var gaussian: Key<[String]>? { get }
        var sequence: Key<Int>? { get }
        var cycle: Key<[String]> { get }
        var choice: Key<[String]> { get }
        var constant: Key<String> { get }
        var words: ObjectKey<WordsKeys> { get }
        var seed: Key<Int> { get }
    }

    /// The keys of a JSON leaf: scalar generators only.
    public struct LeafKeys: ScalarGeneratorKeys {
        public init() {}
        public let uniform: Key<[String]>? = .list("uniform", of: .number(min: nil, max: nil), minCount: 2, .optional, "`[low, high]`: uniform floats (vectors: `dim` of them per row).")
        public let gaussian: Key<[String]>? = .list("gaussian", of: .number(min: nil, max: nil), minCount: 2, .optional, "`[mean, stddev]`: normally distributed floats.")
        public let sequence: Key<Int>? = .integer("sequence", min: nil, max: nil, .optional, "First value of 0, 1, 2, … shifted by this start (integers, or their text for varchar).")
        public let cycle = Key.list("cycle", of: .scalar, minCount: 1, .optional, "Values repeated in order: row *i* gets item *i mod n* (the document's categories).")
        public let choice = Key.list("choice", of: .scalar, minCount: 1, .optional, "A seeded random item of the list for each row.")
        public let constant = Key.scalar("constant", .optional, "The same value for every row.")
        public let words = ObjectKey<WordsKeys>("words", wordsInfo, .optional, "(varchar) Text of made-up words with Zipf-like frequencies, for full-text search (BM25).")
        public let seed = Key.integer("seed", min: 0, max: nil, .runtimeDefault("the field's seed plus the leaf's position"), "Seed of the random generators.")
    }

    public static let leafInfo = ObjectInfo(
        name: "jsonLeaf", title: "JSON leaf",
        doc: "How one leaf of a `json` template is made: numbers from `uniform`, `gaussian` or `sequence`; from `cycle`, `choice` and `constant` a number when the item is one, `true`/`false` as booleans, text otherwise; text from `words`.",
        constraints: [.exactlyOne(\LeafKeys.uniform, \LeafKeys.gaussian, \LeafKeys.sequence, \LeafKeys.cycle, \LeafKeys.choice, \LeafKeys.constant, \LeafKeys.words)])

    /// The keys of one field's generator.
    public struct GeneratorKeys: ScalarGeneratorKeys {
        public init() {}
        public let uniform: Key<[String]>? = .list("uniform", of: .number(min: nil, max: nil), minCount: 2, .optional, "`[low, high]`: uniform floats (vectors: `dim` of them per row).")
        public let gaussian: Key<[String]>? = .list("gaussian", of: .number(min: nil, max: nil), minCount: 2, .optional, "`[mean, stddev]`: normally distributed floats.")
        public let clusters = Key.list("clusters", of: .number(min: 0, max: nil), minCount: 2, .optional, "`[count, spread]` (vectors): each row one of `count` fixed centres (gaussian directions, the same for rows and query vectors with the same count) plus gaussian noise of standard deviation `spread` per component — clustered like real embeddings, so approximate indexes behave as on real data. Uniform or gaussian vectors are all about equally far apart, the worst case for HNSW and IVF.")
        public let sequence: Key<Int>? = .integer("sequence", min: nil, max: nil, .optional, "First value of 0, 1, 2, … shifted by this start (integers, or their text for varchar).")
        public let cycle = Key.list("cycle", of: .scalar, minCount: 1, .optional, "Values repeated in order: row *i* gets item *i mod n* (the document's categories).")
        public let choice = Key.list("choice", of: .scalar, minCount: 1, .optional, "A seeded random item of the list for each row.")
        public let constant = Key.scalar("constant", .optional, "The same value for every row.")
        public let file = Key.text("file", .optional, "(vectors) A data set file whose rows are the vectors, in order, read in blocks: TEXMEX `.fvecs`/`.bvecs` (SIFT, GIST), NumPy `.npy` (2-D; float32, float64 or uint8) or ann-benchmarks HDF5 `.hdf5`/`.h5`. A relative path starts at the scenario file's folder. Its dimension must be the field's, and it must hold at least the rows inserted (or the query vectors used); both are checked before anything runs.")
        public let dataset = Key.identifier("dataset", .runtimeDefault("`train` for rows, `test` for query vectors"), "(HDF5 `file`) The dataset to read.")
        public let neighbors = Key.text("neighbors", .runtimeDefault("the HDF5 file's `neighbors` dataset; for `<name>_query.fvecs`, `<name>_groundtruth.ivecs` beside it"), "(query vectors from a `file`) The exact neighbours of each query vector, as row numbers of the inserted file: `.ivecs`, `.npy` (int32/int64) or HDF5 (dataset `neighbors`). Recall uses them as they are when the collection holds exactly that file's rows and the step has no `filter`; otherwise the tool computes the neighbours itself from the file's rows.")
        public let sparse = ObjectKey<SparseKeys>("sparse", sparseInfo, .optional, "(sparseFloatVector) `{dim, nonZeros}`: random sparse vectors.")
        public let words = ObjectKey<WordsKeys>("words", wordsInfo, .optional, "(varchar) `{vocabulary, length}`: text of made-up words with Zipf-like frequencies, for full-text search (BM25).")
        public let json = ObjectMapKey<LeafKeys>("json", leafInfo, .optional, "(json, or an insert's `dynamic` keys) A template: path → leaf generator. `user.age` nests (`{\"user\": {\"age\": …}}`).")
        public let length = Key.list("length", of: .integer(min: 0, max: 4096), minCount: 2, .optional, "(array) `[min, max]` elements per row, uniformly; at most the field's `maxCapacity`.")
        public let nullFraction = Key.fraction("nullFraction", .defaultValue("0"), "(nullable fields) The share of rows left null, chosen at random (seeded).")
        public let seed = Key.integer("seed", min: 0, max: nil, .runtimeDefault("the step's `seed` plus the field's position"), "Seed of the random generators.")
        public let normalize = Key.boolean("normalize", .defaultValue("false"), "Scale each vector to length 1 (for `IP`/`COSINE`).")
    }

    public static let generatorInfo = ObjectInfo(
        name: "generator", title: "generator",
        doc: "How one field's values are made. Exactly one of `uniform`, `gaussian`, `clusters`, `sequence`, `cycle`, `choice`, `constant`, `file`, `sparse`, `words`, `json`. Dense vectors other than float take the float generators' values converted: `float16Vector`/`bfloat16Vector` rounded to their precision, `int8Vector` as round(127 × value) clamped to [-128, 127], `binaryVector` one bit per dimension, set when the value is ≥ 0.5. An `array` field's elements come from the generator, `length` of them per row.",
        constraints: [.exactlyOne(\GeneratorKeys.uniform, \GeneratorKeys.gaussian, \GeneratorKeys.clusters, \GeneratorKeys.sequence, \GeneratorKeys.cycle,
                                  \GeneratorKeys.choice, \GeneratorKeys.constant, \GeneratorKeys.file, \GeneratorKeys.sparse, \GeneratorKeys.words, \GeneratorKeys.json)])

    /// A field's generator, for the reference.
    public static var generatorSpec: ObjectSpec { generatorInfo.spec(GeneratorKeys.self) }

    public struct Keys: KeySet {
        public init() {}

        public let rows = Key.integer("rows", min: 1, max: nil, .runtimeDefault("all rows of the data set `file` a field is read from; inside `parallel` with a `rate`, until the parallel ends; required otherwise"), "How many rows to insert.")
        public let batch = Key.integer("batch", min: 1, max: 1_000_000, .defaultValue("10000"), "Rows per insert request (the document uses 10,000).")
        public let generate = ObjectMapKey<GeneratorKeys>("generate", generatorInfo, .runtimeDefault("vectors uniform in [0, 1), integers a sequence, text `<field>_<n>`, booleans alternating"), "A generator per field name. Fields left out use the default for their type; an `autoId` key is never generated.")
        public let dynamic = ObjectMapKey<LeafKeys>("dynamic", leafInfo, .optional, "(collections with `dynamicFields: true`) Extra keys per row, kept in the dynamic field: key → leaf generator.")
        public let seed = Key.integer("seed", min: 0, max: nil, .defaultValue("42"), "Base seed: the same seed gives the same rows.")
        public let flush = Key.boolean("flush", .defaultValue("true"), "Flush after the last batch and wait until segments are sealed (and indexed, when an index exists).")
        public let rate = Key.rate("rate", .optional, "Send batches on a fixed schedule at this many rows per second (`2000/s`): a streaming insert, e.g. inside `parallel` next to searches. An open loop like every `rate` (batch *i* due at *i* × batch ÷ rate), with one batch in flight so rows go in order: a batch due while the last is still in flight is sent when it returns and counts as `late` (`lateMax`: by how much). Without it, each batch goes as soon as the last returned.")
        public let freshness = Key.duration("freshness", allowZero: false, .optional, "Measure how soon inserted rows are visible: at most this often (`1s`), after a batch is acknowledged, query its last row by primary key at the collection's consistency level until it is found. Records `freshness.p50`/`p99`/`max` (int64 primary keys).")
        public let freshnessTimeout = Key.duration("freshnessTimeout", allowZero: false, .defaultValue("30s"), "How long one freshness probe looks for its row before it counts as not found.")
        public let segmentRows = Key.integer("segmentRows", min: 1, max: nil, .optional, "Also flush after every this many rows, so the data lands in several sealed segments of about this size per shard instead of one (Milvus seals at 512 MiB by default). Segments are what query nodes balance; with one segment there is nothing to spread. Must be a multiple of `batch`.")
        public let perShard = Key.boolean("perShard", .defaultValue("false"), "(`run --shard I/N`) Every shard writes its part — rows ÷ N, `sequence` values (ids) after the earlier shards' rows, seeds shifted, `rate` ÷ N — instead of shard 0 writing all rows. Shards other than 0 write once the collection is loaded. Not for rows read from a data set `file`.")
    }

    public struct Metrics: RowWriteMetrics {
        public init() {}
        public let rows = Metric<CountValue>("rows", .neither, "Rows inserted.")
        public let rowsPerSecond = Metric<RateValue>("rowsPerSecond", .higher, "Rows per second over the insert phase.")
        public let insertTime = Metric<DurationValue>("insertTime", .lower, "Time spent in insert requests.")
        public let flushing = FlushMetrics()
        public let totalTime = Metric<DurationValue>.totalTime("the whole step")
        public let freshness = FreshnessMetrics()
        public let pacing = PacingMetrics()
        public var writeTime: Metric<DurationValue> { insertTime }
    }

    /// Rows to insert; 0 means all rows of the data set file (validation allows it only then).
    public var rows: Int
    public var batch: Int
    public var generators: [FieldGenerator]
    /// Keys beyond the schema, for a collection with dynamic fields.
    public var dynamic: [JSONLeaf]
    public var seed: Int
    public var flush: Bool
    public var segmentRows: Int?
    /// Rows per second on a fixed schedule; nil: as fast as the server takes them.
    public var rate: Rate?
    /// Probe visibility at most this often; nil: not measured.
    public var freshness: ScenarioDuration?
    public var freshnessTimeout: ScenarioDuration
    /// Inside `parallel` without `rows`: insert until the parallel ends.
    public var untilEnd = false
    /// With `run --shard`: every shard writes its part (`share(for:)`), not shard 0 alone.
    public var perShard: Bool

    /// Reads a data set file for some field (then `rows` may be left out: all of its rows).
    public var readsFile: Bool { generators.contains { if case .file = $0.generator { return true } else { return false } } }
    /// Neither `rows` nor a file ends it: only `parallel` can (with `rate`).
    public var endless: Bool { rows == 0 && !readsFile }
    public var hasOwnEnd: Bool { !endless }
    public mutating func runInParallel(for duration: ScenarioDuration) {
        if endless { untilEnd = true }
    }

    public init(_ r: KeyReader<Keys>, _ context: StepDecodingContext) {
        self.init(r, kind: Self.kind)
    }

    /// Decodes the settings of a step that writes rows like `insert` (`upsert` too).
    init(_ r: KeyReader<Keys>, kind: String) {
        rows = r[\.rows] ?? 0
        batch = r[\.batch] ?? 10000
        seed = r[\.seed] ?? 42
        flush = r[\.flush] ?? true
        segmentRows = r[\.segmentRows]
        if let segmentRows, batch > 0, segmentRows % batch != 0 {
            r.decoder.error(r.mark(\.segmentRows), .insertSegmentRows, "segmentRows (\(segmentRows)) must be a multiple of batch (\(batch)), so every segment ends on a request boundary")
        }
        generators = r.objectMap(\.generate) { field, g in Self.generator(field: field, g) } ?? []
        dynamic = r.objectMap(\.dynamic) { key, g in Self.scalarGenerator(field: key, g).map { JSONLeaf(path: [key], generator: $0) } } ?? []
        rate = r[\.rate]
        freshness = r[\.freshness]
        freshnessTimeout = r[\.freshnessTimeout] ?? .seconds(30)
        perShard = r[\.perShard] ?? false
        if perShard, readsFile {
            r.decoder.error(r.mark(\.perShard), .shardSetting, "perShard divides generated rows among the shards; rows read from a data set 'file' cannot be divided (every shard would write the same rows): leave perShard out, so shard 0 writes them")
        }
        if !r.has(\.rows), !readsFile, rate == nil {
            r.decoder.error(r.node.mark, .keyMissing, "\(kind) step is missing the required key 'rows' (only a step reading a data set 'file' may leave it out: then all of the file's rows; or a streaming one with 'rate' inside 'parallel')")
        }
    }

    /// Two numbers, like `[0, 1]`.
    static func pair<K: KeySet>(_ g: KeyReader<K>, _ key: KeyPath<K, Key<[String]>>) -> (Double, Double)? {
        pair(g[key], g.mark(key), g.name(key), g.decoder)
    }

    /// Two numbers, for a key the generator may not offer.
    static func pair<K: KeySet>(_ g: KeyReader<K>, _ key: KeyPath<K, Key<[String]>?>) -> (Double, Double)? {
        pair(g[key], g.mark(key), g.name(key), g.decoder)
    }

    private static func pair(_ values: [String]?, _ mark: Mark, _ name: String, _ d: SpecDecoder) -> (Double, Double)? {
        guard let values else { return nil }
        guard values.count == 2, let a = Double(values[0]), let b = Double(values[1]) else {
            d.error(mark, .generatorArguments, "'\(name)' takes exactly two numbers, like [0, 1]; got \(values.count)")
            return nil
        }
        return (a, b)
    }

    /// A generator of scalar values (a JSON leaf's, query texts'): the generator, or nil when
    /// none was written (or it was wrong, reported).
    static func scalarGenerator<K: ScalarGeneratorKeys>(field: String, _ g: KeyReader<K>) -> FieldGenerator? {
        let generator = scalarGeneratorKind(g)
        let seed = g[\.seed]
        guard let generator else { return nil }
        return FieldGenerator(field: field, generator: generator, seed: seed, normalize: false, mark: g.node.mark)
    }

    /// The numbers, values and words a scalar generator may make.
    static func scalarGeneratorKind<K: ScalarGeneratorKeys>(_ g: KeyReader<K>, clusters: ((KeyReader<K>) -> Generator?)? = nil) -> Generator? {
        let d = g.decoder
        var generator: Generator?
        if let (lo, hi) = pair(g, \.uniform) {
            if lo >= hi { d.error(g.mark(\.uniform), .generatorArguments, "'uniform' needs low < high, got [\(ScenarioNumber.format(lo)), \(ScenarioNumber.format(hi))]") }
            generator = .uniform(low: lo, high: hi)
        }
        if let (mean, sd) = pair(g, \.gaussian) {
            if sd <= 0 { d.error(g.mark(\.gaussian), .generatorArguments, "'gaussian' needs a positive standard deviation, got \(ScenarioNumber.format(sd))") }
            generator = .gaussian(mean: mean, stddev: sd)
        }
        if let c = clusters?(g) { generator = c }
        if let start = g[\.sequence] { generator = .sequence(start: start) }
        if let values = g[\.cycle] { generator = .cycle(values) }
        if let values = g[\.choice] { generator = .choice(values) }
        if let value = g[\.constant] { generator = .constant(value) }
        if let words = g.object(\.words, { w -> Generator? in
            let length = w[\.length].flatMap { v -> ClosedRange<Int>? in
                guard v.count == 2, let lo = Int(v[0]), let hi = Int(v[1]) else {
                    d.error(w.mark(\.length), .generatorArguments, "'length' takes two whole numbers, like [5, 20]; got \(v.count)")
                    return nil
                }
                guard lo <= hi else {
                    d.error(w.mark(\.length), .generatorArguments, "'length' needs min ≤ max, got [\(lo), \(hi)]")
                    return nil
                }
                return lo...hi
            }
            let vocabulary = w[\.vocabulary]
            guard let length, let vocabulary else { return nil }
            return .words(vocabulary: vocabulary, length: length)
        }) { generator = words }
        return generator
    }

    /// Decodes one field's generator.
    static func generator(field: String, _ g: KeyReader<GeneratorKeys>) -> FieldGenerator? {
        let d = g.decoder
        var generator = scalarGeneratorKind(g) { g in
            guard let (count, spread) = pair(g, \.clusters) else { return nil }
            if count < 1 || count > 1_000_000 || count != count.rounded() {
                d.error(g.mark(\.clusters), .generatorArguments, "'clusters' needs a whole number of centres from 1 to 1,000,000 first, got \(ScenarioNumber.format(count))")
                return nil
            } else if spread <= 0 {
                d.error(g.mark(\.clusters), .generatorArguments, "'clusters' needs a positive spread, got \(ScenarioNumber.format(spread))")
                return nil
            }
            return .clusters(count: Int(count), spread: spread)
        }
        var length: ClosedRange<Int>?
        var nullFraction = 0.0
        let seed = g[\.seed]
        if let sparse = g.object(\.sparse, { s -> Generator? in
            guard let dim = s[\.dim], let nonZeros = s[\.nonZeros] else { return nil }
            if nonZeros > dim {
                d.error(s.mark(\.nonZeros), .generatorArguments, "'nonZeros' (\(nonZeros)) cannot exceed 'dim' (\(dim)): a row has at most dim distinct indices")
                return nil
            }
            return .sparse(dim: dim, nonZeros: nonZeros)
        }) { generator = sparse }
        if g.written(\.json) != nil {
            var leaves: [JSONLeaf] = []
            var paths: [String: Mark] = [:]
            _ = g.objectMap(\.json) { path, leaf -> Int? in
                let generator = Self.scalarGenerator(field: "\(field).\(path)", leaf)
                let keys = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                if keys.contains(where: \.isEmpty) {
                    d.error(leaf.node.mark, .generatorArguments, "JSON path '\(path)' has an empty key; write keys separated by single dots, like user.age")
                    return nil
                }
                for (other, _) in paths where other.hasPrefix(path + ".") || path.hasPrefix(other + ".") {
                    d.error(leaf.node.mark, .generatorArguments, "JSON paths '\(other)' and '\(path)' collide: one would be a value and an object at once")
                }
                paths[path] = leaf.node.mark
                if let generator { leaves.append(JSONLeaf(path: keys, generator: generator)) }
                return nil
            }
            generator = .json(leaves)
        }
        if let v = g[\.length] {
            if v.count == 2, let lo = Int(v[0]), let hi = Int(v[1]), lo <= hi {
                length = lo...hi
            } else {
                d.error(g.mark(\.length), .generatorArguments, "'length' takes [min, max] whole numbers with min ≤ max, like [1, 5]")
            }
        }
        nullFraction = g[\.nullFraction] ?? 0
        let directory = d.baseDirectory
        let dataset = g[\.dataset], neighbors = g[\.neighbors]
        if let written = g[\.file] {
            generator = .file(DataFile(path: DataFile.resolve(written, in: directory), written: written, dataset: dataset,
                                       neighbors: neighbors.map { DataFile.resolve($0, in: directory) }, neighborsWritten: neighbors))
            if g.has(\.seed) { d.error(g.mark(\.seed), .generatorArguments, "'seed' has no effect on vectors read from a 'file'") }
            if g.has(\.normalize) {
                d.error(g.mark(\.normalize), .generatorArguments, "'normalize' does not apply to vectors read from a 'file' (they go to Milvus as stored; COSINE normalises by itself)")
            }
        } else {
            if g.has(\.dataset) { d.error(g.mark(\.dataset), .generatorArguments, "'dataset' belongs with 'file'") }
            if g.has(\.neighbors) { d.error(g.mark(\.neighbors), .generatorArguments, "'neighbors' belongs with 'file'") }
        }
        let normalize = g[\.normalize] ?? false
        guard let generator else { return nil }
        return FieldGenerator(field: field, generator: generator, seed: seed, normalize: normalize, length: length,
                              nullFraction: nullFraction, mark: g.node.mark)
    }
}

extension DiagnosticCode {
    public static let generatorOnAutoId = DiagnosticCode("generator-on-auto-id")
    public static let insertSegmentRows = DiagnosticCode("insert-segment-rows")
    public static let shardSetting = DiagnosticCode("shard-setting")
    public static let parallelEnd = DiagnosticCode("parallel-end")
}

extension InsertStep {
    /// Generated rows fit the collection's fields; a stream without `rows` needs a `parallel`.
    public func check(_ step: Step, _ checks: inout ScenarioChecks) {
        guard step.collection != nil else { return }
        if let create = checks.create(of: step) {
            checks.check(self, create.fields)
            checks.checkDynamic(self, create)
        }
        checks.checkEnd(self, step)
    }
}

extension InsertStep {
    public static let diagnosticCodes: [DiagnosticCode] = [.insertSegmentRows, .shardSetting, .generatorOnAutoId, .parallelEnd]

    public static let examples: [StepExample] = [
        .valid("100,000 seeded rows in batches of 5,000, then flushed and indexed", """
            - insert: {rows: 100000, batch: 5000, generate: {embedding: {uniform: [0, 1], seed: 42}}}
            """, after: .created),
        .valid("Paced at 2,000 rows a second, one segment every 10,000 rows", """
            - insert: {rows: 20000, batch: 1000, rate: 2000/s, segmentRows: 10000}
            """, after: .created),
        .invalid("Segments that would not end on a request boundary", """
            - insert: {rows: 100000, batch: 3000, segmentRows: 50000}
            """, after: .created, .insertSegmentRows),
        .invalid("Rows of a data set file divided among shards", """
            - insert: {perShard: true, generate: {embedding: {file: base.fvecs}}}
            """, after: .created, .shardSetting),
        .invalid("A generator for a key the server assigns", """
            - create:
                fields:
                  - {name: id, type: int64, primary: true, autoId: true}
                  - {name: embedding, type: floatVector, dim: 8}
            - insert: {rows: 10, generate: {id: {sequence: 1}}}
            """, after: .none, .generatorOnAutoId),
        .invalid("A stream with no end outside a parallel", """
            - insert: {rate: 1000/s, batch: 100}
            """, after: .created, .parallelEnd),
    ]
}
