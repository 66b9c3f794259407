import Foundation
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
        let clock = ContinuousClock()
        let start = clock.now
        let startDate = Date()
        let duration = spec.duration.swiftDuration
        let interval = spec.interval.swiftDuration
        let end = start + duration
        var endpoints = spec.endpoints ?? context.scenario.target.metrics
        let collection = step.collection
        let checkTimeout = min(.seconds(5), max(.seconds(1), interval))
        if let discover = spec.discover, let found = await Self.discover(discover) { endpoints = found }
        var probe = HealthProbe(connection: context.client.options, endpoints: endpoints, timeout: checkTimeout,
                                collection: spec.serving ? collection : nil)
        let journal = WatchJournal(WatchDetails(intervalMs: interval.milliseconds, durationMs: duration.milliseconds))
        let channels = context.scenario.notifiers.map(AlertChannels.make)
        let dryRun = context.dryRunActions
        let since: @Sendable () -> Double = { (clock.now - start).milliseconds }

        var uncountedBefore: String?
        if let collection {
            do {
                let rows = try await context.client.rowCount(collection)
                journal.update { $0.rowsBefore = rows }
            } catch {
                uncountedBefore = "the rows could not be counted when the watch started: \(HealthProbe.short(error))"
                record.notes.append(StepNote(.rowsBeforeUncounted, ["collection": collection, "reason": HealthProbe.short(error)]))
            }
        }

        // The runner itself before the watch opens anything, to compare with its end (leaks).
        let runnerStart = RunnerFootprint.sample()
        var lastRunner = runnerStart.map { (sample: $0, at: clock.now) }

        // Faults and scaling split the loads' outcomes around their times at the end, so they need
        // every outcome; otherwise only the checks' windows read them (see BackgroundLoad).
        let retention: Duration? = spec.faults.isEmpty && spec.scale == nil ? interval * 2 + .seconds(10) : nil

        // The background load, on its own connection.
        var backgroundTask: Task<Void, Never>?
        var background: BackgroundSearches?
        // Watching a server that is down from the start is legitimate: then there is no load.
        if let settings = spec.background, let collection, let template = await Self.template(collection, settings, context, &record) {
            let pool = try template.queryPool(size: 256)
            let load = BackgroundSearches(rate: settings.rate.perSecond, timeout: settings.search.timeout?.swiftDuration ?? WatchStep.Background.defaultTimeout.swiftDuration,
                                          maxInFlight: settings.maxInFlight, retention: retention)
            background = load
            let connection = context.client.options
            let heavyEnd = settings.duration.map { min(end, start + $0.swiftDuration) } ?? end
            let rest = settings.rest.map { (rate: $0.perSecond, from: heavyEnd) }
            backgroundTask = Task {
                await load.run(connection: connection, start: start, end: rest == nil ? heavyEnd : end, rest: rest,
                               shouldStop: { context.isStopping }) { i in
                    template.request(pool[i % pool.count])
                }
            }
        }

        // The write load, on a connection of its own too.
        var writesTask: Task<Void, Never>?
        var writes: BackgroundWrites?
        if let settings = spec.writes, let collection {
            do {
                let rows = try await Self.rowMaker(collection, batch: settings.batch, context)
                let load = BackgroundWrites(rate: settings.rate.perSecond, timeout: settings.timeout.swiftDuration, maxInFlight: settings.maxInFlight,
                                            retention: retention)
                writes = load
                let connection = context.client.options
                writesTask = Task {
                    await load.run(connection: connection, collection: collection, start: start, end: end,
                                   shouldStop: { context.isStopping }) { _ in rows.next() }
                }
            } catch {
                record.notes.append(StepNote(.noWriteLoad, ["collection": collection, "reason": HealthProbe.short(error)]))
            }
        }

        // Faults at their times.
        var faultTasks: [Task<Void, Never>] = []
        for (i, fault) in spec.faults.enumerated() {
            faultTasks.append(Task {
                try? await clock.sleep(until: start + fault.at.swiftDuration)
                guard !Task.isCancelled, !context.isStopping else { return }
                let name = fault.name ?? "fault \(i + 1)"
                context.progress.note("\(step.id): \(dryRun ? "would inject" : "injecting") \(name): \(CommandRunner.display(fault.command))")
                let action = await Self.execute(fault.command, kind: .fault, name: name, at: since(), dryRun: dryRun)
                journal.update { $0.actions.append(action) }
                context.progress.note("\(step.id): \(Self.describe(action))")
            })
        }

        var rules = AlertRules(spec.rules)
        var scaler = spec.scale.map(AutoScaler.init)
        var tracker = ScalingTracker()
        var sampler = NodeResourceSampler(endpoints: endpoints)
        var hostMemory: [Int64: Int] = [:]
        var side: [Task<Void, Never>] = []
        var check = 0
        while !context.isStopping {
            let due = start + interval * check
            if due > end { break }
            if due > clock.now { try? await clock.sleep(until: due) }
            if context.isStopping { break }
            // Nodes that joined or left since the last check (scaling) are checked and sampled.
            if let discover = spec.discover, let found = await Self.discover(discover), found != endpoints {
                endpoints = found
                probe = HealthProbe(connection: context.client.options, endpoints: endpoints, timeout: checkTimeout,
                                    collection: spec.serving ? collection : nil)
                sampler.use(endpoints)
            }
            let at = clock.now - start
            let observation = await probe.check()
            for n in observation.systemInfo?.queryNodes ?? [] where n.memoryBytes > 0 { hostMemory[n.id] = n.memoryBytes }
            let usage = await sampler.sample(hostMemory: hostMemory, timeout: checkTimeout).usages
            var sample = HealthSample(atMs: at.milliseconds, serving: observation.serving, live: observation.live,
                                      checkHealth: observation.details.checkHealth, unhealthyComponents: observation.unhealthyComponents,
                                      latencyMs: observation.latencyMs, searchLatencyMs: observation.searchLatencyMs,
                                      problem: observation.problem)
            sample.nodeMemoryMB = usage.compactMap(\.memoryMB).max()
            sample.nodeMemoryPercent = usage.compactMap(\.memoryPercent).max()
            sample.nodeCPUPercent = usage.compactMap(\.cpuPercent).max()
            let down = observation.details.endpoints.filter { !$0.ok }.map(\.url)
            sample.downEndpoints = down.isEmpty ? nil : down
            let queryNodes = observation.systemInfo.map { Set($0.queryNodes.map(\.id)) }
            let liveNodes = Set(usage.map(\.nodeID))
            sample.queryNodes = liveNodes.isEmpty ? nil : liveNodes.count
            sample.reportedQueryNodes = queryNodes?.count
            let cpuAverage = Self.average(usage.compactMap(\.cpuPercent)), memoryAverage = Self.average(usage.compactMap(\.memoryPercent))
            if scaler != nil { sample.nodeCPUAveragePercent = cpuAverage }
            let backgroundWindow = background?.window((at - interval)...at)
            sample.backgroundP99Ms = backgroundWindow?.p99Ms
            let now = clock.now
            if let runner = RunnerFootprint.sample(previous: lastRunner, at: now) {
                sample.runner = runner
                lastRunner = (runner, now)
            }
            journal.update { $0.checks.append(sample) }
            context.metrics?.health(observation.details)
            if scaler != nil {
                tracker.observe(atMs: at.milliseconds, reported: queryNodes, live: liveNodes,
                                segments: Dictionary(usage.map { ($0.nodeID, $0.segments) }, uniquingKeysWith: +),
                                searches: Dictionary(usage.map { ($0.nodeID, $0.searches) }, uniquingKeysWith: +))
            }

            var signals = Self.signals(observation, sample)
            if let w = backgroundWindow {
                if w.count > 0 {
                    signals["search.errorRate"] = Double(w.failed) / Double(w.count) * 100
                    if let p99 = w.p99Ms { signals["search.p99"] = p99 }
                }
                signals["search.qps"] = Double(w.count - w.failed) / max(0.001, interval.milliseconds / 1000)
            }

            for event in rules.evaluate(signals, at: at) {
                side += handle(event, step: step, context: context, journal: journal, channels: channels, dryRun: dryRun, since: since, startDate: startDate)
            }

            if var s = scaler {
                let cpu = cpuAverage, memory = memoryAverage
                let previous = s.replicas
                if let desired = s.decide(cpuPercent: cpu, memoryPercent: memory, at: at), let settings = spec.scale {
                    let name = "\(previous) → \(desired)"
                    let reason = ScalingTracker.reason(to: desired, from: previous, cpu: cpu, memory: memory,
                                                       cpuAbove: settings.cpuAbove, memoryAbove: settings.memoryAbove)
                    context.progress.note("\(step.id): scale \(name) (\(reason))")
                    let decidedAt = since()
                    let action = await Self.execute(settings.command, kind: .scale, name: name, at: decidedAt, dryRun: dryRun,
                                                    substitutions: ["replicas": String(desired)])
                    journal.update { $0.actions.append(action) }
                    context.progress.note("\(step.id): \(Self.describe(action))")
                    var decision = ScalingRecord(atMs: decidedAt, from: previous, to: desired, reason: reason, cpuPercent: cpu, memoryPercent: memory,
                                                 command: action.command, dryRun: action.dryRun,
                                                 nodesBefore: liveNodes.union(queryNodes ?? []).sorted())
                    decision.exitCode = action.exitCode
                    decision.commandMs = action.durationMs
                    decision.error = action.error
                    tracker.decided(decision)
                    if !action.succeeded, !action.dryRun { s.failed(keeping: previous) }
                }
                scaler = s
            }

            let firing = journal.read { $0.alerts.filter { $0.resolvedAtMs == nil }.count }
            var status = "\(Int(at.milliseconds / 1000)) s of \(Int(duration.milliseconds / 1000)) s: "
            status += observation.healthy && observation.live ? "healthy" : (observation.problem.map { "trouble: \($0)" } ?? "trouble")
            if firing > 0 { status += "; \(firing) alert\(firing == 1 ? "" : "s") firing" }
            context.progress.stepProgress(step, status)
            // A check that took longer than the interval (a hung server) skips the ticks it
            // missed rather than running them back to back.
            check = max(check + 1, Int(((clock.now - start) / interval).rounded(.up)))
        }

        for t in faultTasks { t.cancel() }
        await backgroundTask?.value
        await writesTask?.value
        for t in faultTasks + side { await t.value }
        // The write load's rows (and those of failed inserts the server may still have applied)
        // are not made again from the insert steps: recall is not scored against this collection.
        if let collection, writes != nil { context.rewritten(collection) }

        if let collection {
            // Every acknowledged row must be there too.
            let written = writes?.acknowledgedRows
            let before = journal.read(\.rowsBefore).map { $0 + (written ?? 0) }
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

        var details = journal.read { $0 }
        details.background = background?.record()
        details.writes = writes?.record()
        details.runnerStart = runnerStart
        details.runnerEnd = await Self.runnerAtEnd(comparedWith: details.checks.compactMap(\.runner).first ?? runnerStart, last: lastRunner)
        if spec.scale != nil {
            let endMs = (clock.now - start).milliseconds
            let scaling = tracker.finished(background: background, endMs: endMs)
            details.scaling = scaling
            // New capacity the deployment did not use is the finding, said in words.
            for (i, r) in scaling.enumerated() where r.isScaleOut && !r.dryRun && r.nodesAtMs != nil && r.servingAtMs == nil && r.segmentsAtMs == nil {
                let until = i + 1 < scaling.count ? scaling[i + 1].atMs : endMs
                record.notes.append(StepNote(.scaledNodeIdle, ["nodes": r.nodesAdded.map(String.init).joined(separator: ", "),
                                                               "seconds": String(format: "%.0f", (until - r.nodesAtMs!) / 1000)]))
            }
        }
        details.recovery = Self.recovery(details, background: background, writes: writes, end: clock.now - start, settle: spec.settle.swiftDuration)
        record.details.watch = details
        Self.record(details, into: &record)
        record[\.totalTime] = clock.now - start
        if dryRun, !details.actions.isEmpty { record.notes.append(StepNote(.dryRunActions, ["count": String(details.actions.count)])) }
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
        return RowMaker(generators, batch: batch)
    }

    /// The background load's requests, or nil (with a note) when the collection cannot be looked up.
    static func template(_ collection: String, _ settings: WatchStep.Background, _ context: RunContext,
                         _ record: inout StepRecorder<WatchStep>) async -> SearchTemplate? {
        do { return try await SearchTemplate(collection: collection, settings: settings.search, context: context) } catch {
            record.notes.append(StepNote(.noBackgroundLoad, ["collection": collection, "reason": HealthProbe.short(error)]))
            return nil
        }
    }

    // MARK: Alerts

    /// Records an alert change, notifies, and starts the rule's recovery when it fires.
    private func handle(_ event: AlertRules.Event, step: Step, context: RunContext, journal: WatchJournal, channels: [any AlertChannel],
                        dryRun: Bool, since: @escaping @Sendable () -> Double, startDate: Date) -> [Task<Void, Never>] {
        let rule = event.rule
        // Both from the watch's start, so every notification of one alert has the same startsAt.
        let now = startDate.addingTimeInterval(event.at.milliseconds / 1000)
        let firedDate = startDate.addingTimeInterval(event.firedAt.milliseconds / 1000)
        let kind: NotificationRecord.Kind
        switch event.transition {
        case .fired:
            kind = .firing
            journal.update { $0.alerts.append(AlertRecord(rule: rule.name, severity: rule.severity.rawValue, condition: rule.whenText,
                                                          firedAtMs: event.at.milliseconds, resolvedAtMs: nil, values: event.values)) }
            context.progress.note("\(step.id): ALERT \(rule.name) (\(rule.severity.rawValue)) fired: \(rule.whenText)")
        case .repeated:
            kind = .repeat
        case .resolved:
            kind = .resolved
            journal.update { d in
                if let i = d.alerts.lastIndex(where: { $0.rule == rule.name && $0.resolvedAtMs == nil }) { d.alerts[i].resolvedAtMs = event.at.milliseconds }
            }
            context.progress.note("\(step.id): alert \(rule.name) resolved")
        }
        let notification = AlertNotification(rule: rule.name, severity: rule.severity.rawValue, kind: kind, summary: rule.summary,
                                             condition: rule.whenText, values: event.values, startsAt: firedDate,
                                             endsAt: kind == .resolved ? now : nil, scenario: context.scenario.name, step: step.id)
        var tasks: [Task<Void, Never>] = []
        for channel in channels where rule.notify?.contains(channel.name) ?? true {
            tasks.append(Task {
                let at = since()
                let clock = ContinuousClock()
                let t0 = clock.now
                var delivery = NotificationRecord(rule: rule.name, notifier: channel.name, channel: channel.channel, kind: kind,
                                                  atMs: at, delivered: true, error: nil, durationMs: 0)
                do { try await channel.deliver(notification) } catch {
                    delivery.delivered = false
                    delivery.error = String("\(error)".prefix(300))
                    context.progress.note("\(step.id): could not notify \(channel.name) (\(channel.channel)) of \(rule.name): \(delivery.error!)")
                }
                delivery.durationMs = (clock.now - t0).milliseconds
                journal.update { $0.notifications.append(delivery) }
            })
        }
        if let recover = rule.recover, event.transition != .resolved, journal.startRecovery(rule.name) {
            tasks.append(Task {
                context.progress.note("\(step.id): \(dryRun ? "would recover" : "recovering") (\(rule.name)): \(CommandRunner.display(recover))")
                let action = await Self.execute(recover, kind: .recover, name: rule.name, at: since(), dryRun: dryRun)
                journal.update { $0.actions.append(action) }
                journal.finishRecovery(rule.name)
                context.progress.note("\(step.id): \(Self.describe(action))")
            })
        }
        return tasks
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
    static func recovery(_ d: WatchDetails, background: BackgroundSearches?, writes: BackgroundWrites? = nil, end: Duration,
                         settle: Duration = .zero) -> RecoveryRecord? {
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

    init(_ generators: [FieldValueGenerator], batch: Int) {
        self.generators = Mutex(generators)
        self.batch = batch
    }

    /// The next batch; default generators never fail (only data set files can).
    func next() -> [Column] {
        generators.withLock { g in g.indices.compactMap { try? g[$0].nextColumn(batch) } }
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
