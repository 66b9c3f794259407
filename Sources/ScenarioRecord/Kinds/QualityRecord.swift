/// Search quality of a step: recall@k on a sample of its query vectors, scored against exact
/// nearest neighbours the tool computed by brute force.
public struct RecallDetails: Codable, Sendable, Equatable {
    /// Query vectors scored, and the k of recall@k (the step's topK).
    public var queries: Int
    public var k: Int
    /// L2, IP or COSINE.
    public var metric: String
    /// Where the ground truth came from: "regenerated" (computed over the rows made again from
    /// the insert steps' seeds), "data file" (computed over the rows read again from the data set
    /// file) or "file neighbors" (the data set's own neighbours, kernel "file").
    public var source: String
    /// Rows the exact search went over.
    public var rows: Int
    /// Time the exact search took, and whether an earlier step's was reused (same rows and queries).
    public var groundTruthMs: Double
    public var reused: Bool
    /// The kernel of the exact search: "blas" (OpenBLAS sgemm) or "simd".
    public var kernel: String
    /// Each scored query's recall (0–1), in query order.
    public var perQuery: [Double]
    /// The exact nearest distances of the first (at most 10) scored queries, nearest first —
    /// what their hits were compared with — as the tool orders them (L2: squared distance; IP
    /// and COSINE: the similarity negated), so the ground truth can be checked from outside.
    public var truthSample: [[Float]]?

    public init(queries: Int, k: Int, metric: String, source: String, rows: Int, groundTruthMs: Double, reused: Bool, kernel: String, perQuery: [Double]) {
        self.queries = queries
        self.k = k
        self.metric = metric
        self.source = source
        self.rows = rows
        self.groundTruthMs = groundTruthMs
        self.reused = reused
        self.kernel = kernel
        self.perQuery = perQuery
    }

    /// Hits of the sample checked against the rows the collection holds now.
    public var hitsChecked: Int?
    /// Hits that are not what the collection holds: a deleted row, or an upserted row's old
    /// vector (wrong answers, apart from recall).
    public var resurrected: Int?
    /// Hits whose other output fields are not the row's values.
    public var wrongValues: Int?
    /// Hits whose score is not the metric on the row's vector and the query (beyond float32's tolerance).
    public var wrongScores: Int?
    /// Hits on rows whose write had an unknown outcome, or acknowledged within the consistency
    /// level's staleness bound (accepted either way).
    public var indeterminateHits: Int?
    /// Up to five wrong hits.
    public var examples: [AnswerExample]?
    /// (`every`) Recall scored while the queries ran, in time order.
    public var checkpoints: [RecallCheckpoint]?

    public var mean: Double { perQuery.isEmpty ? 0 : perQuery.reduce(0, +) / Double(perQuery.count) }
}

extension StepNote {
    /// `count` wrong answers, with the examples in words.
    public static func wrongAnswers(_ count: Int, _ examples: [AnswerExample], suffix: String = "") -> StepNote {
        StepNote(.wrongAnswers, ["count": String(count), "examples": examples.map(\.description).joined(separator: "; ") + suffix])
    }
}

/// Recall scored at one moment while a step's queries ran, against the rows acknowledged by then.
public struct RecallCheckpoint: Codable, Sendable, Equatable {
    /// From the start of the measured queries.
    public var atMs: Double
    public var recall: Double
    public var recallMin: Double
    /// Rows the exact search went over (the live rows the search was sure to see).
    public var rows: Int
    public var resurrected: Int
    public var indeterminateHits: Int

    public init(atMs: Double, recall: Double, recallMin: Double, rows: Int, resurrected: Int, indeterminateHits: Int) {
        self.atMs = atMs
        self.recall = recall
        self.recallMin = recallMin
        self.rows = rows
        self.resurrected = resurrected
        self.indeterminateHits = indeterminateHits
    }
}

/// One wrong answer, for the report: the row's key, the field (nil for the row as a whole),
/// what the collection holds and what the server answered.
public struct AnswerExample: Codable, Sendable, Equatable {
    /// `wrongRows`, `missingRows`, `extraRows`, `wrongValues`, `resurrectedRows`, `wrongCount`.
    public var kind: String
    public var key: String
    public var field: String?
    public var expected: String?
    public var got: String?

    public init(kind: String, key: String, field: String? = nil, expected: String? = nil, got: String? = nil) {
        self.kind = kind
        self.key = key
        self.field = field
        self.expected = expected
        self.got = got
    }

    public var description: String {
        "\(kind) key \(key)" + (field.map { " \($0)" } ?? "") + (expected.map { ": expected \($0)" } ?? "") + (got.map { ", got \($0)" } ?? "")
    }
}

/// What `query`'s `verify` found: its sample of queries compared with the rows the tool knows
/// the collection holds.
public struct QueryCheckDetails: Codable, Sendable, Equatable {
    public var queries: Int
    /// Rows the checked queries returned, together.
    public var rows: Int
    public var wrongRows: Int
    public var missingRows: Int
    public var extraRows: Int
    public var wrongValues: Int
    /// Rows whose difference is explained by the consistency level (written or deleted less than
    /// its staleness bound before the query).
    public var staleRows: Int
    /// Rows whose write or delete had an unknown outcome (accepted either way).
    public var indeterminateRows: Int
    /// The staleness bound applied, in milliseconds (0 under Strong; nil: unbounded, Eventually).
    public var stalenessMs: Double?
    /// Up to five examples of each kind of wrong answer.
    public var examples: [AnswerExample]

    public init(queries: Int = 0, rows: Int = 0, wrongRows: Int = 0, missingRows: Int = 0, extraRows: Int = 0, wrongValues: Int = 0,
                staleRows: Int = 0, indeterminateRows: Int = 0, stalenessMs: Double? = nil, examples: [AnswerExample] = []) {
        self.queries = queries
        self.rows = rows
        self.wrongRows = wrongRows
        self.missingRows = missingRows
        self.extraRows = extraRows
        self.wrongValues = wrongValues
        self.staleRows = staleRows
        self.indeterminateRows = indeterminateRows
        self.stalenessMs = stalenessMs
        self.examples = examples
    }

    /// Wrong answers of every kind.
    public var wrong: Int { wrongRows + missingRows + extraRows + wrongValues }
}

/// Every row of a collection read back by key after a watch, compared with the rows the tool
/// knows it holds (its shadow of every acknowledged write).
public struct RowAuditRecord: Codable, Sendable, Equatable {
    /// Rows the server returned.
    public var rows: Int
    /// Rows the tool knew the collection holds (those of writes with an unknown outcome included).
    public var expectedRows: Int
    /// Acknowledged rows the server no longer has.
    public var lost: Int
    /// Rows under keys no acknowledged write left there (deleted, or never written).
    public var back: Int
    /// Rows whose last acknowledged write was an upsert, holding other values.
    public var upsertsLost: Int
    /// Other rows holding values their last acknowledged write did not send.
    public var wrongValues: Int
    /// Rows of writes with an unknown outcome, stored / not stored.
    public var indeterminateStored: Int
    public var indeterminateNotStored: Int
    /// The fields compared (besides the key).
    public var fields: [String]
    /// Queries sent to read the rows, and how long reading and comparing took.
    public var queries: Int
    public var durationMs: Double
    /// Up to five examples of each kind: `lostRows`, `rowsBack`, `upsertsLost`, `wrongValues`.
    public var examples: [AnswerExample]

    public init(rows: Int = 0, expectedRows: Int = 0, lost: Int = 0, back: Int = 0, upsertsLost: Int = 0, wrongValues: Int = 0,
                indeterminateStored: Int = 0, indeterminateNotStored: Int = 0, fields: [String] = [], queries: Int = 0, durationMs: Double = 0,
                examples: [AnswerExample] = []) {
        self.rows = rows
        self.expectedRows = expectedRows
        self.lost = lost
        self.back = back
        self.upsertsLost = upsertsLost
        self.wrongValues = wrongValues
        self.indeterminateStored = indeterminateStored
        self.indeterminateNotStored = indeterminateNotStored
        self.fields = fields
        self.queries = queries
        self.durationMs = durationMs
        self.examples = examples
    }

    /// Wrong rows of every kind.
    public var wrong: Int { lost + back + upsertsLost + wrongValues }
}

/// The background searches' answers a watch checked at its checks: a sample of each interval's
/// searches, every hit compared with the rows the tool knew the collection held when it was sent.
public struct BackgroundAnswersRecord: Codable, Sendable, Equatable {
    /// Searches checked, and their hits.
    public var searches: Int
    public var hits: Int
    /// Hits found wrong (a hit may be wrong in more than one way: the counts below).
    public var wrongHits: Int
    /// Hits on a row the collection does not hold (deleted, never written) or with a replaced vector.
    public var resurrected: Int
    /// Scores other than the metric on the row's vector and the query.
    public var wrongScores: Int
    /// Output field values other than the row holds.
    public var wrongValues: Int
    /// Hits on rows written or deleted within the staleness bound, or by writes of unknown outcome.
    public var indeterminate: Int
    /// Up to five examples of each kind.
    public var examples: [AnswerExample]

    public init(searches: Int = 0, hits: Int = 0, wrongHits: Int = 0, resurrected: Int = 0, wrongScores: Int = 0, wrongValues: Int = 0,
                indeterminate: Int = 0, examples: [AnswerExample] = []) {
        self.searches = searches
        self.hits = hits
        self.wrongHits = wrongHits
        self.resurrected = resurrected
        self.wrongScores = wrongScores
        self.wrongValues = wrongValues
        self.indeterminate = indeterminate
        self.examples = examples
    }
}

// MARK: - Notes

extension StepNote.Code {
    /// Recall was asked for, but the collection's rows are unknown (not created and filled by
    /// this scenario). Values: collection.
    public static let recallNoRows = StepNote.Code("recallNoRows",
        en: "recall not measured: '{collection}' was not created and filled by this scenario, so its rows are unknown",
        zh: "未测量召回率：集合 '{collection}' 不是由本场景创建并插入数据的，其数据未知")

    /// Recall was asked for, but the tool stopped following the collection's rows. Values:
    /// collection, reason.
    public static let recallShadowLost = StepNote.Code("recallShadowLost",
        en: "recall not measured: the rows of '{collection}' are no longer known ({reason})",
        zh: "未测量召回率：集合 '{collection}' 的数据已无法确定（{reason}）")

    /// `verify` was asked for, but the tool does not know the collection's rows. Values:
    /// collection, reason.
    public static let verifyUnknownRows = StepNote.Code("verifyUnknownRows",
        en: "answers not checked: the rows of '{collection}' are not known ({reason})",
        zh: "未校验结果：集合 '{collection}' 的数据未知（{reason}）")

    /// A watch's audit could not read the rows back, or the rows were not known. Values:
    /// collection, reason.
    public static let auditNotDone = StepNote.Code("auditNotDone",
        en: "rows of '{collection}' not audited after the watch: {reason}",
        zh: "监控结束后未逐行核对集合 '{collection}'：{reason}")

    /// A watch's background answers could not be checked. Values: reason.
    public static let backgroundUnchecked = StepNote.Code("backgroundUnchecked",
        en: "background search answers not checked: {reason}",
        zh: "未校验后台检索结果：{reason}")

    /// A watch's audit found wrong rows. Values: count, examples.
    public static let auditWrongRows = StepNote.Code("auditWrongRows",
        en: "{count} rows not as written, key by key after the watch: {examples}",
        zh: "监控结束后逐行核对，{count} 行与写入的不符：{examples}")

    /// A `verify` found wrong answers. Values: count, examples.
    public static let wrongAnswers = StepNote.Code("wrongAnswers",
        en: "{count} wrong answers: {examples}",
        zh: "{count} 个错误结果：{examples}")

    /// Recall was asked for with a metric it cannot score. Values: metric.
    public static let recallMetric = StepNote.Code("recallMetric",
        en: "recall not measured: metric {metric} is not L2, IP or COSINE",
        zh: "未测量召回率：距离度量 {metric} 不是 L2、IP 或 COSINE")

    /// Recall was asked for on a step whose `filter` the tool cannot evaluate on the rows it
    /// makes again. Values: reason.
    public static let recallFilter = StepNote.Code("recallFilter",
        en: "recall not measured: the filter cannot be evaluated on the generated rows: {reason}",
        zh: "未测量召回率：无法在生成的数据上计算 filter：{reason}")

    /// Recall's sample search failed or answered without the hits' vectors. Values: reason.
    public static let recallFailed = StepNote.Code("recallFailed",
        en: "recall not measured: {reason}",
        zh: "未测量召回率：{reason}")

    /// The query vectors' file has exact neighbours, but they do not fit the collection or
    /// the step, so the tool computed them from the file's rows instead. Values: reason.
    public static let recallFileNeighbors = StepNote.Code("recallFileNeighbors",
        en: "the data file's neighbours were not used ({reason}); recall is scored against neighbours computed from the file's rows",
        zh: "未使用数据文件自带的近邻（{reason}）；召回率按根据文件数据计算的精确近邻评估")
}
