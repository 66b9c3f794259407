import Foundation
import Alerting
import ClusterObservation
import Histogram
import LoadEngine
import MilvusClient
import ScenarioRecord
import Synchronization

/// The search load of a watch's `background`.
typealias BackgroundSearches = BackgroundLoad<SearchRequest>
/// The insert load of a watch's `writes`: each request is one batch of rows.
typealias BackgroundWrites = BackgroundLoad<WriteBatch>

/// A batch of a watch's writes, and its place in the collection's shadow.
struct WriteBatch: Sendable {
    var columns: [Column]
    var ticket: ShadowWriter.Ticket?
}

/// A steady load during a watch — searches, or inserts — on its own connection, that keeps going
/// through a fault: every request is due on the shared open-loop schedule (`OpenLoop`), sent once
/// (no retries that would hide a failure), and its outcome kept with its due time — so success
/// rates before, during and after a fault can be told apart.
///
/// A request succeeds only when it is answered within `timeout` of its due time: one that waited
/// for a free slot gets the rest of its time as its deadline, and one whose time ran out before it
/// could be sent fails as `notSent` — a search held back while the server hung must not count as
/// a success just because it was sent after the server came back. Latency is measured from the
/// due time for the same reason.
///
/// The record's numbers (per-second counts, errors, the latency histogram, rows) are folded in as
/// each outcome arrives. The outcomes themselves are kept whole only when `retention` is nil —
/// a watch with faults or scaling splits them around its events at the end; otherwise only
/// those that finished within `retention` of the newest are kept (the checks' windows), so an
/// hour's soak at 50 requests/s does not hold 180,000 outcomes (~15 MiB) it never reads again.
final class BackgroundLoad<Request: Sendable>: Sendable {
    struct Outcome: Sendable {
        /// When it was due, from the start of the load.
        var sentAt: Duration
        var finishedAt: Duration
        /// From its due time to its answer.
        var latency: Duration
        /// nil when it succeeded.
        var error: String?
        /// A search that succeeded with no hits at all.
        var empty = false
        /// Rows an insert's answer acknowledged.
        var rows = 0
    }

    /// What a request's answer said.
    struct Reply: Sendable {
        /// A search with no hits.
        var empty = false
        /// Rows an insert acknowledged.
        var rows = 0
    }

    /// Sends one request that must be answered by `deadline`.
    typealias Send = @Sendable (Request, ContinuousClock.Instant) async throws -> Reply

    /// The error code of a request whose time ran out before a slot was free.
    static var notSent: String { "notSent" }

    let rate: Double
    let timeout: Duration
    let maxInFlight: Int
    /// How long an outcome is kept after the newest one finished; nil: all of them.
    let retention: Duration?
    private let kept = Mutex(Kept())
    private let totals = Mutex<OpenLoop.Totals?>(nil)

    /// The outcomes kept, and what the record needs of every outcome, folded in as they arrive.
    private struct Kept {
        var outcomes: [Outcome] = []
        /// Outcomes before this index were dropped (compacted away in batches).
        var head = 0
        /// Per second of send time: succeeded, failed.
        var seconds: [Int: (succeeded: Int, failed: Int)] = [:]
        var errors: [String: Int] = [:]
        var latency = LatencyHistogram.latency()
        var empty = 0
        var rows = 0
    }

    init(rate: Double, timeout: Duration, maxInFlight: Int? = nil, retention: Duration? = nil) {
        self.rate = rate
        self.timeout = timeout
        self.maxInFlight = maxInFlight ?? OpenLoop.defaultMaxInFlight(rate: rate, timeout: timeout)
        self.retention = retention
    }

    /// The outcomes kept (all of them when `retention` is nil), in the order they finished.
    var all: [Outcome] { kept.withLock { Array($0.outcomes[$0.head...]) } }

    /// Sends searches from `start` until `end` (or until `shouldStop`) with `send`, then waits
    /// for the searches in flight. `request` builds the request of the i-th search.
    /// Times in the outcomes are from `origin` (default `start`); `rate` defaults to the load's.
    func run(start: ContinuousClock.Instant, end: ContinuousClock.Instant, origin: ContinuousClock.Instant? = nil, rate: Double? = nil,
             shouldStop: @escaping @Sendable () -> Bool,
             request: @escaping @Sendable (Int) -> Request, send: @escaping Send) async {
        let clock = ContinuousClock()
        let timeout = self.timeout
        let origin = origin ?? start
        let (_, totals) = await OpenLoop(rate: rate ?? self.rate, maxInFlight: maxInFlight).run(
            start: start, end: end, dropAfter: nil, shouldStop: shouldStop, tally: { () }
        ) { ticket, _ in
            var outcome = Outcome(sentAt: ticket.due - origin, finishedAt: .zero, latency: .zero, error: nil)
            let deadline = ticket.due + timeout
            if ticket.started >= deadline {
                outcome.error = Self.notSent
            } else {
                do {
                    let reply = try await send(request(ticket.index), deadline)
                    outcome.empty = reply.empty
                    outcome.rows = reply.rows
                } catch { outcome.error = Self.code(of: error) }
            }
            let now = clock.now
            outcome.latency = now - ticket.due
            outcome.finishedAt = now - origin
            self.add(outcome)
        }
        self.totals.withLock { previous in previous = previous.map { $0 + totals } ?? totals }
    }

    static func code(of error: any Error) -> String {
        if error is BackgroundDeadlinePassed { return "notSent" }
        if let e = error as? BackgroundConnectError { return e.reason.map { "connect: " + $0 } ?? "not connected" }
        return FailureClassifier.milvus.code(error)
    }

    /// Searches that finished in `window` (by finish time): count, failures, P99 of the successes.
    func window(_ window: ClosedRange<Duration>) -> (count: Int, failed: Int, p99Ms: Double?) {
        let inWindow = all.filter { window.contains($0.finishedAt) }
        let ok = inWindow.filter { $0.error == nil }.map(\.latency).sorted()
        let p99 = ok.isEmpty ? nil : ok[min(ok.count - 1, Int((Double(ok.count) * 0.99).rounded(.up)) - 1)].milliseconds
        return (inWindow.count, inWindow.count - ok.count, p99)
    }

    /// Percent of the searches sent in `range` that succeeded; nil when none were sent.
    func successRate(sentIn range: Range<Duration>) -> Double? {
        successRate { range.contains($0.sentAt) }
    }

    /// Percent of the searches `included` picks that succeeded; nil when it picks none.
    /// Reads the kept outcomes: only a load without `retention` has them all.
    func successRate(of included: (Outcome) -> Bool) -> Double? {
        assert(retention == nil, "a split over every outcome needs a load that keeps them all")
        let picked = all.filter(included)
        guard !picked.isEmpty else { return nil }
        return Double(picked.filter { $0.error == nil }.count) / Double(picked.count) * 100
    }

    /// Takes one request's outcome (the load itself, and tests replaying a timeline): folds it
    /// into the record's numbers, keeps it, and drops those older than `retention`.
    func add(_ outcome: Outcome) {
        kept.withLock { k in
            let second = Int((outcome.sentAt.milliseconds / 1000).rounded(.down))
            var entry = k.seconds[second] ?? (0, 0)
            if let e = outcome.error {
                entry.failed += 1
                k.errors[e, default: 0] += 1
            } else {
                entry.succeeded += 1
                k.latency.record(outcome.latency)
                if outcome.empty { k.empty += 1 }
                k.rows += outcome.rows
            }
            k.seconds[second] = entry
            k.outcomes.append(outcome)
            guard let retention else { return }
            let oldest = outcome.finishedAt - retention
            while k.head < k.outcomes.count, k.outcomes[k.head].finishedAt < oldest { k.head += 1 }
            if k.head >= 1024, k.head * 2 >= k.outcomes.count {
                k.outcomes.removeFirst(k.head)
                k.head = 0
            }
        }
    }

    /// The record: per-second counts by send time, errors by code, latency of the successes.
    func record() -> BackgroundLoadRecord {
        let k = kept.withLock { k in (seconds: k.seconds, errors: k.errors, latency: k.latency.encoded, empty: k.empty, rows: k.rows) }
        let totals = self.totals.withLock { $0 }
        var record = BackgroundLoadRecord(rate: rate, seconds: k.seconds.keys.sorted().map { .init(second: $0, succeeded: k.seconds[$0]!.succeeded, failed: k.seconds[$0]!.failed) },
                                          errorsByCode: k.errors, latency: k.latency, emptyResults: k.empty,
                                          maxInFlight: maxInFlight, late: totals?.late, notSent: k.errors[Self.notSent] ?? 0)
        if Request.self == WriteBatch.self {
            record.emptyResults = nil
            record.rows = k.rows
        }
        return record
    }

    /// The load's own connection: one attempt per request (no transient retries that would hide a
    /// failure), the load's timeout, reconnecting at most once a second while the server is away;
    /// connected before the first request is due, so that request does not pay for it.
    func ownConnection(_ connection: ConnectionOptions) async -> LazyConnection {
        var options = connection
        options.maxAttempts = 1
        options.transientRetryWindow = .zero
        options.timeout = timeout
        options.maxReconnectDelay = .seconds(1)
        let link = LazyConnection(options)
        _ = await link.client()
        return link
    }

    /// The connection's client, or the reason there is none.
    static func client(_ link: LazyConnection) async throws -> MilvusClient {
        let (client, error) = await link.client()
        guard let client else { throw BackgroundConnectError(reason: error) }
        return client
    }

    /// Rows acknowledged by every insert, dropped outcomes included.
    var acknowledgedRows: Int { kept.withLock { $0.rows } }

    /// Rows acknowledged by the inserts `included` picks (of the kept outcomes: only a load
    /// without `retention` has them all).
    func rows(of included: (Outcome) -> Bool) -> Int {
        assert(retention == nil, "a split over every outcome needs a load that keeps them all")
        return all.filter { $0.error == nil && included($0) }.reduce(0) { $0 + $1.rows }
    }
}

extension BackgroundLoad where Request == SearchRequest {
    /// Sends searches on a connection of its own (one attempt per search, no transient retries,
    /// the search timeout as the call deadline), reconnecting at most once a second while the
    /// server is away.
    /// With `rest`, the load goes on from `rest.from` at `rest.rate` until `end` (the heavy part
    /// ends at `rest.from`).
    /// `answers` keeps a sample of the answers for checking.
    func run(connection: ConnectionOptions, start: ContinuousClock.Instant, end: ContinuousClock.Instant,
             rest: (rate: Double, from: ContinuousClock.Instant)? = nil, answers: BackgroundAnswers? = nil,
             shouldStop: @escaping @Sendable () -> Bool, request: @escaping @Sendable (Int) -> SearchRequest) async {
        let link = await ownConnection(connection)
        let send: Send = { r, deadline in
            let client = try await Self.client(link)
            var r = r
            let sent = ContinuousClock.now
            r.timeout = deadline - sent
            guard r.timeout! > .zero else { throw BackgroundDeadlinePassed() }
            let result = try await client.search(r)
            answers?.offer(r, result, sent: sent)
            return Reply(empty: result.count == 0)
        }
        await run(start: start, end: min(end, rest?.from ?? end), shouldStop: shouldStop, request: request, send: send)
        if let rest, rest.rate > 0, rest.from < end, !shouldStop() {
            await run(start: rest.from, end: end, origin: start, rate: rest.rate, shouldStop: shouldStop, request: request, send: send)
        }
        await link.close()
    }
}

extension BackgroundLoad where Request == WriteBatch {
    /// Inserts batches on a connection of its own, as the searches do: one attempt per insert,
    /// its time left as the call deadline, reconnecting at most once a second while the server
    /// is away. An insert that failed may still have been applied; only acknowledged rows count.
    /// Each batch's outcome goes to the collection's shadow (`shadow`): acknowledged, refused,
    /// or unknown (no answer: its rows may or may not be stored).
    func run(connection: ConnectionOptions, collection: String, start: ContinuousClock.Instant, end: ContinuousClock.Instant,
             shadow: ShadowWriter? = nil, shouldStop: @escaping @Sendable () -> Bool, request: @escaping @Sendable (Int) -> WriteBatch) async {
        let link = await ownConnection(connection)
        let send: Send = { batch, deadline in
            do {
                let client = try await Self.client(link)
                let left = deadline - .now
                guard left > .zero else { throw BackgroundDeadlinePassed() }
                let result = try await client.write(.insert, collection, columns: batch.columns, timeout: left)
                if let ticket = batch.ticket { shadow?.finished(ticket, .success(result)) }
                return Reply(rows: result.insertedCount)
            } catch {
                if let ticket = batch.ticket { shadow?.finished(ticket, .failure(error)) }
                throw error
            }
        }
        await run(start: start, end: end, shouldStop: shouldStop, request: request, send: send)
        await link.close()
    }
}

/// The search's time ran out (while connecting) before it could be sent.
struct BackgroundDeadlinePassed: Error {}

/// No connection to send a background search on (the reason of the last attempt, if any).
struct BackgroundConnectError: Error {
    var reason: String?
}

/// The background load's connection: made on first use and again at most once a second while
/// it cannot be made; searches that find no connection fail at once instead of waiting for one.
final class LazyConnection: Sendable {
    private struct State {
        var client: MilvusClient?
        var lastError: String?
        var lastAttempt: ContinuousClock.Instant?
        var connecting = false
    }

    private let options: ConnectionOptions
    private let state = Mutex(State())

    init(_ options: ConnectionOptions) { self.options = options }

    /// The connection, or nil with the reason of the last failed attempt.
    func client() async -> (MilvusClient?, String?) {
        let now = ContinuousClock.now
        let attempt: Bool = state.withLock { s in
            guard s.client == nil, !s.connecting, s.lastAttempt.map({ now - $0 >= .seconds(1) }) ?? true else { return false }
            s.connecting = true
            s.lastAttempt = now
            return true
        }
        if attempt {
            var made: MilvusClient?
            var failure: String?
            do { made = try await MilvusClient.connect(options) } catch { failure = HealthProbe.short(error) }
            state.withLock { s in
                s.connecting = false
                if let made { s.client = made } else { s.lastError = failure }
            }
        }
        return state.withLock { ($0.client, $0.lastError) }
    }

    func close() async {
        let client = state.withLock { $0.client }
        await client?.close()
    }
}
