import Foundation
import LoadEngine
import MilvusClient
import ScenarioRecord
import ScenarioSpec
import Synchronization

/// Writes an insert step's generated rows with `Insert` or `Upsert` requests, in batches, on
/// the load engine — as fast as the server takes them (one worker), or on a `rate` schedule (an
/// open loop of batches, one in flight, so the rows go in order and a batch the server keeps
/// waiting is counted late) — with the flushes it asks for and, with `freshness`, how soon the
/// rows became visible; shared by `insert` and `upsert`.
func writeRows<Spec: StepSpec>(_ kind: RowWrite, _ spec: InsertStep, _ step: Step, _ context: RunContext,
                               _ record: inout StepRecorder<Spec>) async throws where Spec.Metrics: RowWriteMetrics {
    let name = step.collection!
    let client = context.client
    let clock = ContinuousClock()
    let start = clock.now
    let facts = try await context.facts(name)
    let schema = facts.schema
    var generators = spec.valueGenerators(for: schema)
    // A data set file that does not fit the collection fails here, before any row goes in.
    for i in generators.indices { try generators[i].prepare(rows: spec.rows) }
    // Without `rows`: all of the data set file's rows, or (streaming in `parallel`) until it ends.
    let total = spec.untilEnd ? Int.max : spec.rows > 0 ? spec.rows : generators.compactMap(\.fileRows).min() ?? 0
    // The same bound the answer checks allow a read at the collection's level.
    let bound = Staleness.bound(facts.consistency, gracefulTime: context.scenario.target.gracefulTime.swiftDuration)
    let probe = try spec.freshness.map { try FreshnessProbe(client: client, collection: name, schema: schema, every: $0.swiftDuration,
                                                            timeout: spec.freshnessTimeout.swiftDuration, bound: bound,
                                                            consistency: ConsistencyLevel.allCases.first { $0.rawValue.lowercased() == facts.consistency.lowercased() }) }
    // What the rows are, batch by batch, for the collection's shadow (queries and recall check against it).
    let shadow = ShadowWriter(context, name, generators: generators, schema: schema, write: kind == .insert ? "insert" : "upsert")
    let state = Mutex(RowWriteState(generators: generators))
    let verb = kind == .insert ? "inserted" : "upserted"
    let of = total == .max ? "" : " of \(total.formatted())"
    let batches = total == .max ? Int.max : (total + spec.batch - 1) / spec.batch
    // Batches in order: one worker, or at `rate` one batch in flight.
    let shape: LoadShape = spec.rate.map { .constantRate(perSecond: $0.perSecond / Double(spec.batch), maxInFlight: 1) } ?? .closed(workers: 1)
    let driver = LoadDriver(shape: shape, classifier: .milvus, shouldStop: { context.isStopping || state.withLock { $0.failure != nil } }) { index in
        let count = min(spec.batch, total - index * spec.batch)
        // Made and announced to the shadow under one lock, so its row numbers are the generators'.
        let (columns, ticket) = try state.withLock { s in
            let columns = try s.generators.indices.map { try s.generators[$0].nextColumn(count) }
            return (columns, shadow?.sending(columns))
        }
        let t0 = clock.now
        let result: InsertResult
        do {
            result = try await client.write(kind, name, columns: columns)
            if let ticket { shadow?.finished(ticket, .success(result)) }
        } catch {
            if let ticket { shadow?.finished(ticket, .failure(error)) }
            // A write that failed ends the step: the rows after it would not be the ones asked for.
            state.withLock { if $0.failure == nil { $0.failure = error } }
            throw error
        }
        let acknowledged = clock.now
        let written = state.withLock { s -> Int in
            s.writeTime += acknowledged - t0
            s.written += result.insertedCount
            s.requests.add(rows: result.insertedCount, time: acknowledged - t0)
            return s.written
        }
        probe?.acknowledged(ids: result.ids, at: acknowledged)
        if let every = spec.segmentRows, written % every == 0, written < total {
            // Seals the growing segments; the final flush below waits for all of them.
            _ = try await client.flush(name)
            state.withLock { $0.flushes += 1 }
        }
        let report: (Int, Duration)? = state.withLock { s in
            guard clock.now - s.lastReport > .milliseconds(250) || s.written == total else { return nil }
            s.lastReport = clock.now
            return (s.written, s.writeTime)
        }
        if let (written, writeTime) = report {
            let rate = writeTime > .zero ? Double(written) / (writeTime.milliseconds / 1000) : 0
            context.progress.stepProgress(step, "\(written.formatted())\(of) rows \(verb), \(Int(rate).formatted()) rows/s")
        }
    }
    let result = await driver.run(LoadPlan(shape: shape, length: .operations(batches)), progress: LoadProgress()).result
    // Second by second, in batches (an insert's operations are its requests).
    record.timeline = result.timeline?.record()
    if let failure = state.withLock({ $0.failure }) { throw failure }
    if let fatal = result.fatal { throw fatal }
    let s = state.withLock { $0 }
    record[\.rows] = s.written
    record[\.writeTime] = s.writeTime
    // Paced by `rate`: rows per second of the whole phase (what the schedule achieved);
    // otherwise per second spent in requests.
    let phase = spec.rate != nil ? result.wall : s.writeTime
    record[\.rowsPerSecond] = phase > .zero ? Double(s.written) / (phase.milliseconds / 1000) : 0
    if spec.rate != nil {
        record[\.pacing.late] = result.late
        record[\.pacing.dropped] = result.dropped
        record[\.pacing.lateMax] = result.maxLateness
    }
    // Per request, the samples of rows per second of request time (a paced insert's rate is the
    // schedule's, not the requests').
    if spec.rate == nil, let samples = s.requests.samples(metric: "rowsPerSecond") { record.rates = [samples] }
    var flushes = s.flushes
    if let probe {
        context.progress.stepProgress(step, "waiting for the last freshness probe")
        let f = await probe.finish()
        record[\.freshness.samples] = f.samples
        record[\.freshness.timeouts] = f.timeouts
        if bound != nil { record[\.freshness.overBound] = f.overBound }
        if let l = LatencySummary(f.latency) {
            record[\.freshness.p50] = l.p50
            record[\.freshness.p99] = l.p99
            record[\.freshness.max] = l.max
        }
    }
    if spec.flush, !context.isStopping {
        context.progress.stepProgress(step, "flushing and waiting until sealed and indexed")
        let timings = try await client.flushAndWait(name)
        flushes += 1
        record[\.flushing.flushTime] = timings.flush
        record[\.flushing.sealTime] = timings.seal + timings.index
    }
    record[\.flushing.flushes] = flushes
    record[\.totalTime] = clock.now - start
}

/// What a write load's batches share, one at a time.
struct RowWriteState {
    var generators: [FieldValueGenerator]
    var written = 0
    var flushes = 0
    var writeTime = Duration.zero
    var requests = RequestSamples()
    var lastReport = ContinuousClock.now
    /// The write that failed and ended the step.
    var failure: (any Error)?
}

/// Rows and time of each write request, for the significance of `rowsPerSecond` in `compare`;
/// neighbouring requests are added together whenever there would be more than 2,000.
struct RequestSamples {
    static let limit = 2000
    private var rows: [Double] = []
    private var milliseconds: [Double] = []
    /// Requests per sample.
    private var width = 1
    private var pending = (rows: 0.0, ms: 0.0, requests: 0)

    mutating func add(rows count: Int, time: Duration) {
        pending.rows += Double(count)
        pending.ms += time.milliseconds
        pending.requests += 1
        guard pending.requests == width else { return }
        rows.append(pending.rows)
        milliseconds.append(pending.ms)
        pending = (0, 0, 0)
        if rows.count > Self.limit {
            // An odd last sample waits, half filled, for the next requests.
            if rows.count % 2 == 1 { pending = (rows.removeLast(), milliseconds.removeLast(), width) }
            width *= 2
            rows = stride(from: 0, to: rows.count, by: 2).map { rows[$0] + rows[$0 + 1] }
            milliseconds = stride(from: 0, to: milliseconds.count, by: 2).map { milliseconds[$0] + milliseconds[$0 + 1] }
        }
    }

    /// Every request's rows and time (the last, partly filled sample included); nil when none.
    func samples(metric: String) -> RateSamples? {
        var rows = self.rows, ms = milliseconds
        if pending.requests > 0 { rows.append(pending.rows); ms.append(pending.ms) }
        return rows.isEmpty ? nil : RateSamples(metric: metric, counts: rows, durationsMs: ms)
    }
}

/// How soon written rows become visible: after a batch is acknowledged (at most once per
/// `every`, one probe at a time), its last row is queried by primary key at the collection's
/// consistency level until it is found — the time from the acknowledgement is its freshness.
/// One definition with the answer checks (`Staleness`): a query sent `bound` or more after the
/// acknowledgement must see the row; a probe with such a query that did not is `overBound`.
final class FreshnessProbe: Sendable {
    struct Result: Sendable {
        var latency = LatencyHistogram.latency()
        var samples = 0
        var timeouts = 0
        var overBound = 0
    }

    private let client: MilvusClient
    private let collection: String
    private let key: String
    private let every: Duration
    private let timeout: Duration
    private let state = Mutex<(result: Result, lastStart: ContinuousClock.Instant?, running: Task<Void, Never>?)>((Result(), nil, nil))

    /// How stale a read at the collection's level may be (nil: any, Eventually).
    private let bound: Duration?

    /// The level it reads at: the collection's, sent explicitly (a `Session` read then carries
    /// the newest write's timestamp; one that leaves the level to the collection would not).
    private let consistency: ConsistencyLevel?

    init(client: MilvusClient, collection: String, schema: CollectionSchema, every: Duration, timeout: Duration, bound: Duration? = nil,
         consistency: ConsistencyLevel? = nil) throws {
        guard let key = schema.primaryKey, key.type == .int64 else {
            throw MilvusError(rpc: "Query", kind: .invalidArgument,
                              reason: "freshness queries rows by an int64 primary key; '\(collection)' has \(schema.primaryKey.map { "'\($0.name)' (\($0.type))" } ?? "none")")
        }
        self.client = client
        self.collection = collection
        self.key = key.name
        self.every = every
        self.timeout = timeout
        self.bound = bound
        self.consistency = consistency
    }

    /// A batch with these primary keys was acknowledged at `time`: probe its last row when due.
    func acknowledged(ids: [Int64], at time: ContinuousClock.Instant) {
        guard let id = ids.last else { return }
        state.withLock { s in
            guard s.running == nil, s.lastStart.map({ time - $0 >= every }) ?? true else { return }
            s.lastStart = time
            s.running = Task { await self.probe(id, acknowledged: time) }
        }
    }

    private func probe(_ id: Int64, acknowledged: ContinuousClock.Instant) async {
        let clock = ContinuousClock()
        let request = QueryRequest(collection: collection, filter: "\(key) == \(id)", outputFields: [key], consistency: consistency, timeout: timeout)
        var found: Duration?
        var overBound = false
        while clock.now - acknowledged < timeout {
            let sent = clock.now
            if let r = try? await client.query(request) {
                if r.rows > 0 {
                    found = clock.now - acknowledged
                    break
                }
                if let bound, sent - acknowledged >= bound { overBound = true }
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        state.withLock { s in
            s.result.samples += 1
            if overBound { s.result.overBound += 1 }
            if let found { s.result.latency.record(found) } else { s.result.timeouts += 1 }
            s.running = nil
        }
    }

    /// Waits for the probe in flight (at most `timeout`) and returns what was measured.
    func finish() async -> Result {
        if let running = state.withLock({ $0.running }) { await running.value }
        return state.withLock { $0.result }
    }
}
