import Primitives
import Foundation
import LoadEngine
import MilvusClient
import ScenarioRecord
import ScenarioSpec
import Synchronization

/// Builds the search requests of a step once: field, dimension, metric and parameters resolved.
struct SearchTemplate: Sendable {
    var collection: String
    var field: String
    var dim: Int
    /// The searched field's type (what the query inputs are made of).
    var type: FieldType
    var settings: SearchSettings
    var metric: String?
    var params: [String: String]
    /// The collection's primary key (an iterator's exclusion filter names it).
    var primaryKey: String
    /// Pages and rows an iterator read, over all queries of the step.
    let iterated = IteratorTally()

    init(step: Step, settings: SearchSettings, context: RunContext) async throws {
        try await self.init(collection: step.collection!, settings: settings, context: context)
    }

    init(collection: String, settings: SearchSettings, context: RunContext) async throws {
        self.collection = collection
        let vector = try await context.vectorField(collection, named: settings.field, step: "Search")
        field = vector.name
        dim = vector.dim
        type = vector.field.type
        self.settings = settings
        metric = settings.metric?.rawValue ?? vector.metric
        params = Dictionary(settings.params.map { ($0.name, $0.value) }, uniquingKeysWith: { _, b in b })
        primaryKey = try await context.facts(collection).schema.primaryKey?.name ?? "id"
    }

    /// The rows an iterator can reach: its limit, or the rows matching the filter (strong count).
    func iteratorReach(_ client: MilvusClient) async throws -> Int? {
        guard let iterator = settings.iterator else { return nil }
        let count = try await client.query(QueryRequest(collection: collection, filter: settings.filter ?? "", outputFields: ["count(*)"],
                                                        consistency: .strong)).count
        guard let count else { return nil }
        return iterator.limit.map { min($0, count) } ?? count
    }

    /// One query: a search, or with `iterator` every page of one.
    func search(_ client: MilvusClient, _ input: SearchInput) async throws {
        guard let iterator = settings.iterator else {
            _ = try await client.search(request(input))
            return
        }
        let read = try await client.searchIterator(request(input), batch: iterator.batch, limit: iterator.limit, primaryKey: primaryKey,
                                                   metric: metric ?? "L2")
        iterated.add(read)
    }

    /// What a load runs for query `index`: the pool's searches, encoded once here, so the measured
    /// loop only sends them (an iterator builds each page's request, so it encodes per query).
    func queryLoad(_ client: MilvusClient, _ pool: [SearchInput]) throws -> @Sendable (_ index: Int) async throws -> Void {
        guard settings.iterator == nil else {
            return { index in try await search(client, pool[index % pool.count]) }
        }
        let prepared = try pool.map { try client.prepare(request($0)) }
        return { index in _ = try await client.searchHitCount(prepared[index % prepared.count]) }
    }

    /// A search for float query vectors, converted to the field's type.
    func request(_ vectors: [[Float]]) -> SearchRequest {
        request(SearchInput(vectors, as: type))
    }

    func request(_ input: SearchInput) -> SearchRequest {
        SearchRequest(collection: collection, field: field, input: input, topK: settings.topK, metric: metric, params: params,
                      consistency: ConsistencyLevel(rawValue: settings.consistency.rawValue), outputFields: settings.outputFields,
                      filter: settings.filter, timeout: settings.timeout?.swiftDuration,
                      radius: settings.range?.radius, rangeFilter: settings.range?.rangeFilter,
                      groupBy: settings.groupBy.map { GroupBy(field: $0.field, size: $0.size, strict: $0.strict) })
    }

    /// The step's query inputs: vectors of the field's type, or texts.
    func queryInputs() -> QueryInputs { QueryInputs(field: FieldSchema(field, type), settings: settings) }

    /// A pool of query inputs (queries cycle through it), generated once so the measured loop
    /// spends its time on searching.
    func queryPool(size: Int) throws -> [SearchInput] {
        var generator = queryInputs()
        return try (0..<size).map { _ in try generator.next(settings.nq) }
    }
}

/// Pages and rows read by iterators, added up across workers.
final class IteratorTally: Sendable {
    private let pages = Atomic<Int>(0)
    private let rows = Atomic<Int>(0)

    func add(_ r: IteratorResult) {
        pages.add(r.pages, ordering: .relaxed)
        rows.add(r.rows, ordering: .relaxed)
    }

    func reset() {
        pages.store(0, ordering: .relaxed)
        rows.store(0, ordering: .relaxed)
    }

    var totals: (pages: Int, rows: Int) { (pages.load(ordering: .relaxed), rows.load(ordering: .relaxed)) }
}

struct ConcurrentSearchRunner: StepRunner {
    func run(_ spec: ConcurrentSearchStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<ConcurrentSearchStep>) async throws {
        let template = try await SearchTemplate(step: step, settings: spec.search, context: context)
        let query = try template.queryLoad(context.client, try template.queryPool(size: 1024))
        let recorder = context.metrics?.queryRecorder(step: step.id, collection: template.collection)
        let driver = LoadDriver.forStep(spec.load.shape, context) { index in
            try await recorder.measure { try await query(index) }
        }
        // An iterator counts its pages and rows over the measured queries only.
        let checkpoints = RecallCheckpoints(spec.recall, template, context)
        let result = try await record.runSearchLoad(driver, spec.load.plan, step, context, target: spec.load.target,
                                                    nodeTraffic: spec.nodeTraffic, every: spec.nodeTrafficInterval, checkpoints: checkpoints,
                                                    timeline: spec.load.timeline, warmedUp: { template.iterated.reset() })
        if spec.search.iterator != nil {
            let (pages, rows) = template.iterated.totals
            record[\.pages] = pages
            let seconds = result.wall.milliseconds / 1000
            record[\.pagesPerSecond] = seconds > 0 ? Double(pages) / seconds : nil
            record[\.rowsPerQuery] = result.completed > 0 ? Double(rows) / Double(result.completed) : nil
            // Every query should reach every row the filter matches (or the limit): say so when not.
            if result.completed > 0, let reachable = try? await template.iteratorReach(context.client) {
                let perQuery = Double(rows) / Double(result.completed)
                if perQuery < Double(reachable) {
                    record.notes.append(StepNote(.iteratorShort, ["read": String(format: "%.0f", perQuery), "expected": String(reachable)]))
                }
            }
        }
        await record.measureRecall(spec.recall, template, step, context, checkpoints: checkpoints)
    }
}

struct HotSearchRunner: StepRunner {
    func run(_ spec: HotSearchStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<HotSearchStep>) async throws {
        let template = try await SearchTemplate(step: step, settings: spec.search, context: context)
        // The hot set is the scenario's on every shard (`run --shard`: hot because all repeat
        // it); cold queries continue the same generator, or a shard's own when seeds are shifted.
        var unshifted = spec.search
        unshifted.seedOffset = 0
        var hotGenerator = QueryInputs(field: FieldSchema(template.field, template.type), settings: unshifted)
        let hotSet = try (0..<spec.hotVectors).map { _ in try hotGenerator.next(spec.search.nq) }
        var generator = spec.search.seedOffset == 0 ? hotGenerator : template.queryInputs()
        // The plan is fixed before running: which queries are hot, and which vector each uses.
        var random = SeededRandom(seed: UInt64(spec.seed))
        let isHot: [Bool] = (0..<spec.queries).map { _ in random.unitDouble() < spec.hotRatio }
        let plan: [SearchInput] = try isHot.enumerated().map { i, hot in
            hot ? hotSet[i % hotSet.count] : try generator.next(spec.search.nq)
        }
        let query = try template.queryLoad(context.client, plan)
        let recorder = context.metrics?.queryRecorder(step: step.id, collection: template.collection)
        // One closed loop; each query counted with its class too (hot 1, cold 0).
        let driver = LoadDriver.forStep(.closed(workers: spec.concurrency), context, classify: { isHot[$0] ? 1 : 0 }) { index in
            try await recorder.measure { try await query(index) }
        }
        let load = LoadPlan(shape: .closed(workers: spec.concurrency), length: .operations(spec.queries))
        let checkpoints = RecallCheckpoints(spec.recall, template, context)
        let result = try await record.runSearchLoad(driver, load, step, context, target: " of \(spec.queries.formatted())",
                                                    nodeTraffic: spec.nodeTraffic, every: spec.nodeTrafficInterval, checkpoints: checkpoints)
        let hot = result.classes[1] ?? ClassCounts(), cold = result.classes[0] ?? ClassCounts()
        record[\.hotQueries] = hot.completed + hot.errors
        record[\.coldQueries] = cold.completed + cold.errors
        let hotLatency = LatencySummary(hot.latency), coldLatency = LatencySummary(cold.latency)
        record[\.hotAvg] = hotLatency?.mean
        record[\.hotP50] = hotLatency?.p50
        record[\.hotP99] = hotLatency?.p99
        record[\.coldAvg] = coldLatency?.mean
        record[\.coldP50] = coldLatency?.p50
        record[\.coldP99] = coldLatency?.p99
        if let h = hotLatency?.mean, let c = coldLatency?.mean, h > .zero { record[\.hotSpeedup] = c / h }
        record.details.hot = HotSearchDetails(hotVectors: spec.hotVectors, hotRatio: spec.hotRatio, hot: hot.latency.encoded, cold: cold.latency.encoded)
        await record.measureRecall(spec.recall, template, step, context, checkpoints: checkpoints)
    }
}
