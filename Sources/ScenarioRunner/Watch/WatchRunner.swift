import Foundation
import Alerting
import ClusterObservation
import MilvusClient
import ScenarioRecord
import ScenarioSpec
import Synchronization

/// `watch`: checks the deployment every `interval` for `duration`, evaluates alert rules,
/// notifies, runs recovery and scaling commands and scheduled faults, keeps a background search
/// load going, and measures how a fault was detected and recovered from.
///
/// Server trouble never fails this step — it is what the step watches. Notifications, faults and
/// recoveries run beside the checks (a slow SMTP server or a 40 s restart does not delay them);
/// the step ends when the duration is over and everything it started has finished.
struct WatchRunner: StepRunner {
    func run(_ spec: WatchStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<WatchStep>) async throws {
        var watch = await WatchSession(spec, step, context)
        await watch.countRowsBefore(&record)
        let loads = try await watch.startLoads(&record)
        let faults = watch.scheduleFaults()
        let sideTasks = await watch.checkUntilEnd(loads)
        await watch.finish(loads, faults: faults, sideTasks: sideTasks)
        // The searches answered after the last check.
        _ = await watch.checkAnswers(loads)
        await watch.recountRows(loads, &record)
        await watch.auditRows(&record)
        let details = await watch.details(loads, &record)
        record.details.watch = details
        Self.record(details, into: &record)
        record[\.totalTime] = watch.elapsed
        if watch.dryRun, !details.actions.isEmpty { record.notes.append(StepNote(.dryRunActions, ["count": String(details.actions.count)])) }
    }

    /// The runner after the watch, once what it opened had a moment to close: connections are
    /// torn down asynchronously, so it samples for up to 3 s until the open files and
    /// connections are back to where they were at `start` (what stays above is a leak).
    static func runnerAtEnd(comparedWith start: RunnerSample?, last: (sample: RunnerSample, at: ContinuousClock.Instant)?) async -> RunnerSample? {
        guard let start else { return nil }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(3)
        let previous = last.map { (sample: $0.sample, at: $0.at) }
        var sample = RunnerFootprint.sample(previous: previous)
        while let s = sample, s.openFiles > start.openFiles || s.connections > start.connections, clock.now < deadline {
            try? await clock.sleep(for: .milliseconds(200))
            sample = RunnerFootprint.sample(previous: previous)
        }
        return sample
    }

    /// The metrics base URLs the discovery command printed (lines starting with http:// or
    /// https://); nil when it failed or printed none, so the last list stays.
    static func discover(_ command: Command) async -> [String]? {
        let outcome = await CommandRunner.run(CommandRunner.argv(command), deadline: .seconds(10), keepLines: 500)
        guard outcome.exitCode == 0 else { return nil }
        let urls = (outcome.outputTail ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("http://") || $0.hasPrefix("https://") }
        return urls.isEmpty ? nil : urls
    }

    /// Batches of `batch` new rows for `collection`, made by its fields' default generators. An
    /// int64 primary key without autoId gets keys from 2^50 up plus the run's start time, so they
    /// do not meet the keys an `insert` step made (0, 1, 2 …); other primary keys must be autoId.
    static func rowMaker(_ collection: String, batch: Int, _ context: RunContext) async throws -> RowMaker {
        let schema = try await context.facts(collection).schema
        var generators: [FieldValueGenerator] = []
        for (i, field) in schema.fields.enumerated() where field.isWritten {
            var generator: InsertStep.Generator?
            if field.isPrimaryKey {
                guard field.type == .int64 else {
                    throw RowMakerError(reason: "the primary key '\(field.name)' is not autoId and not int64, so new unique keys cannot be made")
                }
                generator = .sequence(start: (1 << 50) + Int(Date().timeIntervalSince1970) % 1_000_000 * 1_000_000)
            }
            generators.append(FieldValueGenerator(field: field, generator: generator, seed: UInt64(1000 + i)))
        }
        // Its rows go into the collection's shadow, so answers and rows are checked through the watch.
        let shadow = ShadowWriter(context, collection, generators: generators, schema: schema, write: "watch writes")
        return RowMaker(generators, batch: batch, shadow: shadow)
    }

    /// The background load's requests, or nil (with a note) when the collection cannot be looked up.
    static func template(_ collection: String, _ settings: WatchStep.Background, _ context: RunContext,
                         _ record: inout StepRecorder<WatchStep>) async -> SearchTemplate? {
        do { return try await SearchTemplate(collection: collection, settings: settings.search, context: context) } catch {
            record.notes.append(StepNote(.noBackgroundLoad, ["collection": collection, "reason": HealthProbe.short(error)]))
            return nil
        }
    }

    // MARK: Commands

    static func execute(_ command: Command, kind: ActionRecord.Kind, name: String, at: Double, dryRun: Bool,
                        substitutions: [String: String] = [:]) async -> ActionRecord {
        var action = ActionRecord(kind: kind, name: name, command: CommandRunner.display(command, replacing: substitutions),
                                  startedAtMs: at, durationMs: nil, exitCode: nil, outputTail: nil, error: nil, dryRun: dryRun)
        guard !dryRun else { return action }
        let environment = substitutions.reduce(into: [String: String]()) { $0[$1.key.uppercased()] = $1.value }
        let outcome = await CommandRunner.run(CommandRunner.argv(command, replacing: substitutions), environment: environment)
        action.durationMs = outcome.duration.milliseconds
        action.exitCode = outcome.exitCode
        action.outputTail = outcome.outputTail
        action.error = outcome.error
        return action
    }

    static func describe(_ a: ActionRecord) -> String {
        if a.dryRun { return "\(a.kind.rawValue) \(a.name): dry run, not run: \(a.command)" }
        let took = a.durationMs.map { String(format: " in %.1f s", $0 / 1000) } ?? ""
        if let e = a.error { return "\(a.kind.rawValue) \(a.name) failed\(took): \(e)" }
        return "\(a.kind.rawValue) \(a.name) exited \(a.exitCode.map(String.init) ?? "?")\(took)"
    }

    // MARK: Signals and results

    static func signals(_ o: HealthObservation, _ s: HealthSample) -> [String: Double] {
        var v: [String: Double] = [
            "live": o.live ? 1 : 0,
            "healthy": o.details.checkHealth == true ? 1 : 0,
            "components.unhealthy": Double(o.unhealthyComponents),
        ]
        if let serving = o.serving { v["serving"] = serving ? 1 : 0 } else if o.connectError != nil { v["serving"] = 0 }
        if let l = o.latencyMs { v["latency"] = l }
        if let m = s.nodeMemoryPercent { v["node.memoryPercent"] = m }
        if let c = s.nodeCPUPercent { v["node.cpuPercent"] = c }
        if let m = s.nodeMemoryMB { v["node.memoryMB"] = m }
        return v
    }

    static func average(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    static func percent(_ v: Double?) -> String { v.map { String(format: "%.0f%%", $0) } ?? "unknown" }

    /// Recovery timings from the first fault, read off the checks (so to within one interval).
    /// The clock starts when the fault command finished — when the fault is in place: a kill
    /// command itself can take seconds (interpreter start-up, kubectl), which is not the
    /// deployment's time to notice anything.
    ///
    /// The success rates split the background searches at the moment the first fault command
    /// *started*: "before" holds only searches that finished before anything was done (a kill
    /// lands somewhere inside its command, e.g. after an interpreter starts, so a search sent a
    /// moment before the command ended may already have met the fault); everything after them
    /// that was sent before recovery (plus `settle`) is "during".
    static func recovery(_ d: WatchDetails, background: BackgroundSearches?, writes: BackgroundWrites? = nil, answers: BackgroundAnswers? = nil,
                         recall: BackgroundRecall? = nil, end: Duration, settle: Duration = .zero) -> RecoveryRecord? {
        let faults = d.actions.filter { $0.kind == .fault && !$0.dryRun }
        guard let fault = faults.map({ $0.startedAtMs + ($0.durationMs ?? 0) }).min(),
              let commandStart = faults.map(\.startedAtMs).min() else { return nil }
        let untouched = Duration.milliseconds(commandStart)
        let after = d.checks.filter { $0.atMs >= fault }
        var r = RecoveryRecord(faultAtMs: fault, servingLost: false)
        // Both loads are split the same way: "before" holds what finished before anything was done.
        func split(during duringEnd: Duration, after afterStart: Duration?) {
            func before<R>(_ o: BackgroundLoad<R>.Outcome) -> Bool { o.finishedAt < untouched }
            func during<R>(_ o: BackgroundLoad<R>.Outcome) -> Bool { !before(o) && o.sentAt < duringEnd }
            r.successBefore = background?.successRate(of: before)
            r.successDuring = background?.successRate(of: during)
            if let afterStart { r.successAfter = background?.successRate(sentIn: afterStart..<end) }
            if let writes {
                r.writeSuccessBefore = writes.successRate(of: before)
                r.writeSuccessDuring = writes.successRate(of: during)
                if let afterStart { r.writeSuccessAfter = writes.successRate(sentIn: afterStart..<end) }
                r.rowsWrittenDuring = writes.rows(of: during)
            }
            if let answers {
                r.wrongHitsBefore = answers.wrongHits(sentIn: .zero..<untouched)
                r.wrongHitsDuring = answers.wrongHits(sentIn: untouched..<duringEnd)
                if let afterStart { r.wrongHitsAfter = answers.wrongHits(sentIn: afterStart..<end) }
            }
            if let recall {
                r.recallBefore = recall.mean(sentIn: .zero..<untouched)
                r.recallDuring = recall.mean(sentIn: untouched..<duringEnd)
                if let afterStart { r.recallAfter = recall.mean(sentIn: afterStart..<end) }
            }
        }
        guard let detected = after.first(where: \.isTroubled) else {
            split(during: end, after: nil)
            return r
        }
        r.detectedAtMs = detected.atMs
        let later = after.filter { $0.atMs >= detected.atMs }
        r.servingLost = later.contains { $0.serving == false }
        let lostLiveness = later.contains { !$0.live }
        if lostLiveness, let firstDown = later.firstIndex(where: { !$0.live }) {
            r.liveAtMs = later[firstDown...].first(where: \.live)?.atMs
        }
        if r.servingLost, let firstDown = later.firstIndex(where: { $0.serving == false }) {
            r.servingAtMs = later[firstDown...].first(where: { $0.serving == true })?.atMs
        }
        r.recoveredAtMs = later.first(where: { !$0.isTroubled })?.atMs
        let f = Duration.milliseconds(fault)
        let recovered = r.recoveredAtMs.map { Duration.milliseconds($0) + settle } ?? end
        if settle > .zero { r.settleMs = settle.milliseconds }
        split(during: max(f, recovered), after: r.recoveredAtMs != nil && recovered < end ? recovered : nil)
        return r
    }

    static func record(_ d: WatchDetails, into record: inout StepRecorder<WatchStep>) {
        record[\.checks] = d.checks.count
        record[\.unhealthyChecks] = d.checks.filter { !($0.serving ?? ($0.latencyMs != nil)) }.count
        record[\.alertsFired] = d.alerts.count
        record[\.alertsResolved] = d.alerts.filter { $0.resolvedAtMs != nil }.count
        record[\.notificationsSent] = d.notifications.filter(\.delivered).count
        record[\.notificationsFailed] = d.notifications.filter { !$0.delivered }.count
        record[\.actionsRun] = d.actions.filter { !$0.dryRun }.count
        record[\.actionsFailed] = d.actions.filter { !$0.dryRun && !$0.succeeded }.count
        if let r = d.recovery {
            func since(_ t: Double?) -> Duration? { t.map { .milliseconds($0 - r.faultAtMs) } }
            record[\.timeToDetect] = since(r.detectedAtMs)
            record[\.timeToLive] = since(r.liveAtMs)
            if let t = since(r.servingAtMs) { record[\.timeToServing] = t }
            // Searches never stopped working (e.g. the other replica served): nothing to wait for.
            else if !r.servingLost, d.checks.contains(where: { $0.serving == true }) { record[\.timeToServing] = .zero }
            record[\.successRateBefore] = r.successBefore
            record[\.successRateDuring] = r.successDuring
            record[\.successRateAfter] = r.successAfter
        }
        record[\.rowsBefore] = d.rowsBefore
        record[\.rowsAfter] = d.rowsAfter
        let written = d.writes?.rows
        if let b = d.rowsBefore, let a = d.rowsAfter {
            record[\.rowsLost] = max(0, b + (written ?? 0) - a)
            if let written { record[\.rowsUnacknowledged] = max(0, a - b - written) }
        }
        if let written { record[\.rowsWritten] = written }
        if let r = d.recovery, d.writes != nil {
            record[\.writeSuccessBefore] = r.writeSuccessBefore
            record[\.writeSuccessDuring] = r.writeSuccessDuring
            record[\.writeSuccessAfter] = r.writeSuccessAfter
            if let n = r.rowsWrittenDuring { record[\.rowsWrittenDuring] = n }
        }
        if let c = d.rowCount { record[\.rowsUnverified] = !c.isVerified }
        if let points = d.recall, !points.isEmpty {
            if let r = d.recovery {
                record[\.recallBefore] = r.recallBefore
                record[\.recallDuring] = r.recallDuring
                record[\.recallAfter] = r.recallAfter
            } else {
                record[\.recallBefore] = points.map(\.recall).reduce(0, +) / Double(points.count)
            }
            record[\.recallLowest] = points.map(\.recall).min()
        }
        if let a = d.answers {
            record[\.hitsChecked] = a.hits
            record[\.wrongHits] = a.wrongHits
            record[\.wrongHitsBefore] = d.recovery?.wrongHitsBefore
            record[\.wrongHitsDuring] = d.recovery?.wrongHitsDuring
            record[\.wrongHitsAfter] = d.recovery?.wrongHitsAfter
        }
        if let a = d.audit {
            record[\.audit.rows] = a.rows
            record[\.audit.lost] = a.lost
            record[\.audit.back] = a.back
            record[\.audit.upsertsLost] = a.upsertsLost
            record[\.audit.wrongValues] = a.wrongValues
            record[\.audit.wrong] = a.wrong
            record[\.audit.indeterminateStored] = a.indeterminateStored
            record[\.audit.indeterminateNotStored] = a.indeterminateNotStored
        }
        let runner = d.checks.compactMap(\.runner)
        if let growth = RunnerFootprint.growth(runner.map(\.rssMB)) { record[\.runnerRSSGrowth] = growth }
        if let a = d.runnerStart, let b = d.runnerEnd {
            // Compared with the first check, not with before the watch: the first check opens, once,
            // what every later one reuses (the HTTP client's event loop and its descriptors).
            let warm = runner.first ?? a
            record[\.runnerOpenFilesLeaked] = max(0, b.openFiles - warm.openFiles)
            record[\.runnerConnectionsLeaked] = max(0, b.connections - warm.connections)
            if d.durationMs > 0 { record[\.runnerCPUPercent] = max(0, b.cpuMs - a.cpuMs) / max(d.durationMs, (d.checks.last?.atMs ?? 0)) * 100 }
        }
        if let scaling = d.scaling {
            record[\.scaleOuts] = scaling.filter(\.isScaleOut).count
            record[\.scaleIns] = scaling.filter { !$0.isScaleOut }.count
            if let first = scaling.first(where: { $0.isScaleOut && !$0.dryRun }) {
                func since(_ t: Double?) -> Duration? { t.map { .milliseconds($0 - first.atMs) } }
                record[\.newNodeLive] = since(first.nodesAtMs)
                record[\.newNodeSegments] = since(first.segmentsAtMs)
                record[\.newNodeServing] = since(first.servingAtMs)
            }
        }
    }
}

/// New rows for the write load, one batch at a time, from any task.
final class RowMaker: Sendable {
    private let generators: Mutex<[FieldValueGenerator]>
    let batch: Int
    let shadow: ShadowWriter?

    init(_ generators: [FieldValueGenerator], batch: Int, shadow: ShadowWriter? = nil) {
        self.generators = Mutex(generators)
        self.batch = batch
        self.shadow = shadow
    }

    /// The next batch, announced to the shadow as it is made (so its rows are numbered in the
    /// generators' order); default generators never fail (only data set files can).
    func next() -> WriteBatch {
        generators.withLock { g in
            let columns = g.indices.compactMap { try? g[$0].nextColumn(batch) }
            return WriteBatch(columns: columns, ticket: shadow?.sending(columns))
        }
    }
}

struct RowMakerError: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

/// The watch's record, appended to by the checks and by the tasks it starts.
final class WatchJournal: Sendable {
    private let state: Mutex<(details: WatchDetails, recovering: Set<String>)>

    init(_ details: WatchDetails) { state = Mutex((details, [])) }

    func update(_ body: (inout WatchDetails) -> Void) { state.withLock { body(&$0.details) } }
    func read<T>(_ body: (WatchDetails) -> T) -> T { state.withLock { body($0.details) } }

    /// False when this rule's recovery command is still running (it is not started twice).
    func startRecovery(_ rule: String) -> Bool { state.withLock { $0.recovering.insert(rule).inserted } }
    func finishRecovery(_ rule: String) { _ = state.withLock { $0.recovering.remove(rule) } }
}
