import Foundation
import MilvusClient
import ScenarioRecord
import ScenarioSpec
import Synchronization

/// Writes an insert step's generated rows with `Insert` or `Upsert` requests, in batches —
/// as fast as the server takes them, or on a `rate` schedule — with the flushes it asks for and,
/// with `freshness`, how soon the rows became visible; shared by `insert` and `upsert`.
func writeRows<Spec: StepSpec>(_ kind: RowWrite, _ spec: InsertStep, _ step: Step, _ context: RunContext,
                               _ record: inout StepRecorder<Spec>) async throws where Spec.Metrics: RowWriteMetrics {
    let name = step.collection!
    let client = context.client
    let clock = ContinuousClock()
    let start = clock.now
    let schema = try await context.facts(name).schema
    var generators = spec.valueGenerators(for: schema)
    // A data set file that does not fit the collection fails here, before any row goes in.
    for i in generators.indices { try generators[i].prepare(rows: spec.rows) }
    // Without `rows`: all of the data set file's rows, or (streaming in `parallel`) until it ends.
    let total = spec.untilEnd ? Int.max : spec.rows > 0 ? spec.rows : generators.compactMap(\.fileRows).min() ?? 0
    let probe = try spec.freshness.map { try FreshnessProbe(client: client, collection: name, schema: schema, every: $0.swiftDuration,
                                                            timeout: spec.freshnessTimeout.swiftDuration) }
    var written = 0
    defer {
        switch kind {
        // Whatever happens, the rows that went in are known (for recall's ground truth).
        case .insert: context.inserted(name, by: spec, schema: schema, rows: written)
        // Replaced rows cannot be told apart from the inserted ones they replaced.
        case .upsert: context.rewritten(name)
        }
    }
    var flushes = 0
    var writeTime = Duration.zero
    var requests = RequestSamples()
    var lastReport = clock.now
    var due = start
    let verb = kind == .insert ? "inserted" : "upserted"
    let of = total == .max ? "" : " of \(total.formatted())"
    while written < total, !context.isStopping {
        let count = min(spec.batch, total - written)
        if let rate = spec.rate {
            // A fixed schedule: batch n is due n × batch ÷ rate after the start; a late batch
            // goes at once (the achieved rate then shows below the target).
            if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            if context.isStopping { break }
            due += .seconds(Double(count) / rate.perSecond)
        }
        let columns = try generators.indices.map { try generators[$0].nextColumn(count) }
        let t0 = clock.now
        let result = try await client.write(kind, name, columns: columns)
        let acknowledged = clock.now
        writeTime += acknowledged - t0
        written += result.insertedCount
        requests.add(rows: result.insertedCount, time: acknowledged - t0)
        probe?.acknowledged(ids: result.ids, at: acknowledged)
        if let every = spec.segmentRows, written % every == 0, written < total {
            // Seals the growing segments; the final flush below waits for all of them.
            _ = try await client.flush(name)
            flushes += 1
        }
        if clock.now - lastReport > .milliseconds(250) || written == total {
            let rate = writeTime > .zero ? Double(written) / (writeTime.milliseconds / 1000) : 0
            context.progress.stepProgress(step, "\(written.formatted())\(of) rows \(verb), \(Int(rate).formatted()) rows/s")
            lastReport = clock.now
        }
    }
    record[\.rows] = written
    record[\.writeTime] = writeTime
    // Paced by `rate`: rows per second of the whole phase (what the schedule achieved);
    // otherwise per second spent in requests.
    let phase = spec.rate != nil ? clock.now - start : writeTime
    record[\.rowsPerSecond] = phase > .zero ? Double(written) / (phase.milliseconds / 1000) : 0
    // Per request, the samples of rows per second of request time (a paced insert's rate is the
    // schedule's, not the requests').
    if spec.rate == nil, let samples = requests.samples(metric: "rowsPerSecond") { record.rates = [samples] }
    if let probe {
        context.progress.stepProgress(step, "waiting for the last freshness probe")
        let f = await probe.finish()
        record[\.freshnessSamples] = f.samples
        record[\.freshnessTimeouts] = f.timeouts
        if let l = LatencySummary(f.latency) {
            record[\.freshnessP50] = l.p50
            record[\.freshnessP99] = l.p99
            record[\.freshnessMax] = l.max
        }
    }
    if spec.flush, !context.isStopping {
        context.progress.stepProgress(step, "flushing and waiting until sealed and indexed")
        let timings = try await client.flushAndWait(name)
        flushes += 1
        record[\.flushTime] = timings.flush
        record[\.sealTime] = timings.seal + timings.index
    }
    record[\.flushes] = flushes
    record[\.totalTime] = clock.now - start
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
final class FreshnessProbe: Sendable {
    struct Result: Sendable {
        var latency = LatencyHistogram.latency()
        var samples = 0
        var timeouts = 0
    }

    private let client: MilvusClient
    private let collection: String
    private let key: String
    private let every: Duration
    private let timeout: Duration
    private let state = Mutex<(result: Result, lastStart: ContinuousClock.Instant?, running: Task<Void, Never>?)>((Result(), nil, nil))

    init(client: MilvusClient, collection: String, schema: CollectionSchema, every: Duration, timeout: Duration) throws {
        guard let key = schema.primaryKey, key.type == .int64 else {
            throw MilvusError(rpc: "Query", kind: .invalidArgument,
                              reason: "freshness queries rows by an int64 primary key; '\(collection)' has \(schema.primaryKey.map { "'\($0.name)' (\($0.type))" } ?? "none")")
        }
        self.client = client
        self.collection = collection
        self.key = key.name
        self.every = every
        self.timeout = timeout
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
        let request = QueryRequest(collection: collection, filter: "\(key) == \(id)", outputFields: [key], timeout: timeout)
        var found: Duration?
        while clock.now - acknowledged < timeout {
            if let r = try? await client.query(request), r.rows > 0 {
                found = clock.now - acknowledged
                break
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        state.withLock { s in
            s.result.samples += 1
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
