import Foundation
import LoadEngine
import MilvusClient
import Primitives
import ScenarioRecord
import ScenarioSpec

// How every load kind runs its load on the engine (`LoadEngine`): the kind supplies its
// operation; this is the rest, once — the plan from the step's settings, the warm-up, the
// measured phase with live progress (and the nodes' traffic for the search kinds), and the
// outcome written into the step's record.

extension FailureClassifier {
    /// Milvus's failures: by the server's code or the transport's, in the server's words; a
    /// lost server (`unavailable` after the client's retries) ends the load.
    static let milvus = FailureClassifier(
        code: { error in
            guard let e = error as? MilvusError else { return "\(type(of: error))" }
            switch e.kind {
            case .server(let errorCode, let code): return "server \(code != 0 ? code : errorCode)"
            case .transport(let code): return code
            case .notSupported: return "notSupported"
            case .timedOut: return "timedOut"
            case .invalidArgument: return "invalidArgument"
            case .verificationFailed: return "verificationFailed"
            case .deploymentLimit: return "deploymentLimit"
            }
        },
        reason: { error in (error as? MilvusError)?.reason ?? "\(error)" },
        isFatal: { error in (error as? MilvusError)?.kind == .transport("unavailable") })
}

/// A client's event loops run a load's workers and its schedule's timer.
extension EventLoopTaskExecutor: LoadExecutor {}

extension LoadSettings {
    /// The load's shape for the engine.
    var shape: LoadShape {
        switch loop {
        case .closed(let workers): return .closed(workers: workers)
        case .open(let rate, let maxInFlight): return .constantRate(perSecond: rate.perSecond, maxInFlight: maxInFlight)
        case .ramping(let start, let stages, let maxInFlight):
            return .rampingRate(from: start.perSecond, stages: stages.map { RateStage(rate: $0.rate.perSecond, duration: $0.duration.swiftDuration) },
                                maxInFlight: maxInFlight)
        }
    }

    /// Warm-up and measured phase.
    var plan: LoadPlan {
        LoadPlan(shape: shape, warmup: warmup.length, length: end.length)
    }

    /// What the progress line counts up to (" of 1,000"), empty for a time.
    var target: String {
        if case .count(let n) = end { return " of \(n.formatted())" }
        return ""
    }
}

extension CountOrDuration {
    /// As the engine measures a phase.
    var length: LoadLength {
        switch self {
        case .count(let n): return .operations(n)
        case .duration(let d): return .time(d.swiftDuration)
        }
    }
}

extension LoadDriver {
    /// A load of `shape` sending `operation`, stopped with the run (Ctrl-C, the end of
    /// `parallel`). Every kind's workers run on the client's event loops, one per connection.
    static func forStep(_ shape: LoadShape, _ context: RunContext, classify: (@Sendable (Int) -> Int)? = nil,
                        operation: @escaping @Sendable (Int) async throws -> Void) -> LoadDriver {
        LoadDriver(shape: shape, executors: context.client.loadExecutors, classifier: .milvus, classify: classify,
                   shouldStop: { context.isStopping }, operation: operation)
    }

    /// The lifecycle with the run's progress display: warm-up announced, the measured phase's
    /// completions and QPS every half second.
    func run(_ plan: LoadPlan, _ step: Step, _ context: RunContext, target: String, warmedUp: () -> Void = {},
             measuring: (_ phase: () async -> LoadResult) async -> LoadResult = { await $0() }) async -> LoadOutcome {
        let progress = LoadProgress()
        let display = Self.showProgress(step, context, progress, target: target)
        defer { display.cancel() }
        return await run(plan, progress: progress, warmingUp: { length in
            switch length {
            case .operations(let n): context.progress.stepProgress(step, "warming up: \(n) queries")
            case .time(let d): context.progress.stepProgress(step, "warming up for \(ScenarioDuration(milliseconds: d.milliseconds))")
            }
        }, warmedUp: warmedUp, measuring: measuring)
    }

    /// Shows live progress of a load until cancelled.
    static func showProgress(_ step: Step, _ context: RunContext, _ progress: LoadProgress, target: String) -> Task<Void, Never> {
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
}

extension StepRecorder where Spec.Metrics: LoadLatencyMetrics, Spec.Details: RequestLoadDetails {
    /// Runs a request load — warm-up, measured phase, progress — and records its outcome: the
    /// load metrics, the latency histogram and failures, the per-interval completions; late and
    /// dropped of an open loop; and fails the step when the server went away or every query failed.
    @discardableResult
    mutating func runLoad(_ driver: LoadDriver, _ plan: LoadPlan, _ step: Step, _ context: RunContext, target: String, warmedUp: () -> Void = {},
                          timeline: TimelineSetting = .init(),
                          measuring: (_ phase: () async -> LoadResult) async -> LoadResult = { await $0() }) async throws -> LoadResult {
        let faults = PhaseFaults(timeline.faults, step, context)
        let outcome = await driver.run(plan, step, context, target: target, warmedUp: warmedUp) { phase in
            await withoutActuallyEscaping(phase) { phase in
                await measuring {
                    faults.start()
                    return await phase()
                }
            }
        }
        let result = outcome.result
        recordLoad(result)
        if case .closed = plan.shape {} else {
            self[\.load.late] = result.late
            self[\.load.dropped] = result.dropped
        }
        details.search = SearchDetails(plan, warmupQueries: outcome.warmupCompleted, result)
        self.timeline = result.timeline?.record(histograms: timeline.histograms)
        self.timeline?.faults = await faults.finish()
        try failIfEverythingFailed(result)
        return result
    }

    /// The latency metrics every request-load kind records, from one phase's result.
    mutating func recordLoad(_ result: LoadResult) {
        self[\.load.queries] = result.completed + result.errors
        self[\.load.errors] = result.errors
        self[\.load.errorRate] = result.errorRate
        self[\.load.totalTime] = result.wall
        self[\.load.qps] = result.qps
        rates = result.qpsSamples.map { [$0] }
        measuredFrom = result.startedAt
        if let l = result.latencySummary {
            self[\.load.avg] = l.mean
            self[\.load.min] = l.min
            self[\.load.p50] = l.p50
            self[\.load.p90] = l.p90
            self[\.load.p95] = l.p95
            self[\.load.p99] = l.p99
            self[\.load.p999] = l.p999
            self[\.load.max] = l.max
        }
    }
}

/// What a load step keeps of its measured phase beside the totals: whether every interval's
/// latency histogram goes into run.json (nil: for phases up to 2 minutes), and the faults it
/// injects.
struct TimelineSetting {
    var histograms: Bool?
    var faults: [WatchStep.Fault] = []
}

extension LoadSettings {
    var timeline: TimelineSetting { TimelineSetting(histograms: intervalHistograms, faults: faults) }
}

/// A load step fails when the server became unreachable (with that transport error) or when
/// every query failed; otherwise failures are recorded as metrics (errors, errorRate).
func failIfEverythingFailed(_ result: LoadResult) throws {
    if let fatal = result.fatal { throw fatal }
    guard result.completed == 0, result.errors > 0, let code = result.errorsByCode.max(by: { $0.value < $1.value })?.key else { return }
    // The server's words, not only its code: the most frequent reason, and how many others.
    let reasons = result.reasons.sorted ?? []
    var why = reasons.first.map { ": \($0.reason)" } ?? ""
    if reasons.count > 1 { why += " (and \(reasons.count - 1) other reason\(reasons.count == 2 ? "" : "s"))" }
    throw SearchFailure(reason: "all \(result.errors) queries failed (\(result.errorsByCode.map { "\($0.key): \($0.value)" }.sorted().joined(separator: ", ")))" + why,
                        code: code)
}

/// Every query of a load step failed.
struct SearchFailure: Error {
    var reason: String
    var code: String
}

extension SearchDetails {
    /// The load's shape and what it measured, for the record.
    init(_ plan: LoadPlan, warmupQueries: Int, _ result: LoadResult) {
        self.init(loop: "closed", concurrency: 0, targetRate: nil, warmupQueries: warmupQueries,
                  latency: result.latency.encoded, errorsByCode: result.errorsByCode,
                  errorReasons: result.reasons.sorted, firstError: result.reasons.firstMessage)
        switch plan.shape {
        case .closed(let workers): concurrency = workers
        case .constantRate(let rate, let maxInFlight): loop = "open"; concurrency = maxInFlight; targetRate = rate
        case .rampingRate(let start, let stages, let maxInFlight):
            loop = "ramping"
            concurrency = maxInFlight
            targetRate = stages.map(\.rate).max()
            var from = start, offset = Duration.zero
            self.stages = stages.enumerated().map { k, s in
                let counts = result.classes[k] ?? ClassCounts()
                let summary = LatencySummary(counts.latency)
                defer { from = s.rate; offset += s.duration }
                return SearchDetails.Stage(fromRate: from, toRate: s.rate, startMs: offset.milliseconds, durationMs: s.duration.milliseconds,
                                           completed: counts.completed, errors: counts.errors,
                                           p50Ms: summary?.p50.milliseconds, p99Ms: summary?.p99.milliseconds)
            }
        }
    }
}
