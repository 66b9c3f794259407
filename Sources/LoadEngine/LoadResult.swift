import Foundation
import Histogram
import Primitives
import ScenarioRecord
import Synchronization

/// How the engine tells a load's failures apart: the short code failures are counted by, the
/// reason in the server's own words, and whether one means the server is gone (the load then
/// stops instead of counting failures until its time is up). The engine knows no server; the
/// runner supplies Milvus's.
public struct FailureClassifier: Sendable {
    public var code: @Sendable (any Error) -> String
    public var reason: @Sendable (any Error) -> String
    public var isFatal: @Sendable (any Error) -> Bool

    public init(code: @escaping @Sendable (any Error) -> String, reason: @escaping @Sendable (any Error) -> String,
                isFatal: @escaping @Sendable (any Error) -> Bool) {
        self.code = code
        self.reason = reason
        self.isFatal = isFatal
    }

    /// Every error by its type's name, none fatal (tests, loads of anything but Milvus calls).
    public static let plain = FailureClassifier(code: { "\(type(of: $0))" }, reason: { "\($0)" }, isFatal: { _ in false })
}

/// What one phase of a load produced.
public struct LoadResult: LoadCounts {
    public var latency: LatencyHistogram
    public var completed: Int
    public var errors: Int
    public var errorsByCode: [String: Int]
    /// Distinct failure reasons with counts, and the first failure's full message.
    public var reasons = FailureReasons()
    public var wall: Duration
    /// Open loop: operations that started after their due time (by more than `OpenLoop.lateness`).
    public var late: Int
    /// Open loop: operations never sent because the run ended while all slots were busy.
    public var dropped: Int
    /// Open loop: operations the client's schedule handed out late although a slot was free —
    /// the client, not the server, could not keep the rate.
    public var clientLate = 0
    /// Open loop: the most an operation started after its due time.
    public var maxLateness = Duration.zero
    /// The error that ended the load early: the server became unreachable.
    public var fatal: (any Error)?
    /// Completions per interval of the phase, when the tallies kept them.
    public var series: CompletionSeries?
    /// The phase second by second: sent, completed, failed by code, latency per interval.
    public var timeline: TimelineSeries?
    /// When the phase started, by the wall clock (`merge` lines shards up with it).
    public var startedAt: Date?
    /// The operations' classes apart (a hot search's hot and cold queries, a ramping load's
    /// stages), by class; empty when the load has none.
    public var classes: [Int: ClassCounts] = [:]

    public static let empty = LoadResult(latency: .latency(), completed: 0, errors: 0, errorsByCode: [:], wall: .zero, late: 0, dropped: 0)

    public init(latency: LatencyHistogram, completed: Int, errors: Int, errorsByCode: [String: Int], wall: Duration, late: Int, dropped: Int) {
        self.latency = latency
        self.completed = completed
        self.errors = errors
        self.errorsByCode = errorsByCode
        self.wall = wall
        self.late = late
        self.dropped = dropped
    }

    /// The QPS's samples for the record: completions per interval over the phase's wall time.
    public var qpsSamples: RateSamples? {
        series.map { RateSamples(metric: "qps", counts: $0.padded(to: wall).map(Double.init), intervalMs: Double($0.intervalMs), spanMs: wall.milliseconds) }
    }

    /// Failed operations as a percent of all measured ones (0 when none were).
    public var errorRate: Double {
        let total = completed + errors
        return total == 0 ? 0 : Double(errors) / Double(total) * 100
    }

    /// Completed operations per second of wall time.
    public var qps: Double { wall > .zero ? Double(completed) / (wall.milliseconds / 1000) : 0 }

    /// The latency distribution's summary; nil when nothing completed.
    public var latencySummary: LatencySummary? { LatencySummary(latency) }
}

/// One class of a load's operations, counted apart.
public struct ClassCounts: Sendable {
    public var latency = LatencyHistogram.latency()
    public var completed = 0
    public var errors = 0

    public init() {}

    mutating func merge(_ other: ClassCounts) {
        latency.add(other.latency)
        completed += other.completed
        errors += other.errors
    }
}

/// What a load counts: the latency of operations that completed, and the failures by code and
/// reason. Workers count into their own `WorkerTally`; the phase merges them into its result.
public protocol LoadCounts: Sendable {
    var latency: LatencyHistogram { get set }
    var completed: Int { get set }
    var errors: Int { get set }
    var errorsByCode: [String: Int] { get set }
    var reasons: FailureReasons { get set }
    var series: CompletionSeries? { get set }
    var classes: [Int: ClassCounts] { get set }
}

extension LoadCounts {
    /// Adds another tally's counts (latency, completions, failures).
    public mutating func merge(_ other: some LoadCounts) {
        latency.add(other.latency)
        completed += other.completed
        errors += other.errors
        for (k, v) in other.errorsByCode { errorsByCode[k, default: 0] += v }
        reasons.merge(other.reasons)
        if let theirs = other.series {
            if series == nil { series = theirs } else { series!.merge(theirs) }
        }
        for (c, counts) in other.classes { classes[c, default: ClassCounts()].merge(counts) }
    }
}

/// Completed operations per interval of a measured phase, for the QPS's significance in
/// `compare`. Intervals start at 100 ms and double whenever there would be more than 600 of
/// them, so a 5-second step still gives 50 samples and an hour-long one stays small in the record.
public struct CompletionSeries: Sendable {
    static let maxIntervals = 600
    let start: ContinuousClock.Instant
    public private(set) var intervalMs = 100
    public private(set) var counts: [Int] = []

    public init(start: ContinuousClock.Instant) { self.start = start }

    public mutating func add(at instant: ContinuousClock.Instant) {
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
    public mutating func merge(_ other: CompletionSeries) {
        var other = other
        while intervalMs < other.intervalMs { coarsen() }
        while other.intervalMs < intervalMs { other.coarsen() }
        if other.counts.count > counts.count { counts.append(contentsOf: repeatElement(0, count: other.counts.count - counts.count)) }
        for (i, c) in other.counts.enumerated() { counts[i] += c }
    }

    /// The counts with the quiet intervals at the end included, up to the phase's wall time.
    public func padded(to wall: Duration) -> [Int] {
        let n = max(counts.count, Int((wall.milliseconds / Double(intervalMs)).rounded(.up)))
        return counts + repeatElement(0, count: n - counts.count)
    }
}

/// One worker's counts; merged into a `LoadResult` when the phase ends.
public struct WorkerTally: LoadCounts {
    public var latency = LatencyHistogram.latency()
    public var completed = 0
    public var errors = 0
    public var errorsByCode: [String: Int] = [:]
    public var reasons = FailureReasons()
    /// Completions per interval since the phase's start, when given one.
    public var series: CompletionSeries?
    public var classes: [Int: ClassCounts] = [:]
    /// Open loop: the most an operation of this worker started after its due time.
    public var maxLateness = Duration.zero
    let classifier: FailureClassifier
    /// The phase's shared second-by-second recorder, when it keeps one.
    let timeline: TimelineRecorder?

    public init(phaseStart: ContinuousClock.Instant? = nil, classifier: FailureClassifier = .plain, timeline: TimelineRecorder? = nil) {
        series = phaseStart.map(CompletionSeries.init(start:))
        self.classifier = classifier
        self.timeline = timeline
    }

    public mutating func failed(_ error: any Error) {
        errors += 1
        let code = classifier.code(error)
        timeline?.failed(at: .now, code: code)
        errorsByCode[code, default: 0] += 1
        reasons.add(code: code, reason: classifier.reason(error), error: error)
    }

    /// Runs one operation and counts it: its latency measured from `since` (the send, or an open
    /// loop's due time, so a stalled server shows), or its failure; in `operationClass` too when
    /// given one. A fatal failure (the server is gone) is put in `fatal`, which stops the load.
    /// Returns the latency, nil on failure.
    @discardableResult
    public mutating func measure(since: ContinuousClock.Instant, progress: LoadProgress?, fatal: FatalBox, in operationClass: Int? = nil,
                                 _ operation: () async throws -> Void) async -> Duration? {
        timeline?.sent(at: .now)
        do {
            try await operation()
            let now = ContinuousClock.now
            let latency = now - since
            self.latency.record(latency)
            timeline?.completed(at: now, latency: latency)
            series?.add(at: now)
            completed += 1
            if let operationClass {
                classes[operationClass, default: ClassCounts()].latency.record(latency)
                classes[operationClass, default: ClassCounts()].completed += 1
            }
            progress?.complete()
            return latency
        } catch {
            failed(error)
            if let operationClass { classes[operationClass, default: ClassCounts()].errors += 1 }
            progress?.fail()
            if classifier.isFatal(error) { fatal.set(error) }
            return nil
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

    /// A failure with `code` and the server's `reason` (the first one's full message kept too).
    public mutating func add(code: String, reason: String, error: any Error, at time: ContinuousClock.Instant = .now) {
        add(ErrorReason(code: code, reason: Self.short(reason), count: 1), first: (time, "\(error)"))
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

    public mutating func merge(_ other: FailureReasons) {
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

    /// The first failure's full message.
    public var firstMessage: String? { first?.message }

    /// A reason on one line, cut at `ErrorReason.maxLength`.
    static func short(_ text: String) -> String {
        let oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return oneLine.count > ErrorReason.maxLength ? String(oneLine.prefix(ErrorReason.maxLength)) + "…" : oneLine
    }
}

/// Live counters a progress display can read while a load runs.
public final class LoadProgress: Sendable {
    private let done = Atomic<Int>(0)
    private let failed = Atomic<Int>(0)
    public init() {}
    public var completed: Int { done.load(ordering: .relaxed) }
    public var errors: Int { failed.load(ordering: .relaxed) }
    func complete() { done.add(1, ordering: .relaxed) }
    func fail() { failed.add(1, ordering: .relaxed) }
}

/// The first fatal error of a load, shared by its workers.
public final class FatalBox: Sendable {
    private let box = Mutex<(any Error)?>(nil)
    public init() {}
    public var isSet: Bool { box.withLock { $0 != nil } }
    public var error: (any Error)? { box.withLock { $0 } }
    public func set(_ error: any Error) {
        box.withLock { if $0 == nil { $0 = error } }
    }
}

/// Hands out 0, 1, 2, … to concurrent workers.
public final class SharedCounter: Sendable {
    private let value = Atomic<Int>(0)
    public init() {}
    public func next() -> Int { value.add(1, ordering: .relaxed).newValue - 1 }
}
