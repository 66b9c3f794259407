import Primitives
import Foundation
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

/// Shows live progress of a load until cancelled.
func reportProgress(_ step: Step, _ context: RunContext, _ progress: LoadProgress, target: String) -> Task<Void, Never> {
    Task {
        let clock = ContinuousClock()
        let start = clock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(500))
            let done = progress.completed
            let seconds = (clock.now - start).milliseconds / 1000
            let qps = seconds > 0 ? Double(done) / seconds : 0
            let errors = progress.errors
            context.progress.stepProgress(step, "\(done.formatted())\(target) queries, \(String(format: "%.1f", qps)) QPS" + (errors > 0 ? ", \(errors) errors" : ""))
        }
    }
}

struct ConcurrentSearchRunner: StepRunner {
    func run(_ spec: ConcurrentSearchStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<ConcurrentSearchStep>) async throws {
        let template = try await SearchTemplate(step: step, settings: spec.search, context: context)
        let pool = try template.queryPool(size: 1024)
        let client = context.client
        let query = try template.queryLoad(client, pool)
        let recorder = context.metrics?.queryRecorder(step: step.id, collection: template.collection)
        let load = SearchLoad(shape: spec.load.shape, executors: client.loadExecutors, shouldStop: { context.isStopping }) { index in
            let sent = ContinuousClock.now
            do {
                try await query(index)
                recorder?.record(ContinuousClock.now - sent)
            } catch {
                recorder?.record(nil)
                throw error
            }
        }
        let warmupQueries = await runWarmup(load, spec.warmup, step, context)
        template.iterated.reset()
        let (length, target) = spec.load.length
        let progress = LoadProgress()
        let reporter = reportProgress(step, context, progress, target: target)
        let result = await record.measuringNodeTraffic(spec.nodeTraffic, every: spec.nodeTrafficInterval, step, context) { await load.run(length, progress: progress) }
        reporter.cancel()
        record.recordLatency(result)
        record.recordPercentiles(result)
        if case .open = spec.loop {
            record[\.late] = result.late
            record[\.dropped] = result.dropped
        }
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
        record.details.search = SearchDetails(load: spec.load, warmupQueries: warmupQueries, result)
        try failIfEverythingFailed(result, step: step)
        await record.measureRecall(spec.recall, template, step, context)
    }
}

/// A search step fails when the server became unreachable (with that transport error) or when
/// every query failed; otherwise failures are recorded as metrics (errors, errorRate).
func failIfEverythingFailed(_ result: LoadResult, step: Step) throws {
    if let fatal = result.fatal { throw fatal }
    guard result.completed == 0, result.errors > 0, let code = result.errorsByCode.max(by: { $0.value < $1.value })?.key else { return }
    // The server's words, not only its code: the most frequent reason, and how many others.
    let reasons = result.reasons.sorted ?? []
    var why = reasons.first.map { ": \($0.reason)" } ?? ""
    if reasons.count > 1 { why += " (and \(reasons.count - 1) other reason\(reasons.count == 2 ? "" : "s"))" }
    throw SearchFailure(reason: "all \(result.errors) queries failed (\(result.errorsByCode.map { "\($0.key): \($0.value)" }.sorted().joined(separator: ", ")))" + why,
                        code: code)
}

/// Every query of a search step failed.
struct SearchFailure: Error {
    var reason: String
    var code: String
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
        let client = context.client
        let query = try template.queryLoad(client, plan)
        let executors = client.loadExecutors
        let issued = SharedCounter()
        let progress = LoadProgress()
        let reporter = reportProgress(step, context, progress, target: " of \(spec.queries.formatted())")
        let clock = ContinuousClock()
        var hot = WorkerTally(), cold = WorkerTally()
        var wall = Duration.zero
        var startedAt: Date?
        let fatal = FatalBox()
        let recorder = context.metrics?.queryRecorder(step: step.id, collection: template.collection)
        await record.measuringNodeTraffic(spec.nodeTraffic, every: spec.nodeTrafficInterval, step, context) {
            startedAt = Date()
            let start = clock.now
            await withTaskGroup(of: (WorkerTally, WorkerTally).self) { group in
                for worker in 0..<spec.concurrency {
                    group.addTask(executorPreference: executors.isEmpty ? nil : executors[worker % executors.count]) {
                        var hot = WorkerTally(phaseStart: start), cold = WorkerTally(phaseStart: start)
                        while !context.isStopping, !fatal.isSet {
                            let i = issued.next()
                            if i >= plan.count { break }
                            let sent = clock.now
                            let search = { try await query(i) }
                            let latency = isHot[i] ? await hot.measure(since: sent, progress: progress, fatal: fatal, search)
                                                   : await cold.measure(since: sent, progress: progress, fatal: fatal, search)
                            recorder?.record(latency)
                        }
                        return (hot, cold)
                    }
                }
                for await (h, c) in group {
                    hot.merge(h)
                    cold.merge(c)
                }
            }
            wall = clock.now - start
        }
        reporter.cancel()
        var all = LoadResult.empty
        all.merge(hot)
        all.merge(cold)
        all.wall = wall
        all.startedAt = startedAt
        all.fatal = fatal.error
        record.recordLatency(all)
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
        record.details.search = SearchDetails(loop: "closed", concurrency: spec.concurrency, targetRate: nil, warmupQueries: 0,
                                      latency: all.latency.encoded, errorsByCode: all.errorsByCode,
                                      errorReasons: all.reasons.sorted, firstError: all.reasons.first?.message)
        try failIfEverythingFailed(all, step: step)
        await record.measureRecall(spec.recall, template, step, context)
    }
}
