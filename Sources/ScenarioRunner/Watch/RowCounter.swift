import Foundation
import Alerting
import ClusterObservation
import MilvusClient
import ScenarioRecord

/// Decides, try by try, what a series of row counts after a fault adds up to. Pure logic, so
/// every path is tested without a server; `RowCounter` feeds it real counts.
///
/// A count at least `expected` ends it (verified, or recovered when lower counts came first).
/// A lower count is believed only when the same value came back `stableTries` times in a row
/// over at least `stableForMs`, and the collection statistics do not say every row is stored;
/// until then the count is repeated, at most until the deadline. What is not believed is
/// unverified — never "lost".
struct RowCountJudge {
    var expected: Int?
    /// Equal counts in a row that make a low count stable…
    var stableTries: Int
    /// …and how long, from the first of them to the last, they must span. In one CI run a
    /// standalone server restarted after SIGKILL counted 20,000 of 22,000 rows (the 2,000 not
    /// yet flushed) four times over 9 s; the statistics, which count flushed rows only, could
    /// not say otherwise, and whether the rows would have come back is unknown. So four counts
    /// are not enough on their own: the count must stay low for 30 s (or half of `recount`).
    var stableForMs: Double
    private(set) var tries: [RowCountRecord.Try] = []
    private var source = "count(*)"

    init(expected: Int?, recount: Duration) {
        self.expected = expected
        stableTries = recount == .zero ? 1 : 4
        stableForMs = recount == .zero ? 0 : min(30_000, recount.milliseconds / 2)
    }

    /// Adds a try; returns the record when the counting is over, nil to count again.
    /// `last` is true when the deadline leaves no room for another try.
    mutating func add(_ attempt: RowCountRecord.Try, source: String, last: Bool) -> RowCountRecord? {
        tries.append(attempt)
        self.source = source
        if let count = attempt.count {
            guard let expected else { return finish(.verified, rows: count) }
            if count >= expected {
                let firstLow = tries.first { $0.count.map { $0 < expected } ?? true }
                guard let firstLow else { return finish(.verified, rows: count) }
                return finish(.recovered, rows: count, lowFor: attempt.atMs - firstLow.atMs)
            }
            // A low count holding still is a loss only when the stored rows agree: on 2.3.5 the
            // proxy kept picking the replica that answered 0 (the fastest to answer, having no
            // segments) for 9 s and more while the statistics said every row was stored.
            if holdsStill(count, forMs: stableForMs), !storedInFull(attempt) {
                return finish(.stable, rows: count)
            }
        }
        guard last else { return nil }
        if let latest = tries.last, let count = latest.count, holdsStill(count, forMs: 0), storedInFull(latest) {
            return finish(.contradicted, rows: nil)
        }
        return finish(tries.contains { $0.count != nil } ? .unstable : .unavailable, rows: nil)
    }

    /// The last `stableTries` counts, at least, all answered `count`, over at least `forMs`.
    private func holdsStill(_ count: Int, forMs: Double) -> Bool {
        let run = tries.reversed().prefix { $0.count == count }
        guard run.count >= stableTries, let first = run.last, let last = run.first else { return false }
        return last.atMs - first.atMs >= forMs
    }

    /// The collection statistics say at least the rows before are stored.
    private func storedInFull(_ attempt: RowCountRecord.Try) -> Bool {
        guard let expected, let stored = attempt.statistics else { return false }
        return stored >= expected
    }

    private func finish(_ outcome: RowCountRecord.Outcome, rows: Int?, lowFor: Double? = nil) -> RowCountRecord {
        RowCountRecord(outcome: outcome, expected: expected, rows: rows, source: source, tries: tries, lowForMs: lowFor,
                       stableTries: stableTries)
    }
}

/// Counts a collection's rows after a fault on a fresh connection: `count(*)` at strong
/// consistency (the collection statistics where the server lacks it) with the statistics
/// beside it, repeated every `interval` while the judge is not convinced, until `recount`.
enum RowCounter {
    static let interval = Duration.seconds(3)

    static func count(_ collection: String, expected: Int?, recount: Duration, connection: ConnectionOptions,
                      progress: (@Sendable (RowCountRecord.Try) -> Void)? = nil) async -> RowCountRecord {
        var options = connection
        options.timeout = .seconds(10)
        // A count is the measurement: no call may quietly repeat itself.
        options.transientRetryWindow = .zero
        options.maxAttempts = 1
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + recount
        var judge = RowCountJudge(expected: expected, recount: recount)
        var client: MilvusClient?
        while true {
            let tryStart = clock.now
            var attempt = RowCountRecord.Try(atMs: (tryStart - start).milliseconds, count: nil, statistics: nil, error: nil)
            var source = "count(*)"
            do {
                let c: MilvusClient
                if let client { c = client } else {
                    c = try await MilvusClient.connect(options)
                    client = c
                }
                attempt.statistics = try? await c.statisticsRowCount(collection)
                do {
                    attempt.count = try await c.countAll(collection)
                } catch let error as MilvusError where error.isNotSupported {
                    source = "statistics"
                    attempt.count = attempt.statistics
                    if attempt.count == nil { throw error }
                }
            } catch {
                attempt.error = HealthProbe.short(error)
                if let c = client { await c.close() }
                client = nil
            }
            progress?(attempt)
            let last = clock.now + interval > deadline
            if let record = judge.add(attempt, source: source, last: last) {
                await client?.close()
                return record
            }
            try? await clock.sleep(until: tryStart + interval)
        }
    }
}
