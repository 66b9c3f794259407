import Foundation
import Primitives
import Synchronization

/// Where a load's workers run: an executor that can also sleep on its own timer (a client's
/// event loop, `MilvusClient.loadExecutors`), so that a schedule waiting for a due time and the
/// operation it then starts wake no other thread.
public protocol LoadExecutor: TaskExecutor, Sendable {
    func sleep(until instant: ContinuousClock.Instant) async
}

/// The engine's one open-loop scheduler. Every load driven by a rate uses it: a step's `rate`
/// or `stages` (searches, queries, hybrid searches, inserts), capacity's rates, the watch's
/// background searches and writes.
///
/// Operation *i* is due at `start + schedule.due(i)` (i / rate at a constant rate), whatever happened to the operations before it —
/// a slow server does not slow the schedule down (no coordinated omission). At most
/// `maxInFlight` operations run at once; a due operation that finds every slot busy waits for
/// one and starts late. Callers measure latency from `Ticket.due`, not from the moment the
/// operation really started, so the wait shows in their percentiles. Three counts make the
/// accounting complete: `late` (started more than `lateness` after its due time), `dropped`
/// (due before the end, still waiting for a slot when the phase was over: never started) and
/// `abandoned` (not started because the caller asked to stop).
public struct OpenLoop: Sendable {
    /// One scheduled operation.
    public struct Ticket: Sendable {
        /// Numbers the operations of one run from 0.
        public var index: Int
        /// When it was due to start: `start + schedule.due(index)`.
        public var due: ContinuousClock.Instant
        /// When a worker took it up.
        public var started: ContinuousClock.Instant

        /// How long it waited for a free slot (or for a late wake-up) after its due time.
        public var lateBy: Duration { started - due }
    }

    /// Every scheduled operation is exactly one of started, dropped or abandoned.
    public struct Totals: Sendable, Equatable {
        public var scheduled = 0
        public var started = 0
        public var late = 0
        public var dropped = 0
        public var abandoned = 0
        /// Operations handed out more than `clientLateness` after their due time although a
        /// worker was idle, waiting for one: the schedule itself fell behind, so the client (its
        /// CPU) could not keep the rate — not the server.
        public var clientLate = 0

        public init(scheduled: Int = 0, started: Int = 0, late: Int = 0, dropped: Int = 0, abandoned: Int = 0, clientLate: Int = 0) {
            self.scheduled = scheduled
            self.started = started
            self.late = late
            self.dropped = dropped
            self.abandoned = abandoned
            self.clientLate = clientLate
        }

        /// Both runs' totals (a load that changed its rate part of the way).
        public static func + (a: Totals, b: Totals) -> Totals {
            Totals(scheduled: a.scheduled + b.scheduled, started: a.started + b.started, late: a.late + b.late,
                   dropped: a.dropped + b.dropped, abandoned: a.abandoned + b.abandoned, clientLate: a.clientLate + b.clientLate)
        }
    }

    /// When each operation is due.
    public var schedule: RateSchedule
    /// Most operations in flight at once.
    public var maxInFlight: Int
    /// Started later than this after its due time: counted as late.
    public static let lateness = Duration.milliseconds(1)
    /// The schedule handing an operation out this late to an idle worker is the client falling
    /// behind, not timer jitter (which stays within a few milliseconds here even under load).
    public static let clientLateness = Duration.milliseconds(10)

    /// Where the workers run: worker *i* prefers `executors[i % count]`; empty: anywhere. With
    /// executors the schedule itself runs on the first one and sleeps on its timer.
    public var executors: [any LoadExecutor]

    public init(schedule: RateSchedule, maxInFlight: Int, executors: [any LoadExecutor] = []) {
        self.schedule = schedule
        self.maxInFlight = max(1, maxInFlight)
        self.executors = executors
    }

    /// A constant rate of `rate` operations a second.
    public init(rate: Double, maxInFlight: Int, executors: [any LoadExecutor] = []) {
        self.init(schedule: .constant(perSecond: rate), maxInFlight: maxInFlight, executors: executors)
    }

    /// Runs the schedule from `start` until `end` (operations due at or after it are not
    /// scheduled) or until `count` operations, whichever comes first, and until `shouldStop`.
    /// An operation that has not started by `dropAfter` is dropped: a measured phase that ends
    /// at `end` passes `end`; a load whose operations carry their own deadlines passes nil and
    /// lets `perform` judge a late one. Each of the `maxInFlight` workers keeps its own `Tally`
    /// (made by `tally`); `perform` runs one operation, `drop` is told about one that was due but
    /// never started. Returns when every started operation has finished.
    public func run<Tally: Sendable>(
        start: ContinuousClock.Instant, end: ContinuousClock.Instant?, dropAfter: ContinuousClock.Instant?, count: Int? = nil,
        shouldStop: @escaping @Sendable () -> Bool = { false },
        tally: @escaping @Sendable () -> Tally,
        perform: @escaping @Sendable (Ticket, inout Tally) async -> Void,
        drop: @escaping @Sendable (Ticket, inout Tally) -> Void = { _, _ in }
    ) async -> (tallies: [Tally], totals: Totals) {
        precondition(end != nil || count != nil || schedule.duration != nil, "an open loop needs an end, a count or a schedule that ends")
        let clock = ContinuousClock()
        let queue = TicketQueue(lanes: executors.count)
        let counts = TotalsCounter()
        let schedule = self.schedule
        let total = count ?? .max
        let timer = executors.first
        var tallies: [Tally] = []
        await withTaskExecutorPreference(timer) {
            await withTaskGroup(of: Tally.self) { group in
                for worker in 0..<maxInFlight {
                    let lane = executors.isEmpty ? 0 : worker % executors.count
                    group.addTask(executorPreference: executors.isEmpty ? nil : executors[lane]) {
                        var mine = tally()
                        while let due = await queue.take(lane: lane) {
                            let ticket = Ticket(index: due.index, due: due.due, started: clock.now)
                            if shouldStop() {
                                counts.update { $0.abandoned += 1 }
                            } else if let dropAfter, ticket.started >= dropAfter {
                                counts.update { $0.dropped += 1 }
                                drop(ticket, &mine)
                            } else {
                                counts.update {
                                    $0.started += 1
                                    if ticket.lateBy > Self.lateness { $0.late += 1 }
                                }
                                await perform(ticket, &mine)
                            }
                        }
                        return mine
                    }
                }
                // The schedule itself: computed, never shifted by how long operations take.
                var index = 0
                while index < total, !shouldStop() {
                    guard let offset = schedule.due(index) else { break }
                    let due = start + offset
                    if let end, due >= end { break }
                    if due > clock.now {
                        if let timer {
                            await timer.sleep(until: due)
                        } else {
                            try? await clock.sleep(until: due)
                        }
                    } else {
                        // Behind schedule: let the workers run rather than flood the queue in one go.
                        await Task.yield()
                    }
                    let tookIdleWorker = queue.put(DueOperation(index: index, due: due))
                    if tookIdleWorker, clock.now - due > Self.clientLateness { counts.update { $0.clientLate += 1 } }
                    index += 1
                }
                counts.update { $0.scheduled = index }
                queue.finish()
                for await t in group { tallies.append(t) }
            }
        }
        return (tallies, counts.update { $0 })
    }

    /// The default in-flight cap for a load whose operations may each take up to `timeout`:
    /// while a server hangs, `rate × timeout` operations are outstanding at once, so a cap below
    /// that would hold due operations back and send them late — after the outage — where they
    /// would succeed and hide it. A quarter more, plus a few, for the client's own overhead.
    public static func defaultMaxInFlight(rate: Double, timeout: Duration) -> Int {
        let outstanding = rate * timeout.milliseconds / 1000
        return min(4096, Int((outstanding * 1.25).rounded(.up)) + 4)
    }
}

/// The totals of one run, counted by its workers.
private final class TotalsCounter: Sendable {
    private let totals = Mutex(OpenLoop.Totals())
    @discardableResult
    func update<R>(_ body: (inout OpenLoop.Totals) -> R) -> R { totals.withLock { body(&$0) } }
}

/// An operation waiting for a free worker.
struct DueOperation: Sendable {
    var index: Int
    var due: ContinuousClock.Instant
}

/// Scheduled operations waiting for a free worker (many consumers, one producer).
///
/// Workers wait in lanes (the thread they run on, `OpenLoop.executors`); an operation goes to an
/// idle worker of the lowest lane first. The schedule runs on lane 0, so at rates one thread
/// keeps up with, handing an operation out wakes no other thread; busier loads spill over.
final class TicketQueue: Sendable {
    private struct State {
        var items: [DueOperation] = []
        var head = 0
        var waiting: [[CheckedContinuation<DueOperation?, Never>]]
        var finished = false
    }

    private let state: Mutex<State>

    init(lanes: Int = 1) {
        state = Mutex(State(waiting: Array(repeating: [], count: max(1, lanes))))
    }

    /// Queues an operation; true when an idle worker took it at once.
    @discardableResult
    func put(_ item: DueOperation) -> Bool {
        let waiter: CheckedContinuation<DueOperation?, Never>? = state.withLock { s in
            for lane in s.waiting.indices where !s.waiting[lane].isEmpty {
                // The most recently idle worker of the lane: its stack and caches are warm.
                return s.waiting[lane].removeLast()
            }
            s.items.append(item)
            return nil
        }
        waiter?.resume(returning: item)
        return waiter != nil
    }

    /// The next operation, or nil when the schedule is over and nothing is left.
    func take(lane: Int = 0) async -> DueOperation? {
        await withCheckedContinuation { (continuation: CheckedContinuation<DueOperation?, Never>) in
            let immediate: DueOperation?? = state.withLock { s in
                if s.head < s.items.count {
                    let t = s.items[s.head]
                    s.head += 1
                    if s.head > 1024, s.head * 2 > s.items.count {
                        s.items.removeFirst(s.head)
                        s.head = 0
                    }
                    return .some(t)
                }
                if s.finished { return .some(nil) }
                s.waiting[lane % s.waiting.count].append(continuation)
                return .none
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    /// Workers waiting for an operation (for tests).
    var waitingCount: Int { state.withLock { $0.waiting.reduce(0) { $0 + $1.count } } }

    func finish() {
        let waiters = state.withLock { s -> [CheckedContinuation<DueOperation?, Never>] in
            s.finished = true
            defer { s.waiting = s.waiting.map { _ in [] } }
            return s.waiting.flatMap { $0 }
        }
        for w in waiters { w.resume(returning: nil) }
    }
}
