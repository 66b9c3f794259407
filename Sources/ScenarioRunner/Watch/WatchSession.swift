import Foundation
import GroundTruth
import Alerting
import ClusterObservation
import MilvusClient
import ScenarioRecord
import ScenarioSpec

/// One `watch` step while it runs, in the order `WatchRunner` drives it: count the rows, start
/// the background loads, schedule the faults, check every interval until the end, wait for
/// everything started, count the rows again and assemble the details.
///
/// The checks and the things they decide (alerts, scaling) live in `WatchSession+Checks.swift`;
/// the record's metrics are derived from the details by `WatchRunner.record`.
struct WatchSession {
    let spec: WatchStep
    let step: Step
    let context: RunContext
    let clock = ContinuousClock()
    let start: ContinuousClock.Instant
    /// The wall clock at `start`, for notifications' `startsAt`.
    let startDate: Date
    let duration: Duration
    let interval: Duration
    let collection: String?
    let checkTimeout: Duration
    let journal: WatchJournal
    let channels: [any AlertChannel]
    let dryRun: Bool

    var endpoints: [String]
    var probe: HealthProbe
    var rules: AlertRules
    var scaler: AutoScaler?
    var tracker = ScalingTracker()
    var sampler: NodeResourceSampler
    var hostMemory: [Int64: Int] = [:]
    /// Why the rows could not be counted when the watch started.
    var uncountedBefore: String?
    /// The runner itself before the watch opens anything, to compare with its end (leaks).
    let runnerStart: RunnerSample?
    var lastRunner: (sample: RunnerSample, at: ContinuousClock.Instant)?

    /// The loads the watch keeps going beside its checks, each on its own connection.
    struct Loads {
        var background: BackgroundSearches?
        /// The background searches' sampled answers, checked at every check.
        var answers: BackgroundAnswers?
        /// Recall scored at every check.
        var recall: BackgroundRecall?
        var writes: BackgroundWrites?
        var tasks: [Task<Void, Never>] = []
    }

    init(_ spec: WatchStep, _ step: Step, _ context: RunContext) async {
        self.spec = spec
        self.step = step
        self.context = context
        start = clock.now
        startDate = Date()
        duration = spec.duration.swiftDuration
        interval = spec.interval.swiftDuration
        collection = step.collection
        checkTimeout = min(.seconds(5), max(.seconds(1), interval))
        var endpoints = spec.endpoints ?? context.scenario.target.metrics
        if let discover = spec.discover, let found = await WatchRunner.discover(discover) { endpoints = found }
        self.endpoints = endpoints
        probe = HealthProbe(connection: context.client.options, endpoints: endpoints, timeout: checkTimeout,
                            collection: spec.serving ? step.collection : nil)
        journal = WatchJournal(WatchDetails(intervalMs: interval.milliseconds, durationMs: duration.milliseconds))
        channels = context.scenario.notifiers.map(AlertChannels.make)
        dryRun = context.dryRunActions
        rules = AlertRules(spec.rules)
        scaler = spec.scale.map(AutoScaler.init)
        sampler = NodeResourceSampler(endpoints: endpoints)
        runnerStart = RunnerFootprint.sample()
        lastRunner = runnerStart.map { [clock] in (sample: $0, at: clock.now) }
    }

    var end: ContinuousClock.Instant { start + duration }
    /// Time since the watch started, as the record counts it.
    var elapsed: Duration { clock.now - start }
    /// `elapsed` in milliseconds, from any task.
    var since: @Sendable () -> Double {
        let clock = clock, start = start
        return { (clock.now - start).milliseconds }
    }

    // MARK: Rows

    mutating func countRowsBefore(_ record: inout StepRecorder<WatchStep>) async {
        guard let collection else { return }
        do {
            let rows = try await context.client.rowCount(collection)
            journal.update { $0.rowsBefore = rows }
        } catch {
            uncountedBefore = "the rows could not be counted when the watch started: \(HealthProbe.short(error))"
            record.notes.append(StepNote(.rowsBeforeUncounted, ["collection": collection, "reason": HealthProbe.short(error)]))
        }
    }

    /// Counts the rows again once everything has finished: every acknowledged row must be there.
    func recountRows(_ loads: Loads, _ record: inout StepRecorder<WatchStep>) async {
        guard let collection else { return }
        let written = loads.writes?.acknowledgedRows
        let before = journal.read(\.rowsBefore).map { $0 + (written ?? 0) }
        let (step, context) = (step, context)
        let counted = await RowCounter.count(collection, expected: before, recount: spec.recount.swiftDuration,
                                             connection: context.client.options) { attempt in
            guard let before, attempt.count.map({ $0 < before }) ?? true else { return }
            let seen = attempt.count.map { "\($0) of \(before) rows" } ?? "no count (\(attempt.error ?? "?"))"
            context.progress.note("\(step.id): counting the rows of '\(collection)' after the watch: \(seen); counting again")
        }
        journal.update {
            $0.rowCount = counted
            $0.rowsAfter = counted.rows
        }
        if let reason = counted.unverifiedReason {
            record.notes.append(StepNote(.rowsAfterUnverified, ["collection": collection, "reason": reason]))
            record.leaveOut(\.rowsAfter, \.rowsLost, because: reason)
        } else if let reason = uncountedBefore {
            record.leaveOut(\.rowsBefore, \.rowsLost, because: reason)
        }
    }

    /// Reads every row back by key and compares it with the rows the tool knows the collection
    /// holds (`audit`); resolves the writes with an unknown outcome in the shadow.
    func auditRows(_ record: inout StepRecorder<WatchStep>) async {
        guard spec.audit, let collection, !context.isStopping, let shadow = context.shadow(of: collection), shadow.schema != nil else { return }
        func notDone(_ reason: String) {
            record.notes.append(StepNote(.auditNotDone, ["collection": collection, "reason": reason]))
            record.leaveOut(\.audit.rows, \.audit.lost, \.audit.back, \.audit.upsertsLost, \.audit.wrongValues, \.audit.wrong,
                            \.audit.indeterminateStored, \.audit.indeterminateNotStored, because: "not audited: \(reason)")
        }
        if let lost = shadow.lost { return notDone("its rows are no longer known (\(lost))") }
        let (step, context) = (step, context)
        context.progress.stepProgress(step, "audit: reading \(shadow.rows) rows of '\(collection)' back by key")
        do {
            let outcome = try await RowAudit.run(collection, shadow: shadow, client: context.client) { context.progress.stepProgress(step, $0) }
            // Another step wrote while the rows were read: the comparison is not with what was read.
            guard context.shadow(of: collection)?.version == shadow.version else {
                return notDone("other steps wrote to it while the audit read it")
            }
            context.resolved(collection, stored: outcome.stored, notStored: outcome.notStored)
            journal.update { $0.audit = outcome.record }
            if outcome.record.wrong > 0 {
                record.notes.append(StepNote(.auditWrongRows, ["count": String(outcome.record.wrong),
                                                               "examples": outcome.record.examples.map(\.description).joined(separator: "; ")]))
            }
        } catch {
            notDone(HealthProbe.short(error))
        }
    }

    // MARK: Loads and faults

    /// Starts the background search load and the write load, when the step asks for them and
    /// the collection can be looked up (watching a server that is down from the start is
    /// legitimate: then there is no load, and a note says why).
    func startLoads(_ record: inout StepRecorder<WatchStep>) async throws -> Loads {
        var loads = Loads()
        guard let collection else { return loads }
        // Faults and scaling split the loads' outcomes around their times at the end, so they need
        // every outcome; otherwise only the checks' windows read them (see BackgroundLoad).
        let retention: Duration? = spec.faults.isEmpty && spec.scale == nil ? interval * 2 + .seconds(10) : nil
        let (context, start, end) = (context, start, end)
        let connection = context.client.options

        if let settings = spec.background, let template = await WatchRunner.template(collection, settings, context, &record) {
            let pool = try template.queryPool(size: 256)
            let load = BackgroundSearches(rate: settings.rate.perSecond,
                                          timeout: settings.search.timeout?.swiftDuration ?? WatchStep.Background.defaultTimeout.swiftDuration,
                                          maxInFlight: settings.maxInFlight, retention: retention)
            loads.background = load
            if settings.verify { loads.answers = answerCheck(template, &record) }
            if let setting = settings.recall {
                if let shadow = context.shadow(of: collection), shadow.lost == nil {
                    loads.recall = BackgroundRecall(setting, template: template, context: context, origin: start)
                } else {
                    let reason = context.shadow(of: collection)?.lost.map { "the rows are no longer known (\($0))" } ?? "'\(collection)' was not created and filled by this scenario"
                    record.notes.append(StepNote(.backgroundUnchecked, ["reason": "recall not scored: " + reason]))
                }
            }
            let heavyEnd = settings.duration.map { min(end, start + $0.swiftDuration) } ?? end
            let rest = settings.rest.map { (rate: $0.perSecond, from: heavyEnd) }
            let answers = loads.answers
            loads.tasks.append(Task {
                await load.run(connection: connection, start: start, end: rest == nil ? heavyEnd : end, rest: rest, answers: answers,
                               shouldStop: { context.isStopping }) { i in
                    template.request(pool[i % pool.count])
                }
            })
        }

        if let settings = spec.writes {
            do {
                let rows = try await WatchRunner.rowMaker(collection, batch: settings.batch, context)
                let load = BackgroundWrites(rate: settings.rate.perSecond, timeout: settings.timeout.swiftDuration,
                                            maxInFlight: settings.maxInFlight, retention: retention)
                loads.writes = load
                loads.tasks.append(Task {
                    await load.run(connection: connection, collection: collection, start: start, end: end, shadow: rows.shadow,
                                   shouldStop: { context.isStopping }) { _ in rows.next() }
                })
            } catch {
                record.notes.append(StepNote(.noWriteLoad, ["collection": collection, "reason": HealthProbe.short(error)]))
            }
        }
        return loads
    }

    /// Most rows a collection may hold for the background answers to be checked at every check:
    /// the check makes the rows hit again from the generators, up to the last row hit (~0.3 s of
    /// one core for 500,000 rows of 128-d vectors), inside the check loop.
    static let answerCheckRows = 500_000

    /// Checks the background searches' answers kept since the last check (the hits and how many
    /// were wrong; nil when none was kept or they could not be checked).
    func checkAnswers(_ loads: Loads) async -> (hits: Int, wrong: Int)? {
        guard let answers = loads.answers, let collection, let shadow = context.shadow(of: collection), shadow.lost == nil else { return nil }
        guard let found = try? await answers.check(shadow), found.hits > 0 else { return nil }
        return found
    }

    /// The check of the background searches' answers, when the tool knows the collection's rows
    /// and can score the search; otherwise a note says why not.
    func answerCheck(_ template: SearchTemplate, _ record: inout StepRecorder<WatchStep>) -> BackgroundAnswers? {
        func unchecked(_ reason: String) -> BackgroundAnswers? {
            record.notes.append(StepNote(.backgroundUnchecked, ["reason": reason]))
            return nil
        }
        guard let shadow = context.shadow(of: template.collection) else {
            return unchecked("'\(template.collection)' was not created and filled by this scenario, so its rows are unknown")
        }
        if let lost = shadow.lost { return unchecked("the rows of '\(template.collection)' are no longer known (\(lost))") }
        guard let name = template.metric, let metric = DistanceMetric(milvus: name) else {
            return unchecked("the tool does not compute the metric \(template.metric ?? "?")")
        }
        guard case .floatVector = template.type else { return unchecked("only float-vector searches are checked") }
        // Each check makes the hit rows again from the generators, up to the last one hit.
        guard shadow.rows <= Self.answerCheckRows else {
            return unchecked("\(shadow.rows) rows are more than the \(Self.answerCheckRows) the tool makes again at every check; a search step's recall checks answers on them")
        }
        return BackgroundAnswers(field: template.field, metric: metric, consistency: template.settings.consistency.rawValue, origin: start)
    }

    /// One task per fault, sleeping until its time.
    func scheduleFaults() -> [Task<Void, Never>] {
        let (clock, start, context, journal, dryRun, since, stepID) = (clock, start, context, journal, dryRun, since, step.id)
        return spec.faults.enumerated().map { i, fault in
            Task {
                try? await clock.sleep(until: start + fault.at.swiftDuration)
                guard !Task.isCancelled, !context.isStopping else { return }
                let name = fault.name ?? "fault \(i + 1)"
                context.progress.note("\(stepID): \(dryRun ? "would inject" : "injecting") \(name): \(CommandRunner.display(fault.command))")
                let action = await WatchRunner.execute(fault.command, kind: .fault, name: name, at: since(), dryRun: dryRun)
                journal.update { $0.actions.append(action) }
                context.progress.note("\(stepID): \(WatchRunner.describe(action))")
            }
        }
    }

    /// Waits for the loads, the notifications and recoveries the checks started, and the faults
    /// that were due (those not yet due are cancelled: the watch is over).
    func finish(_ loads: Loads, faults: [Task<Void, Never>], sideTasks: [Task<Void, Never>]) async {
        for t in faults { t.cancel() }
        for t in loads.tasks + faults + sideTasks { await t.value }
    }

    // MARK: Details

    /// Everything the watch saw, with the runner's own footprint, the scaling decisions' outcomes
    /// and the recovery timings; a scale-out whose new nodes were never used is noted.
    func details(_ loads: Loads, _ record: inout StepRecorder<WatchStep>) async -> WatchDetails {
        var details = journal.read { $0 }
        details.background = loads.background?.record()
        details.writes = loads.writes?.record()
        details.runnerStart = runnerStart
        details.runnerEnd = await WatchRunner.runnerAtEnd(comparedWith: details.checks.compactMap(\.runner).first ?? runnerStart, last: lastRunner)
        if spec.scale != nil {
            let endMs = elapsed.milliseconds
            let scaling = tracker.finished(background: loads.background, endMs: endMs)
            details.scaling = scaling
            // New capacity the deployment did not use is the finding, said in words.
            for (i, r) in scaling.enumerated() where r.isScaleOut && !r.dryRun && r.nodesAtMs != nil && r.servingAtMs == nil && r.segmentsAtMs == nil {
                let until = i + 1 < scaling.count ? scaling[i + 1].atMs : endMs
                record.notes.append(StepNote(.scaledNodeIdle, ["nodes": r.nodesAdded.map(String.init).joined(separator: ", "),
                                                               "seconds": String(format: "%.0f", (until - r.nodesAtMs!) / 1000)]))
            }
        }
        if let recall = loads.recall { details.recall = await recall.finish() }
        details.recovery = WatchRunner.recovery(details, background: loads.background, writes: loads.writes, answers: loads.answers,
                                                recall: loads.recall, end: elapsed, settle: spec.settle.swiftDuration)
        if let answers = loads.answers {
            let checked = answers.record
            details.answers = checked
            if checked.wrongHits > 0 { record.notes.append(.wrongAnswers(checked.wrongHits, checked.examples, suffix: " (background searches)")) }
        }
        return details
    }
}
