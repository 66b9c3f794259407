import Foundation
import MilvusClient
import ScenarioRecord
import ScenarioSpec
import Synchronization

struct QueryRunner: StepRunner {
    func run(_ spec: QueryStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<QueryStep>) async throws {
        let request = QueryRequest(collection: step.collection!, filter: spec.filter, outputFields: spec.outputFields, limit: spec.limit,
                                   offset: spec.offset, consistency: ConsistencyLevel(rawValue: spec.consistency.rawValue),
                                   timeout: spec.timeout?.swiftDuration)
        let client = context.client
        let rows = Atomic<Int>(0)
        let expected = spec.expectRows
        let load = SearchLoad(shape: spec.load.shape, shouldStop: { context.isStopping }) { _ in
            let result = try await client.query(request)
            let n = result.count ?? result.rows
            if let expected, n != expected {
                throw MilvusError(rpc: "Query", kind: .verificationFailed, reason: "returned \(n) rows, expected \(expected) (expectRows)")
            }
            rows.add(n, ordering: .relaxed)
        }
        let warmupQueries = await runWarmup(load, spec.load.warmup, step, context)
        rows.store(0, ordering: .relaxed)
        let (length, target) = spec.load.length
        let progress = LoadProgress()
        let reporter = reportProgress(step, context, progress, target: target)
        let result = await load.run(length, progress: progress)
        reporter.cancel()
        record.recordLoad(result)
        record.recordPercentiles(result)
        if case .open = spec.load.loop {
            record[\.late] = result.late
            record[\.dropped] = result.dropped
        }
        let returned = rows.load(ordering: .relaxed)
        record[\.rows] = returned
        record[\.rowsPerQuery] = result.completed > 0 ? Double(returned) / Double(result.completed) : nil
        record.details.search = SearchDetails(load: spec.load, warmupQueries: warmupQueries, result)
        try failIfEverythingFailed(result, step: step)
    }
}

extension LoadSettings {
    /// The load's shape for the workload engine.
    var shape: SearchLoad.Shape {
        switch loop {
        case .closed(let workers): return .closed(workers: workers)
        case .open(let rate, let maxInFlight): return .open(perSecond: rate.perSecond, maxInFlight: maxInFlight)
        }
    }

    /// How long the measured phase runs, and the " of N" progress lines show.
    var length: (SearchLoad.Length, String) {
        switch end {
        case .count(let n): return (.queries(n), " of \(n.formatted())")
        case .duration(let d): return (.time(d.swiftDuration), "")
        }
    }
}

/// Runs a load's warm-up (left out of the results); returns the requests it completed.
func runWarmup(_ load: SearchLoad, _ warmup: CountOrDuration, _ step: Step, _ context: RunContext) async -> Int {
    switch warmup {
    case .count(let n) where n > 0:
        context.progress.stepProgress(step, "warming up: \(n) queries")
        return await load.run(.queries(n)).completed
    case .duration(let d) where d.milliseconds > 0:
        context.progress.stepProgress(step, "warming up for \(d)")
        return await load.run(.time(d.swiftDuration)).completed
    default:
        return 0
    }
}

extension SearchDetails {
    /// The load's shape and what it measured, for the record.
    init(load: LoadSettings, warmupQueries: Int, _ result: LoadResult) {
        self.init(loop: "closed", concurrency: 0, targetRate: nil, warmupQueries: warmupQueries,
                  latency: result.latency.encoded, errorsByCode: result.errorsByCode,
                  errorReasons: result.reasons.sorted, firstError: result.reasons.first?.message)
        switch load.loop {
        case .closed(let workers): concurrency = workers
        case .open(let rate, let maxInFlight): loop = "open"; concurrency = maxInFlight; targetRate = rate.perSecond
        }
    }
}
