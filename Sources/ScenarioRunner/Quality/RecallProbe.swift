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

    static func measure(_ setting: RecallSetting, template: SearchTemplate, context: RunContext) async -> Outcome {
        let collection = template.collection
        guard let contents = context.contents(of: collection) else {
            return Outcome(note: StepNote(.recallNoRows, ["collection": collection]))
        }
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
            for part in contents.parts {
                for name in filter!.fields.sorted() {
                    guard let field = part.schema.fields.first(where: { $0.name == name }) else {
                        return Outcome(note: StepNote(.recallFilter, ["reason": "the collection has no field '\(name)'"]))
                    }
                    if field.autoID {
                        return Outcome(note: StepNote(.recallFilter, ["reason": "'\(name)' has autoId: Milvus assigns its values, so they cannot be made again"]))
                    }
                }
            }
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
        do {
            for start in stride(from: 0, to: queries.count, by: batch) {
                let slice = Array(queries[start..<min(start + batch, queries.count)])
                var request = template.request(slice)
                request.outputFields = [template.field]
                let result = try await context.client.search(request)
                guard result.hits.count == slice.count else {
                    return Outcome(note: StepNote(.recallFailed, ["reason": "the server answered \(result.hits.count) result lists for \(slice.count) query vectors"]))
                }
                for (i, hits) in result.hits.enumerated() {
                    guard hits.allSatisfy({ $0.vector?.count == template.dim }) else {
                        return Outcome(note: StepNote(.recallFailed, ["reason": "the server returned hits without the vectors of '\(template.field)'"]))
                    }
                    found.append(hits.map { metric.distance($0.vector!, slice[i]) })
                }
            }
        } catch {
            return Outcome(note: StepNote(.recallFailed, ["reason": "the sample search failed: " + FailureClassifier.milvus.reason(error)]))
        }

        // The truth, once per set of rows and queries (a sweep over `ef` reuses it).
        let key = GroundTruthKey(collection: collection, version: contents.version, field: template.field, metric: metric.rawValue, k: k,
                                 filter: template.settings.filter, queries: setting.queries,
                                 vectors: template.settings.vectors.map { "\($0.generator) seed \($0.seed.map(String.init) ?? "-") normalize \($0.normalize)" } ?? "default")
        let truth: GroundTruthResult
        var cached = false
        var note: StepNote?
        if let t = context.groundTruth(key) {
            truth = t
            cached = true
        } else {
            var fromFile: GroundTruthResult?
            if filter == nil, case .file(let source) = template.settings.vectors?.generator,
               let rows = FileNeighbors.rowsFile(of: contents, field: template.field) {
                switch FileNeighbors.truth(queries: queries, source: source, rows: rows, rowCount: contents.rows, k: k, metric: metric) {
                case .success(let t)?: fromFile = t
                case .failure(let problem)?: note = StepNote(.recallFileNeighbors, ["reason": problem.description])
                case nil: break
                }
            }
            if let fromFile {
                truth = fromFile
            } else {
                context.progress.note("recall: exact \(k) nearest of \(queries.count) queries over \(contents.rows.formatted()) rows")
                switch await compute(queries: queries, k: k, metric: metric, field: template.field, filter: filter, contents: contents) {
                case .success(let t): truth = t
                case .failure(let e): return Outcome(note: StepNote(.recallFailed, ["reason": e.description]))
                }
            }
            context.remember(truth, for: key)
        }
        let perQuery = zip(found, truth.distances).map { Recall.of(found: $0, truth: $1, k: k) }
        return Outcome(details: RecallDetails(queries: queries.count, k: k, metric: metric.rawValue, source: truth.source, rows: truth.rows,
                                              groundTruthMs: truth.milliseconds, reused: cached, kernel: truth.kernel, perQuery: perQuery),
                       note: note)
    }

    /// Exact nearest distances for each query, off the concurrency pool (it is seconds of CPU).
    static func compute(queries: [[Float]], k: Int, metric: DistanceMetric, field: String, filter: FilterExpression? = nil, contents: CollectionContents,
                        kernel: ExactNeighbors.Kernel = .blas) async -> Result<GroundTruthResult, VectorFileError> {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let clock = ContinuousClock()
                let start = clock.now
                let exact = ExactNeighbors(queries: queries, k: k, metric: metric, kernel: kernel)
                var fromFile = false
                do {
                    for part in contents.parts {
                        var generators = part.insert.valueGenerators(for: part.schema)
                        guard let v = generators.firstIndex(where: { $0.field.name == field }) else { continue }
                        if case .file = generators[v].generator { fromFile = true }
                        let filtered = filter.map { f in generators.indices.filter { f.fields.contains(generators[$0].field.name) } } ?? []
                        var done = 0
                        while done < part.rows {
                            let n = min(block, part.rows - done)
                            guard case .floatVector(_, let values) = try generators[v].next(n) else { break }
                            var include: [Bool]?
                            if let filter {
                                var columns: [String: ColumnData] = [:]
                                for i in filtered { columns[generators[i].field.name] = try generators[i].next(n) }
                                include = (0..<n).map { row in filter.matches { columns[$0]?.filterValue(row) } }
                            }
                            exact.add(values, include: include)
                            done += n
                        }
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
