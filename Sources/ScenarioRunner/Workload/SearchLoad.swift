import Primitives
import Foundation
import Histogram
import MilvusClient
import ScenarioRecord
import Synchronization

/// What one measured phase of search load produced.
public struct LoadResult: LoadCounts {
    public var latency: LatencyHistogram
    public var completed: Int
    public var errors: Int
    public var errorsByCode: [String: Int]
    /// Distinct failure reasons with counts, and the first failure's full message.
    public var reasons = FailureReasons()
    public var wall: Duration
    /// Open loop: queries that started after their due time (by more than `OpenLoop.lateness`).
    public var late: Int
    /// Open loop: queries never sent because the run ended while all slots were busy.
    public var dropped: Int
    /// Open loop: queries the client's schedule handed out late although a slot was free — the
    /// client, not the server, could not keep the rate.
    public var clientLate = 0
    /// The error that ended the load early: the server became unreachable.
    public var fatal: MilvusError?
    /// Completions per interval of the phase, when the tallies kept them.
    public var series: CompletionSeries?
    /// When the phase started, by the wall clock (`merge` lines shards up with it).
    public var startedAt: Date?

    static let empty = LoadResult(latency: .latency(), completed: 0, errors: 0, errorsByCode: [:], wall: .zero, late: 0, dropped: 0, fatal: nil)

    /// The QPS's samples for the record: completions per interval over the phase's wall time.
    public var qpsSamples: RateSamples? {
        series.map { RateSamples(metric: "qps", counts: $0.padded(to: wall).map(Double.init), intervalMs: Double($0.intervalMs), spanMs: wall.milliseconds) }
    }

    /// The connection to the server is gone (the client already retried): stop the load and
    /// fail the step with this error instead of counting failures until the time is up.
    static func isFatal(_ error: any Error) -> Bool {
        (error as? MilvusError)?.kind == .transport("unavailable")
    }

    /// Failed queries as a percent of all measured ones (0 when none were).
    public var errorRate: Double {
        let total = completed + errors
        return total == 0 ? 0 : Double(errors) / Double(total) * 100
    }

    /// Completed queries per second of wall time.
    public var qps: Double { wall > .zero ? Double(completed) / (wall.milliseconds / 1000) : 0 }

    /// The latency distribution's summary; nil when nothing completed.
    public var latencySummary: LatencySummary? { LatencySummary(latency) }
}

/// What a load counts: the latency of queries that completed, and the failures by code and
/// reason. Workers count into their own `WorkerTally`; the phase merges them into its result.
public protocol LoadCounts: Sendable {
    var latency: LatencyHistogram { get set }
    var completed: Int { get set }
    var errors: Int { get set }
    var errorsByCode: [String: Int] { get set }
    var reasons: FailureReasons { get set }
    var series: CompletionSeries? { get set }
}

extension LoadCounts {
    /// Adds another tally's counts (latency, completions, failures).
    mutating func merge(_ other: some LoadCounts) {
        latency.add(other.latency)
        completed += other.completed
        errors += other.errors
        for (k, v) in other.errorsByCode { errorsByCode[k, default: 0] += v }
        reasons.merge(other.reasons)
        if let theirs = other.series {
            if series == nil { series = theirs } else { series!.merge(theirs) }
        }
    }
}

/// Completed queries per interval of a measured phase, for the QPS's significance in `compare`.
/// Intervals start at 100 ms and double whenever there would be more than 600 of them, so a
/// 5-second step still gives 50 samples and an hour-long one stays small in the record.
public struct CompletionSeries: Sendable {
    static let maxIntervals = 600
    let start: ContinuousClock.Instant
    private(set) var intervalMs = 100
    private(set) var counts: [Int] = []

    init(start: ContinuousClock.Instant) { self.start = start }

    mutating func add(at instant: ContinuousClock.Instant) {
        let ms = max(0, (instant - start).milliseconds)
        var i = Int(ms) / intervalMs
        while i >= Self.maxIntervals {
            coarsen()
            i = Int(ms) / intervalMs
        }
        if i >= counts.count { counts.append(contentsOf: repeatElement(0, count: i + 1 - counts.count)) }
        counts[i] += 1
    }

    private mutating func coarsen() {
        intervalMs *= 2
        counts = stride(from: 0, to: counts.count, by: 2).map { counts[$0] + ($0 + 1 < counts.count ? counts[$0 + 1] : 0) }
    }

    /// Adds another tally's counts of the same phase (same start).
    mutating func merge(_ other: CompletionSeries) {
        var other = other
        while intervalMs < other.intervalMs { coarsen() }
        while other.intervalMs < intervalMs { other.coarsen() }
        if other.counts.count > counts.count { counts.append(contentsOf: repeatElement(0, count: other.counts.count - counts.count)) }
        for (i, c) in other.counts.enumerated() { counts[i] += c }
    }

    /// The counts with the quiet intervals at the end included, up to the phase's wall time.
    func padded(to wall: Duration) -> [Int] {
        let n = max(counts.count, Int((wall.milliseconds / Double(intervalMs)).rounded(.up)))
        return counts + repeatElement(0, count: n - counts.count)
    }
}

/// One worker's counts; merged into a `LoadResult` when the phase ends.
struct WorkerTally: LoadCounts {
    var latency = LatencyHistogram.latency()
    var completed = 0
    var errors = 0
    var errorsByCode: [String: Int] = [:]
    var reasons = FailureReasons()
    /// Completions per interval since the phase's start, when given one.
    var series: CompletionSeries?

    init(phaseStart: ContinuousClock.Instant? = nil) {
        series = phaseStart.map(CompletionSeries.init(start:))
    }

    mutating func failed(_ error: any Error) {
        errors += 1
        let code = Self.code(of: error)
        errorsByCode[code, default: 0] += 1
        reasons.add(code: code, error: error)
    }

    /// Runs one query and counts it: its latency measured from `since` (the send, or an open
    /// loop's due time, so a stalled server shows), or its failure. A fatal failure (the server
    /// is gone) is put in `fatal`, which stops the load. Returns the latency, nil on failure.
    @discardableResult
    mutating func measure(since: ContinuousClock.Instant, progress: LoadProgress?, fatal: FatalBox,
                          _ query: () async throws -> Void) async -> Duration? {
        do {
            try await query()
            let now = ContinuousClock.now
            let latency = now - since
            self.latency.record(latency)
            series?.add(at: now)
            completed += 1
            progress?.complete()
            return latency
        } catch {
            failed(error)
            progress?.fail()
            if LoadResult.isFatal(error) { fatal.set(error) }
            return nil
        }
    }

    /// A short, stable key for an error: the Milvus code or the transport code.
    static func code(of error: any Error) -> String {
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
    }
}

/// The distinct reasons failures gave, in the server's own words, with counts (at most
/// `ErrorReason.limit` distinct ones; the rest are counted together), and the first failure's
/// full message with the time it happened.
public struct FailureReasons: Sendable {
    private var counts: [String: ErrorReason] = [:]
    private var order: [String] = []
    private(set) var first: (at: ContinuousClock.Instant, message: String)?

    public init() {}

    mutating func add(code: String, error: any Error, at time: ContinuousClock.Instant = .now) {
        let reason = Self.reason(of: error)
        add(ErrorReason(code: code, reason: reason, count: 1), first: (time, "\(error)"))
    }

    private mutating func add(_ r: ErrorReason, first candidate: (at: ContinuousClock.Instant, message: String)?) {
        var key = r.code + "\u{1F}" + r.reason
        var entry = r
        if counts[key] == nil, counts.count >= ErrorReason.limit {
            key = "\u{1F}other"
            entry = ErrorReason(code: "other", reason: "other reasons", count: r.count)
        }
        if counts[key] == nil { order.append(key) }
        counts[key, default: ErrorReason(code: entry.code, reason: entry.reason, count: 0)].count += entry.count
        if let candidate, first.map({ candidate.at < $0.at }) ?? true { first = candidate }
    }

    mutating func merge(_ other: FailureReasons) {
        for key in other.order { add(other.counts[key]!, first: nil) }
        if let f = other.first, first.map({ f.at < $0.at }) ?? true { first = f }
    }

    /// Most frequent first (ties in the order they were first seen); nil when nothing failed.
    public var sorted: [ErrorReason]? {
        guard !order.isEmpty else { return nil }
        return order.enumerated().sorted { a, b in
            let (x, y) = (counts[a.element]!.count, counts[b.element]!.count)
            return x != y ? x > y : a.offset < b.offset
        }.map { counts[$0.element]! }
    }

    /// The server's (or transport's) own words, without the RPC and code around them.
    static func reason(of error: any Error) -> String {
        let text = (error as? MilvusError)?.reason ?? "\(error)"
        let oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return oneLine.count > ErrorReason.maxLength ? String(oneLine.prefix(ErrorReason.maxLength)) + "…" : oneLine
    }
}

/// Live counters a progress reporter can read while load runs.
public final class LoadProgress: Sendable {
    private let done = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)
    public init() {}
    public var completed: Int { done.load(ordering: .relaxed) }
    public var errors: Int { failed.load(ordering: .relaxed) }
    func complete() { done.add(1, ordering: .relaxed) }
    func fail() { failed.add(1, ordering: .relaxed) }
}

/// Drives search load against a client: closed loop or open loop, ended by a count or a time.
public struct SearchLoad: Sendable {
    public enum Shape: Sendable {
        /// `workers` each send the next query when the last returns.
        case closed(workers: Int)
        /// Queries start on a fixed schedule; at most `maxInFlight` run at once.
        case open(perSecond: Double, maxInFlight: Int)
    }

    public enum Length: Sendable {
        case queries(Int)
        case time(Duration)
    }

    public var shape: Shape
    private let fatal = FatalBox()
    /// Runs one query; `index` numbers the queries of the phase from 0.
    public var query: @Sendable (_ index: Int) async throws -> Void
    public var shouldStop: @Sendable () -> Bool
    /// Where the workers run: worker *i* prefers `executors[i % count]` (`MilvusClient.loadExecutors`,
    /// so each search is sent and answered on its connection's thread); empty: anywhere.
    public var executors: [EventLoopTaskExecutor]

    public init(shape: Shape, executors: [EventLoopTaskExecutor] = [], shouldStop: @escaping @Sendable () -> Bool = { false },
                query: @escaping @Sendable (_ index: Int) async throws -> Void) {
        self.shape = shape
        self.query = query
        self.shouldStop = shouldStop
        self.executors = executors
    }

    /// The executor worker `worker` prefers (nil: none).
    func executor(_ worker: Int) -> (any TaskExecutor)? {
        executors.isEmpty ? nil : executors[worker % executors.count]
    }

    /// Runs one phase (warm-up or measured) and returns what it measured.
    public func run(_ length: Length, progress: LoadProgress? = nil) async -> LoadResult {
        switch shape {
        case .closed(let workers): return await closedLoop(workers: workers, length: length, progress: progress)
        case .open(let rate, let maxInFlight): return await openLoop(rate: rate, maxInFlight: maxInFlight, length: length, progress: progress)
        }
    }

    func closedLoop(workers: Int, length: Length, progress: LoadProgress?) async -> LoadResult {
        let clock = ContinuousClock()
        let startedAt = Date()
        let start = clock.now
        let issued = SharedCounter()
        let deadline: ContinuousClock.Instant? = { if case .time(let d) = length { return start + d } else { return nil } }()
        let limit: Int = { if case .queries(let n) = length { return n } else { return .max } }()
        let query = self.query, shouldStop = self.shouldStop, fatal = self.fatal
        var result = LoadResult.empty
        await withTaskGroup(of: WorkerTally.self) { group in
            for worker in 0..<max(1, workers) {
                group.addTask(executorPreference: executor(worker)) {
                    var tally = WorkerTally(phaseStart: start)
                    while !shouldStop(), !fatal.isSet {
                        let index = issued.next()
                        if index >= limit { break }
                        if let deadline, clock.now >= deadline { break }
                        await tally.measure(since: clock.now, progress: progress, fatal: fatal) { try await query(index) }
                    }
                    return tally
                }
            }
            for await tally in group { result.merge(tally) }
        }
        result.wall = clock.now - start
        result.startedAt = startedAt
        result.fatal = fatal.error
        return result
    }

    func openLoop(rate: Double, maxInFlight: Int, length: Length, progress: LoadProgress?) async -> LoadResult {
        let clock = ContinuousClock()
        let startedAt = Date()
        let start = clock.now
        let query = self.query, shouldStop = self.shouldStop, fatal = self.fatal
        let end: ContinuousClock.Instant? = { if case .time(let d) = length { return start + d } else { return nil } }()
        let count: Int? = { if case .queries(let n) = length { return n } else { return nil } }()
        let (tallies, totals) = await OpenLoop(rate: rate, maxInFlight: maxInFlight, executors: executors).run(
            start: start, end: end, dropAfter: end, count: count, shouldStop: { shouldStop() || fatal.isSet }, tally: { WorkerTally(phaseStart: start) }
        ) { ticket, tally in
            // From the due time: a stalled server shows in the percentiles.
            await tally.measure(since: ticket.due, progress: progress, fatal: fatal) { try await query(ticket.index) }
        }
        var result = LoadResult.empty
        for t in tallies { result.merge(t) }
        result.wall = clock.now - start
        result.late = totals.late
        result.dropped = totals.dropped
        result.clientLate = totals.clientLate
        result.startedAt = startedAt
        result.fatal = fatal.error
        return result
    }
}

/// The first fatal error of a load, shared by its workers.
final class FatalBox: Sendable {
    private let box = Mutex<MilvusError?>(nil)
    var isSet: Bool { box.withLock { $0 != nil } }
    var error: MilvusError? { box.withLock { $0 } }
    func set(_ error: any Error) {
        guard let e = error as? MilvusError else { return }
        box.withLock { if $0 == nil { $0 = e } }
    }
}

/// Hands out 0, 1, 2, … to concurrent workers.
final class SharedCounter: Sendable {
    private let value = Atomic<Int>(0)
    func next() -> Int { value.add(1, ordering: .relaxed).newValue - 1 }
}
