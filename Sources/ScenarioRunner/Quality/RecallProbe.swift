import Dispatch
import Foundation
import LoadEngine
import GroundTruth
import MilvusClient
import ScenarioRecord
import ScenarioSpec
import VectorFiles

/// Recall@k of a search step: a sample of the step's query vectors is searched once more, with
/// the step's parameters and the hits' vectors returned, and each hit's exact distance is
/// compared with the exact k nearest rows, found by brute force over the collection's rows made
/// again from the insert steps' seeds (streamed in blocks, never held whole).
enum RecallProbe {
    /// Query vectors per search request of the sample.
    static let batch = 10
    /// Rows per block streamed through the exact search.
    static let block = 8192

    struct Outcome: Sendable {
        var details: RecallDetails?
        var note: StepNote?
    }

    /// `visibleBefore`: a checkpoint while rows stream in — only rows acknowledged by then are
    /// in the exact neighbours (and the ground truth is not reused).
    /// `announce`: say on the console when the exact neighbours are computed (not at every
    /// check of a watch).
    static func measure(_ setting: RecallSetting, template: SearchTemplate, context: RunContext,
                        visibleBefore: ContinuousClock.Instant? = nil, announce: Bool = true) async -> Outcome {
        let collection = template.collection
        guard let shadow = context.shadow(of: collection) else {
            return Outcome(note: StepNote(.recallNoRows, ["collection": collection]))
        }
        if let lost = shadow.lost { return Outcome(note: StepNote(.recallShadowLost, ["collection": collection, "reason": lost])) }
        guard let metricName = template.metric, let metric = DistanceMetric(milvus: metricName) else {
            return Outcome(note: StepNote(.recallMetric, ["metric": template.metric ?? "?"]))
        }
        // The rows the search may return: the filter evaluated on the regenerated scalar fields.
        var filter: FilterExpression?
        if let text = template.settings.filter {
            switch FilterExpression.parse(text) {
            case .failure(let e): return Outcome(note: StepNote(.recallFilter, ["reason": e.description]))
            case .success(let f): filter = f
            }
            if let why = shadow.cannotEvaluate(filter!.fields) { return Outcome(note: StepNote(.recallFilter, ["reason": why])) }
        }
        let k = template.settings.topK
        var generator = QueryVectors(dim: template.dim, settings: template.settings.vectors)
        let queries: [[Float]]
        do {
            // From a file, each query vector once: no more than it holds.
            var count = setting.queries
            if case .file(let source) = template.settings.vectors?.generator { count = min(count, try source.open(queries: true).rows) }
            queries = try generator.next(count)
        } catch {
            return Outcome(note: StepNote(.recallFailed, ["reason": String(describing: error)]))
        }

        // What Milvus finds, scored by the exact distance of each hit's vector.
        var found: [[Double]] = []
        found.reserveCapacity(queries.count)
        var all: [HitCheck.Hit] = []
        let sent = ContinuousClock.now
        do {
            for start in stride(from: 0, to: queries.count, by: batch) {
                let slice = Array(queries[start..<min(start + batch, queries.count)])
                var request = template.request(slice)
                // The hits' vectors (scored exactly), and the step's own output fields (checked).
                request.outputFields = [template.field] + template.settings.outputFields.filter { $0 != template.field }
                let result = try await context.client.search(request)
                guard result.hits.count == slice.count else {
                    return Outcome(note: StepNote(.recallFailed, ["reason": "the server answered \(result.hits.count) result lists for \(slice.count) query vectors"]))
                }
                for (i, hits) in result.hits.enumerated() {
                    guard hits.allSatisfy({ $0.vector?.count == template.dim }) else {
                        return Outcome(note: StepNote(.recallFailed, ["reason": "the server returned hits without the vectors of '\(template.field)'"]))
                    }
                    found.append(hits.map { metric.distance($0.vector!, slice[i]) })
                    let values = template.settings.outputFields.compactMap { f in result.values(of: f).map { (f, $0[i]) } }
                    all += hits.enumerated().map { j, hit in
                        HitCheck.Hit(hit: hit, query: slice[i], fields: Dictionary(values.compactMap { f, v in j < v.count ? (f, v[j]) : nil },
                                                                                   uniquingKeysWith: { a, _ in a }))
                    }
                }
            }
        } catch {
            return Outcome(note: StepNote(.recallFailed, ["reason": "the sample search failed: " + FailureClassifier.milvus.reason(error)]))
        }

        // The truth, once per set of rows and queries (a sweep over `ef` reuses it).
        // Every hit must be a row the collection holds now, with its current vector.
        let wrong: HitCheck
        do {
            wrong = try await HitCheck.check(all, field: template.field, metric: metric, shadow: context.shadow(of: collection) ?? shadow, sent: sent,
                                            consistency: template.settings.consistency.rawValue)
        } catch {
            return Outcome(note: StepNote(.recallFailed, ["reason": "the hits could not be checked: \(error)"]))
        }
        let key = GroundTruthKey(collection: collection, version: shadow.version, field: template.field, metric: metric.rawValue, k: k,
                                 filter: template.settings.filter, queries: setting.queries,
                                 vectors: template.settings.vectors.map { "\($0.generator) seed \($0.seed.map(String.init) ?? "-") normalize \($0.normalize)" } ?? "default")
        let truth: GroundTruthResult
        var cached = false
        var note: StepNote?
        if visibleBefore == nil, let t = context.groundTruth(key) {
            truth = t
            cached = true
        } else {
            var fromFile: GroundTruthResult?
            if filter == nil, visibleBefore == nil, case .file(let source) = template.settings.vectors?.generator,
               let rows = FileNeighbors.rowsFile(of: shadow, field: template.field) {
                switch FileNeighbors.truth(queries: queries, source: source, rows: rows, rowCount: shadow.rows, k: k, metric: metric) {
                case .success(let t)?: fromFile = t
                case .failure(let problem)?: note = StepNote(.recallFileNeighbors, ["reason": problem.description])
                case nil: break
                }
            }
            if let fromFile {
                truth = fromFile
            } else {
                if announce { context.progress.note("recall: exact \(k) nearest of \(queries.count) queries over \(shadow.rows.formatted()) rows") }
                switch await compute(queries: queries, k: k, metric: metric, field: template.field, filter: filter, shadow: shadow,
                                     visibleBefore: visibleBefore) {
                case .success(let t): truth = t
                case .failure(let e): return Outcome(note: StepNote(.recallFailed, ["reason": e.description]))
                }
            }
            if visibleBefore == nil { context.remember(truth, for: key) }
        }
        let perQuery = zip(found, truth.distances).map { Recall.of(found: $0, truth: $1, k: k) }
        var details = RecallDetails(queries: queries.count, k: k, metric: metric.rawValue, source: truth.source, rows: truth.rows,
                                    groundTruthMs: truth.milliseconds, reused: cached, kernel: truth.kernel, perQuery: perQuery)
        details.truthSample = Array(truth.distances.prefix(10))
        details.hitsChecked = all.count
        details.resurrected = wrong.resurrected
        details.wrongValues = wrong.wrongValues
        details.wrongScores = wrong.wrongScores
        details.indeterminateHits = wrong.indeterminate
        details.examples = wrong.examples.isEmpty ? nil : wrong.examples
        return Outcome(details: details, note: note)
    }

    /// Exact nearest distances for each query over the rows the collection holds now (each key's
    /// current row; deleted rows and replaced values left out, as are rows whose write's outcome
    /// is unknown), off the concurrency pool (it is seconds of CPU).
    static func compute(queries: [[Float]], k: Int, metric: DistanceMetric, field: String, filter: FilterExpression? = nil, shadow: CollectionShadow,
                        visibleBefore: ContinuousClock.Instant? = nil, kernel: ExactNeighbors.Kernel = .blas) async -> Result<GroundTruthResult, VectorFileError> {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let clock = ContinuousClock()
                let start = clock.now
                let exact = ExactNeighbors(queries: queries, k: k, metric: metric, kernel: kernel)
                let fromFile = shadow.sources.contains { s in s.generators.contains { g in
                    if case .file = g.generator, g.field.name == field { return true } else { return false } } }
                let schema = shadow.schema
                do {
                    let fields = filter.map { shadow.fieldsRead(by: $0.fields) } ?? []
                    try shadow.forEachBlock(fields: fields.union([field]), block: block) { b in
                        guard case .floatVector(_, let values)? = b.columns[field]?.data else { return }
                        let decoded = filter == nil ? [:] : b.columns.filter { $0.key != field }.mapValues(\.values)
                        let include = (0..<b.count).map { i -> Bool in
                            guard let key = b.keys[i], !b.indeterminate[i] else { return false }
                            if let cutoff = visibleBefore {
                                guard let at = shadow.sources[b.source].acknowledgement(of: b.firstRow + Int64(i)), at <= cutoff else { return false }
                            }
                            guard let filter, let schema else { return true }
                            return filter.matches { CollectionShadow.filterValue($0, key: key, schema: schema, decoded: decoded, row: i) }
                        }
                        exact.add(values, include: include)
                    }
                } catch {
                    continuation.resume(returning: .failure(error as? VectorFileError ?? VectorFileError(String(describing: error))))
                    return
                }
                let distances = exact.neighbors().map { $0.map(\.distance) }
                continuation.resume(returning: .success(GroundTruthResult(distances: distances, rows: exact.candidates,
                                                                          milliseconds: (clock.now - start).milliseconds, kernel: exact.kernel.rawValue,
                                                                          source: fromFile ? "data file" : "regenerated")))
            }
        }
    }
}

/// Which ground truth: the same rows (contents version), field, metric, k and query vectors.
struct GroundTruthKey: Hashable, Sendable {
    var collection: String
    var version: Int
    var field: String
    var metric: String
    var k: Int
    var filter: String?
    var queries: Int
    var vectors: String
}

struct GroundTruthResult: Sendable {
    /// Each query's exact nearest distances, nearest first.
    var distances: [[Float]]
    var rows: Int
    var milliseconds: Double
    var kernel: String
    /// RecallDetails.source: "regenerated", "data file" (computed over a file's rows) or
    /// "file neighbors" (the file's own ground truth).
    var source: String
}

extension RunContext {
    func groundTruth(_ key: GroundTruthKey) -> GroundTruthResult? { groundTruths.withLock { $0[key] } }
    func remember(_ truth: GroundTruthResult, for key: GroundTruthKey) { groundTruths.withLock { $0[key] = truth } }
}
