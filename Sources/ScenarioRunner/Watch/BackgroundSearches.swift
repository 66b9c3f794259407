import Foundation
import Histogram
import MilvusClient
import ScenarioRecord
import Synchronization

/// A steady search load during a watch, on its own connection, that keeps going through a
/// fault: every search is sent on schedule (open loop), once (no retries that would hide a
/// failure), and its outcome kept with the time it was sent — so success rates before, during
/// and after a fault can be told apart.
final class BackgroundSearches: Sendable {
    struct Outcome: Sendable {
        var sentAt: Duration
        var finishedAt: Duration
        var latency: Duration
        /// nil when it succeeded.
        var error: String?
        /// It succeeded with no hits at all.
        var empty = false
    }

    let rate: Double
    let timeout: Duration
    private let outcomes = Mutex<[Outcome]>([])

    init(rate: Double, timeout: Duration) {
        self.rate = rate
        self.timeout = timeout
    }

    var all: [Outcome] { outcomes.withLock { $0 } }

    /// Sends searches from `start` until `end` (or until `shouldStop`), then waits for the
    /// searches in flight. `request` builds the request of the i-th search.
    func run(connection: ConnectionOptions, start: ContinuousClock.Instant, end: ContinuousClock.Instant,
             shouldStop: @escaping @Sendable () -> Bool, request: @escaping @Sendable (Int) -> SearchRequest) async {
        var options = connection
        options.maxAttempts = 1
        options.transientRetryWindow = .zero
        options.timeout = timeout
        options.maxReconnectDelay = .seconds(1)
        let clock = ContinuousClock()
        let interval = Duration.nanoseconds(Int64((1e9 / max(rate, 0.001)).rounded()))
        var client: MilvusClient?
        var lastConnectError: String?
        var lastConnectAttempt: ContinuousClock.Instant?
        await withTaskGroup(of: Void.self) { group in
            var index = 0
            while !shouldStop() {
                let due = start + interval * index
                if due >= end { break }
                if due > clock.now { try? await clock.sleep(until: due) }
                if client == nil, lastConnectAttempt.map({ clock.now - $0 >= .seconds(1) }) ?? true {
                    lastConnectAttempt = clock.now
                    do { client = try await MilvusClient.connect(options) } catch {
                        lastConnectError = "connect: " + HealthProbe.short(error)
                    }
                }
                let sentAt = due - start
                if let client {
                    let r = request(index)
                    group.addTask {
                        let sent = clock.now
                        var outcome = Outcome(sentAt: sentAt, finishedAt: .zero, latency: .zero, error: nil)
                        do { outcome.empty = try await client.search(r).count == 0 } catch { outcome.error = WorkerTally.code(of: error) }
                        outcome.latency = clock.now - sent
                        outcome.finishedAt = clock.now - start
                        self.add(outcome)
                    }
                } else {
                    let now = clock.now - start
                    self.add(Outcome(sentAt: sentAt, finishedAt: now, latency: .zero, error: lastConnectError ?? "not connected"))
                }
                index += 1
            }
        }
        await client?.close()
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
    func successRate(of included: (Outcome) -> Bool) -> Double? {
        let picked = all.filter(included)
        guard !picked.isEmpty else { return nil }
        return Double(picked.filter { $0.error == nil }.count) / Double(picked.count) * 100
    }

    /// Keeps one search's outcome (the load itself, and tests replaying a timeline).
    func add(_ outcome: Outcome) {
        outcomes.withLock { $0.append(outcome) }
    }

    /// The record: per-second counts by send time, errors by code, latency of the successes.
    func record() -> BackgroundLoadRecord {
        let all = self.all
        var seconds: [Int: (Int, Int)] = [:]
        var errors: [String: Int] = [:]
        var histogram = LatencyHistogram.latency()
        for o in all {
            let s = Int(o.sentAt.milliseconds / 1000)
            var entry = seconds[s] ?? (0, 0)
            if let e = o.error {
                entry.1 += 1
                errors[e, default: 0] += 1
            } else {
                entry.0 += 1
                histogram.record(o.latency)
            }
            seconds[s] = entry
        }
        return BackgroundLoadRecord(rate: rate, seconds: seconds.keys.sorted().map { .init(second: $0, succeeded: seconds[$0]!.0, failed: seconds[$0]!.1) },
                                    errorsByCode: errors, latency: histogram.encoded, emptyResults: all.filter(\.empty).count)
    }
}
