import Foundation
import Alerting
import ClusterObservation
import ScenarioRecord
import ScenarioSpec

extension WatchSession {
    /// Checks every interval until the duration is over (or the run is stopping); returns the
    /// notifications and recoveries the alerts started, which run beside the checks.
    mutating func checkUntilEnd(_ loads: Loads) async -> [Task<Void, Never>] {
        var side: [Task<Void, Never>] = []
        var tick = 0
        while !context.isStopping {
            let due = start + interval * tick
            if due > end { break }
            if due > clock.now { try? await clock.sleep(until: due) }
            if context.isStopping { break }
            side += await check(loads)
            // A check that took longer than the interval (a hung server) skips the ticks it
            // missed rather than running them back to back.
            tick = max(tick + 1, Int(((clock.now - start) / interval).rounded(.up)))
        }
        return side
    }

    /// One check: probes and samples the nodes, records the sample, evaluates the alert rules
    /// and the scaler, and reports progress.
    private mutating func check(_ loads: Loads) async -> [Task<Void, Never>] {
        // Nodes that joined or left since the last check (scaling) are checked and sampled.
        if let discover = spec.discover, let found = await WatchRunner.discover(discover), found != endpoints {
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
        let cpuAverage = WatchRunner.average(usage.compactMap(\.cpuPercent))
        let memoryAverage = WatchRunner.average(usage.compactMap(\.memoryPercent))
        if scaler != nil { sample.nodeCPUAveragePercent = cpuAverage }
        let backgroundWindow = loads.background?.window((at - interval)...at)
        sample.backgroundP99Ms = backgroundWindow?.p99Ms
        if let found = await checkAnswers(loads) { (sample.hitsChecked, sample.wrongHits) = (found.hits, found.wrong) }
        loads.recall?.check()
        let now = clock.now
        if let runner = RunnerFootprint.sample(previous: lastRunner, at: now) {
            sample.runner = runner
            lastRunner = (runner, now)
        }
        journal.update { [sample] in $0.checks.append(sample) }
        context.metrics?.health(observation.details)
        if scaler != nil {
            tracker.observe(atMs: at.milliseconds, reported: queryNodes, live: liveNodes,
                            segments: Dictionary(usage.map { ($0.nodeID, $0.segments) }, uniquingKeysWith: +),
                            searches: Dictionary(usage.map { ($0.nodeID, $0.searches) }, uniquingKeysWith: +))
        }

        var signals = WatchRunner.signals(observation, sample)
        if let w = backgroundWindow {
            if w.count > 0 {
                signals["search.errorRate"] = Double(w.failed) / Double(w.count) * 100
                if let p99 = w.p99Ms { signals["search.p99"] = p99 }
            }
            signals["search.qps"] = Double(w.count - w.failed) / max(0.001, interval.milliseconds / 1000)
        }
        var side: [Task<Void, Never>] = []
        for event in rules.evaluate(signals, at: at) { side += handle(event) }

        await scale(cpu: cpuAverage, memory: memoryAverage, nodes: liveNodes.union(queryNodes ?? []), at: at)

        let firing = journal.read { $0.alerts.filter { $0.resolvedAtMs == nil }.count }
        var status = "\(Int(at.milliseconds / 1000)) s of \(Int(duration.milliseconds / 1000)) s: "
        status += observation.healthy && observation.live ? "healthy" : (observation.problem.map { "trouble: \($0)" } ?? "trouble")
        if firing > 0 { status += "; \(firing) alert\(firing == 1 ? "" : "s") firing" }
        context.progress.stepProgress(step, status)
        return side
    }

    // MARK: Scaling

    /// Asks the scaler whether to change the replicas and, when it says so, runs the scaling
    /// command (in line: the next check must see the new deployment) and records the decision.
    private mutating func scale(cpu: Double?, memory: Double?, nodes: Set<Int64>, at: Duration) async {
        guard var s = scaler, let settings = spec.scale else { return }
        defer { scaler = s }
        let previous = s.replicas
        guard let desired = s.decide(cpuPercent: cpu, memoryPercent: memory, at: at) else { return }
        let name = "\(previous) → \(desired)"
        let reason = ScalingTracker.reason(to: desired, from: previous, cpu: cpu, memory: memory,
                                           cpuAbove: settings.cpuAbove, memoryAbove: settings.memoryAbove)
        context.progress.note("\(step.id): scale \(name) (\(reason))")
        let decidedAt = since()
        let action = await WatchRunner.execute(settings.command, kind: .scale, name: name, at: decidedAt, dryRun: dryRun,
                                               substitutions: ["replicas": String(desired)])
        journal.update { $0.actions.append(action) }
        context.progress.note("\(step.id): \(WatchRunner.describe(action))")
        var decision = ScalingRecord(atMs: decidedAt, from: previous, to: desired, reason: reason, cpuPercent: cpu, memoryPercent: memory,
                                     command: action.command, dryRun: action.dryRun, nodesBefore: nodes.sorted())
        decision.exitCode = action.exitCode
        decision.commandMs = action.durationMs
        decision.error = action.error
        tracker.decided(decision)
        if !action.succeeded, !action.dryRun { s.failed(keeping: previous) }
    }

    // MARK: Alerts

    /// Records an alert change, notifies, and starts the rule's recovery when it fires.
    private func handle(_ event: AlertRules.Event) -> [Task<Void, Never>] {
        let (step, context, journal, dryRun, since) = (step, context, journal, dryRun, since)
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
                journal.update { [delivery] in $0.notifications.append(delivery) }
            })
        }
        if let recover = rule.recover, event.transition != .resolved, journal.startRecovery(rule.name) {
            tasks.append(Task {
                context.progress.note("\(step.id): \(dryRun ? "would recover" : "recovering") (\(rule.name)): \(CommandRunner.display(recover))")
                let action = await WatchRunner.execute(recover, kind: .recover, name: rule.name, at: since(), dryRun: dryRun)
                journal.update { $0.actions.append(action) }
                journal.finishRecovery(rule.name)
                context.progress.note("\(step.id): \(WatchRunner.describe(action))")
            })
        }
        return tasks
    }
}
