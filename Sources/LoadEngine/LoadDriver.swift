import Foundation
import Primitives

/// How a load is driven — k6's executors.
public enum LoadShape: Sendable, Hashable {
    /// `workers` each send their next operation when their last one returns (k6's constant-vus).
    case closed(workers: Int)
    /// Operations start on a fixed schedule, at most `maxInFlight` at once (constant-arrival-rate).
    case constantRate(perSecond: Double, maxInFlight: Int)
    /// The rate moves through stages, each ramping linearly to its rate (ramping-arrival-rate).
    case rampingRate(from: Double, stages: [RateStage], maxInFlight: Int)

    /// The schedule of an open-loop shape; nil for a closed loop.
    public var schedule: RateSchedule? {
        switch self {
        case .closed: return nil
        case .constantRate(let rate, _): return .constant(perSecond: rate)
        case .rampingRate(let start, let stages, _): return .ramping(from: start, stages: stages)
        }
    }
}

/// How long a phase lasts: a number of operations or a span of time.
public enum LoadLength: Sendable, Hashable {
    case operations(Int)
    case time(Duration)
}

/// Runs a load's phases (warm-up and measured) against an operation: the closed loop, or the
/// open loop (`OpenLoop`) at a constant or ramping rate. A load supplies only its operation:
/// what to send for operation *i*.
public struct LoadDriver: Sendable {
    public var shape: LoadShape
    /// Runs one operation; `index` numbers the operations of the phase from 0.
    public var operation: @Sendable (_ index: Int) async throws -> Void
    public var shouldStop: @Sendable () -> Bool
    /// Where the workers run: worker *i* prefers `executors[i % count]` (each operation sent and
    /// answered on its connection's thread); empty: anywhere.
    public var executors: [any LoadExecutor]
    public var classifier: FailureClassifier
    /// Which class an operation is counted in as well (a hot search's hot and cold queries); nil:
    /// none, or on a ramp its stage.
    public var classify: (@Sendable (_ index: Int) -> Int)?
    private let fatal = FatalBox()

    public init(shape: LoadShape, executors: [any LoadExecutor] = [], classifier: FailureClassifier = .plain,
                classify: (@Sendable (_ index: Int) -> Int)? = nil, shouldStop: @escaping @Sendable () -> Bool = { false },
                operation: @escaping @Sendable (_ index: Int) async throws -> Void) {
        self.shape = shape
        self.executors = executors
        self.classifier = classifier
        self.classify = classify
        self.shouldStop = shouldStop
        self.operation = operation
    }

    /// The executor worker `worker` prefers (nil: none).
    func executor(_ worker: Int) -> (any TaskExecutor)? {
        executors.isEmpty ? nil : executors[worker % executors.count]
    }

    /// Runs one phase (warm-up or measured) and returns what it measured. A ramp's phase lasts
    /// its stages (or less, when `length` ends it first).
    public func run(_ length: LoadLength, progress: LoadProgress? = nil) async -> LoadResult {
        switch shape {
        case .closed(let workers): return await closedLoop(workers: workers, length: length, progress: progress)
        case .constantRate(_, let maxInFlight), .rampingRate(_, _, let maxInFlight):
            return await openLoop(schedule: shape.schedule!, maxInFlight: maxInFlight, length: length, progress: progress)
        }
    }

    func closedLoop(workers: Int, length: LoadLength, progress: LoadProgress?) async -> LoadResult {
        let clock = ContinuousClock()
        let startedAt = Date()
        let start = clock.now
        let issued = SharedCounter()
        let deadline: ContinuousClock.Instant? = { if case .time(let d) = length { return start + d } else { return nil } }()
        let limit: Int = { if case .operations(let n) = length { return n } else { return .max } }()
        let operation = self.operation, shouldStop = self.shouldStop, fatal = self.fatal, classifier = self.classifier, classify = self.classify
        var result = LoadResult.empty
        let timeline = TimelineRecorder(start: start)
        await withTaskGroup(of: WorkerTally.self) { group in
            for worker in 0..<max(1, workers) {
                group.addTask(executorPreference: executor(worker)) {
                    var tally = WorkerTally(phaseStart: start, classifier: classifier, timeline: timeline)
                    while !shouldStop(), !fatal.isSet {
                        let index = issued.next()
                        if index >= limit { break }
                        if let deadline, clock.now >= deadline { break }
                        await tally.measure(since: clock.now, progress: progress, fatal: fatal, in: classify?(index)) { try await operation(index) }
                    }
                    return tally
                }
            }
            for await tally in group { result.merge(tally) }
        }
        result.wall = clock.now - start
        result.timeline = timeline.series(wall: result.wall)
        result.startedAt = startedAt
        result.fatal = fatal.error
        return result
    }

    func openLoop(schedule: RateSchedule, maxInFlight: Int, length: LoadLength, progress: LoadProgress?) async -> LoadResult {
        let clock = ContinuousClock()
        let startedAt = Date()
        let start = clock.now
        let operation = self.operation, shouldStop = self.shouldStop, fatal = self.fatal, classifier = self.classifier
        // On a ramp every operation is counted in its stage too.
        var classify = self.classify
        if classify == nil, schedule.duration != nil {
            classify = { @Sendable index in schedule.stage(of: index) }
        }
        let classifyOperation = classify
        var phaseEnd: Duration? = { if case .time(let d) = length { return d } else { return nil } }()
        if let total = schedule.duration { phaseEnd = phaseEnd.map { min($0, total) } ?? total }
        let end = phaseEnd.map { start + $0 }
        let count: Int? = { if case .operations(let n) = length { return n } else { return nil } }()
        let timeline = TimelineRecorder(start: start)
        let (tallies, totals) = await OpenLoop(schedule: schedule, maxInFlight: maxInFlight, executors: executors).run(
            start: start, end: end, dropAfter: end, count: count, shouldStop: { shouldStop() || fatal.isSet },
            tally: { WorkerTally(phaseStart: start, classifier: classifier, timeline: timeline) }
        ) { ticket, tally in
            tally.maxLateness = max(tally.maxLateness, ticket.lateBy)
            // From the due time: a stalled server shows in the percentiles.
            await tally.measure(since: ticket.due, progress: progress, fatal: fatal, in: classifyOperation?(ticket.index)) { try await operation(ticket.index) }
        }
        var result = LoadResult.empty
        for t in tallies {
            result.merge(t)
            result.maxLateness = max(result.maxLateness, t.maxLateness)
        }
        result.wall = clock.now - start
        result.timeline = timeline.series(wall: result.wall)
        result.late = totals.late
        result.dropped = totals.dropped
        result.clientLate = totals.clientLate
        result.startedAt = startedAt
        result.fatal = fatal.error
        return result
    }
}

/// A load's two phases: a warm-up left out of the results, then the measured phase.
public struct LoadPlan: Sendable, Hashable {
    public var shape: LoadShape
    /// Run first and left out of the results; nil: none.
    public var warmup: LoadLength?
    public var length: LoadLength

    public init(shape: LoadShape, warmup: LoadLength? = nil, length: LoadLength) {
        self.shape = shape
        self.warmup = warmup
        self.length = length
    }
}

/// What a load's lifecycle produced: its warm-up's completions and its measured phase.
public struct LoadOutcome: Sendable {
    public var warmupCompleted: Int
    public var result: LoadResult
}

extension LoadDriver {
    /// The lifecycle every load shares, once: the warm-up (announced by `warmingUp`, left out),
    /// then the measured phase with live `progress`, run inside `measuring` (which may observe
    /// the servers around it, e.g. their per-node counters); `warmedUp` runs between them.
    public func run(_ plan: LoadPlan, progress: LoadProgress, warmingUp: (LoadLength) -> Void = { _ in }, warmedUp: () -> Void = {},
                    measuring: (_ phase: () async -> LoadResult) async -> LoadResult = { await $0() }) async -> LoadOutcome {
        var warm = 0
        if let warmup = plan.warmup, Self.isWorthRunning(warmup) {
            warmingUp(warmup)
            warm = await run(warmup).completed
        }
        warmedUp()
        let result = await measuring { await run(plan.length, progress: progress) }
        return LoadOutcome(warmupCompleted: warm, result: result)
    }

    static func isWorthRunning(_ length: LoadLength) -> Bool {
        switch length {
        case .operations(let n): return n > 0
        case .time(let d): return d > .zero
        }
    }
}
