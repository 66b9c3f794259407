import Foundation
@testable import Alerting
import ScenarioRecord
import Testing
import ScenarioSpec
@testable import ScenarioRunner

/// The watch's pure logic: alert rules, the auto-scaler, commands, notification payloads and
/// the recovery timings read off a timeline. (The watch against real servers and receivers is
/// tested in MilvusScenarioCLITests.)
@Suite("watch logic")
struct WatchLogicTests {
    static func watch(_ yaml: String) throws -> WatchStep {
        let text = "collection: c\nsteps:\n  - watch:\n" + yaml.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n") + "\n"
        let outcome = ScenarioLoader.decode(bytes: Array(text.utf8), file: "t.yaml")
        let scenario = try #require(outcome.scenario, "\(outcome.diagnostics)")
        return try #require(scenario.steps.first?.spec as? WatchStep)
    }

    @Test("a rule fires after `for`, notifies once, repeats once per `repeat`, resolves when it clears")
    func ruleLifecycle() throws {
        let w = try Self.watch("""
        duration: 30m
        rules:
          - {name: down, when: serving == 0, for: 10s, repeat: 5m}
        """)
        var rules = AlertRules(w.rules)
        func at(_ s: Int, serving: Double) -> [AlertRules.Transition] {
            rules.evaluate(["serving": serving], at: .seconds(s)).map(\.transition)
        }
        #expect(at(0, serving: 1) == [])
        #expect(at(5, serving: 0) == [])            // holding, not yet for 10 s
        #expect(at(10, serving: 0) == [])
        #expect(at(15, serving: 0) == [.fired])     // held 10 s
        for s in stride(from: 20, to: 315, by: 5) { #expect(at(s, serving: 0) == [], "second \(s): storm suppression") }
        #expect(at(315, serving: 0) == [.repeated]) // 5 min after it fired
        #expect(at(320, serving: 0) == [])
        #expect(at(325, serving: 1) == [.resolved])
        #expect(at(330, serving: 1) == [])
        #expect(at(335, serving: 0) == [])          // `for` starts again from zero
        #expect(at(345, serving: 0) == [.fired])
    }

    @Test("a blip shorter than `for` never fires; an unmeasured signal never holds")
    func blipsAndMissingSignals() throws {
        let w = try Self.watch("""
        duration: 10m
        rules:
          - {name: hot, when: node.cpuPercent > 70% or node.memoryPercent > 80%, for: 10s}
          - {name: now, when: latency > 500ms}
        """)
        var rules = AlertRules(w.rules)
        #expect(rules.evaluate(["node.cpuPercent": 90], at: .seconds(0)).isEmpty)
        #expect(rules.evaluate(["node.cpuPercent": 10, "node.memoryPercent": 10], at: .seconds(5)).isEmpty)
        #expect(rules.evaluate(["node.memoryPercent": 85], at: .seconds(10)).isEmpty)
        let fired = rules.evaluate(["node.memoryPercent": 85, "node.cpuPercent": 5], at: .seconds(20))
        #expect(fired.map(\.rule.name) == ["hot"])
        #expect(fired.first?.values == ["node.memoryPercent": 85, "node.cpuPercent": 5])
        // No latency measured (server unreachable): `latency > 500ms` does not hold.
        #expect(AlertRules.holds(w.rules[1].when, [:]) == false)
        #expect(AlertRules.holds(w.rules[1].when, ["latency": 501]) == true)
    }

    @Test("the auto-scaler follows the document: up on CPU or memory, down when both are under half, with a cooldown")
    func autoScaler() throws {
        let w = try Self.watch("""
        duration: 1h
        scale: {run: [echo, "${replicas}"], min: 2, max: 4, cpuAbove: 70%, memoryAbove: 80%, cooldown: 1m}
        """)
        var s = AutoScaler(try #require(w.scale))
        #expect(s.replicas == 2)
        #expect(s.decide(cpuPercent: 75, memoryPercent: 10, at: .seconds(0)) == 3)
        #expect(s.decide(cpuPercent: 95, memoryPercent: 10, at: .seconds(30)) == nil)   // cooldown
        #expect(s.decide(cpuPercent: 10, memoryPercent: 85, at: .seconds(60)) == 4)
        #expect(s.decide(cpuPercent: 95, memoryPercent: 95, at: .seconds(120)) == nil)  // at max
        #expect(s.decide(cpuPercent: 50, memoryPercent: 30, at: .seconds(180)) == nil)  // CPU not under half
        #expect(s.decide(cpuPercent: 30, memoryPercent: 30, at: .seconds(240)) == 3)
        #expect(s.decide(cpuPercent: 30, memoryPercent: 30, at: .seconds(300)) == 2)
        #expect(s.decide(cpuPercent: 1, memoryPercent: 1, at: .seconds(400)) == nil)    // at min
        #expect(s.decide(cpuPercent: nil, memoryPercent: 99, at: .seconds(500)) == nil) // not measured: no change
        s.failed(keeping: 2)
        #expect(s.replicas == 2)
    }

    @Test("commands run as argv lists without a shell, unless shell is true")
    func commands() async throws {
        let literal = Command(argv: ["echo", "$HOME; echo injected"], shell: false, mark: Mark(file: "t", line: 1, column: 1))
        let r1 = await CommandRunner.run(CommandRunner.argv(literal))
        #expect(r1.exitCode == 0 && r1.error == nil)
        #expect(r1.outputTail == "$HOME; echo injected")

        let shell = Command(argv: ["echo one; echo two >&2; exit 3"], shell: true, mark: Mark(file: "t", line: 1, column: 1))
        let r2 = await CommandRunner.run(CommandRunner.argv(shell))
        #expect(r2.exitCode == 3)
        #expect(r2.outputTail == "one\ntwo")

        let substituted = Command(argv: ["sh", "-c", "echo $0 $REPLICAS", "--replicas=${replicas}"], shell: false, mark: Mark(file: "t", line: 1, column: 1))
        let r3 = await CommandRunner.run(CommandRunner.argv(substituted, replacing: ["replicas": "3"]), environment: ["REPLICAS": "3"])
        #expect(r3.outputTail == "--replicas=3 3")
        #expect(CommandRunner.display(substituted, replacing: ["replicas": "3"]) == "sh -c 'echo $0 $REPLICAS' --replicas=3")

        let missing = Command(argv: ["no-such-command-here"], shell: false, mark: Mark(file: "t", line: 1, column: 1))
        let r4 = await CommandRunner.run(CommandRunner.argv(missing))
        #expect(r4.exitCode == 127)
        #expect(r4.error == "command not found: no-such-command-here")

        let slow = Command(argv: ["sleep", "30"], shell: false, mark: Mark(file: "t", line: 1, column: 1))
        let r5 = await CommandRunner.run(CommandRunner.argv(slow), deadline: .milliseconds(300))
        #expect(r5.exitCode == nil)
        #expect(r5.error?.contains("did not finish in time") == true)
        // SIGTERM ends it at once, even though the test process (like `run`) may ignore SIGTERM.
        #expect(r5.duration < .seconds(3))

        // Signals are back to their defaults in the command, whatever this process ignores.
        let previous = signal(SIGTERM, SIG_IGN)
        defer { signal(SIGTERM, previous) }
        let selfTerm = Command(argv: ["kill -TERM $$; echo survived"], shell: true, mark: Mark(file: "t", line: 1, column: 1))
        let r6 = await CommandRunner.run(CommandRunner.argv(selfTerm))
        #expect(r6.outputTail == nil && r6.error?.hasPrefix("killed by signal") == true, "\(r6)")
    }

    @Test("every fast command keeps its exit status, even many at once")
    func fastCommandsKeepTheirStatus() async throws {
        // A ~3 s command once came back with no exit code through Foundation's Process; commands
        // that end within milliseconds, many at a time, are the hardest case for that race.
        let outcomes = await withTaskGroup(of: (Int32, CommandRunner.Outcome).self) { group in
            for i in 0..<60 {
                let code = Int32(i % 7)
                let command = Command(argv: ["exit \(code)"], shell: true, mark: Mark(file: "t", line: 1, column: 1))
                group.addTask { (code, await CommandRunner.run(CommandRunner.argv(command))) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 60)
        for (code, outcome) in outcomes {
            #expect(outcome.exitCode == code && outcome.error == nil, "expected \(code): \(outcome)")
        }
    }

    @Test("a command that has started is waited for even when its task is cancelled")
    func startedCommandOutlivesCancellation() async throws {
        // The watch cancels its fault tasks when it ends; a fault command still running then
        // (a 3 s release at the end of a 3 s watch) came back with no exit code, and once reading
        // Foundation's terminationReason of the still-running process trapped.
        let command = Command(argv: ["sleep 1; echo done; exit 5"], shell: true, mark: Mark(file: "t", line: 1, column: 1))
        let task = Task { await CommandRunner.run(CommandRunner.argv(command)) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let outcome = await task.value
        #expect(outcome.exitCode == 5 && outcome.error == nil, "\(outcome)")
        #expect(outcome.outputTail == "done")
        #expect(outcome.duration >= .seconds(1))
    }

    static let notification = AlertNotification(
        rule: "milvus_not_serving", severity: "critical", kind: .resolved, summary: "Milvus 不可查询", condition: "serving == 0",
        values: ["serving": 1], startsAt: Date(timeIntervalSince1970: 1_800_000_000), endsAt: Date(timeIntervalSince1970: 1_800_000_060),
        scenario: "health_recovery", step: "outage")

    @Test("webhook and Alertmanager payloads carry what receivers need")
    func payloads() throws {
        let webhook = WebhookChannel.payload(Self.notification)
        #expect((webhook["text"] as? String)?.hasPrefix("[RESOLVED] critical milvus_not_serving: Milvus 不可查询\ncondition: serving == 0 (serving=1)") == true)
        #expect(webhook["status"] as? String == "resolved")
        #expect(webhook["endsAt"] as? String == "2027-01-15T08:01:00.000Z")
        let am = AlertmanagerChannel.payload(Self.notification, labels: [Parameter(name: "team", value: "search", mark: Mark(file: "t", line: 1, column: 1))])
        let alert = try #require(am.first)
        let labels = try #require(alert["labels"] as? [String: String])
        #expect(labels == ["alertname": "milvus_not_serving", "severity": "critical", "scenario": "health_recovery", "step": "outage",
                           "source": "milvus-scenario", "team": "search"])
        #expect(alert["startsAt"] as? String == "2027-01-15T08:00:00.000Z")
        #expect(alert["endsAt"] as? String == "2027-01-15T08:01:00.000Z")
        #expect((alert["annotations"] as? [String: String])?["summary"] == "Milvus 不可查询")
        var firing = Self.notification
        firing.kind = .firing
        firing.endsAt = nil
        #expect(AlertmanagerChannel.payload(firing, labels: []).first?["endsAt"] == nil)
    }

    @Test("the e-mail has RFC 5322 headers and an encoded subject")
    func email() {
        let smtp = Notifier.SMTP(host: "h", port: 25, security: .none, user: nil, password: nil, from: "a@example.com",
                                 to: ["b@example.com", "c@example.com"], subjectPrefix: "[告警]", timeout: .seconds(5))
        let message = SMTPChannel.message(Self.notification, settings: smtp, date: Date(timeIntervalSince1970: 1_800_000_000))
        let lines = message.components(separatedBy: "\r\n")
        #expect(lines.contains("From: a@example.com"))
        #expect(lines.contains("To: b@example.com, c@example.com"))
        #expect(lines.contains("Date: Fri, 15 Jan 2027 08:00:00 +0000"))
        let subject = try! #require(lines.first { $0.hasPrefix("Subject: =?UTF-8?B?") })
        let encoded = subject.dropFirst("Subject: =?UTF-8?B?".count).dropLast(2)
        #expect(String(data: Data(base64Encoded: String(encoded))!, encoding: .utf8) == "[告警] [RESOLVED] critical milvus_not_serving: Milvus 不可查询")
        #expect(message.contains("\r\n\r\n[RESOLVED] critical milvus_not_serving"))
        #expect(!message.contains("\n\n"), "bare LF line ends")
    }

    static func check(_ s: Double, serving: Bool?, live: Bool = true) -> HealthSample {
        HealthSample(atMs: s * 1000, serving: serving, live: live, checkHealth: serving, unhealthyComponents: live ? 0 : 1,
                     latencyMs: live ? 10 : nil, searchLatencyMs: nil, problem: nil)
    }

    @Test("recovery timings are read off the checks, from the end of the first fault command")
    func recoveryTimings() {
        var d = WatchDetails(intervalMs: 5000, durationMs: 60000)
        d.checks = [Self.check(0, serving: true), Self.check(5, serving: true), Self.check(10, serving: false, live: false),
                    Self.check(15, serving: false, live: true), Self.check(20, serving: false), Self.check(25, serving: true), Self.check(30, serving: true)]
        d.actions = [ActionRecord(kind: .fault, name: "kill", command: "kill", startedAtMs: 6000, durationMs: 1000, exitCode: 0,
                                  outputTail: nil, error: nil, dryRun: false)]
        let r = WatchRunner.recovery(d, background: nil, end: .seconds(60))!
        #expect(r.detectedAtMs == 10000 && r.liveAtMs == 15000 && r.servingAtMs == 25000 && r.recoveredAtMs == 25000)
        #expect(r.servingLost)
        d.recovery = r
        var m = StepRecorder<WatchStep>(StepRecord(path: "1", id: "watch1", kind: "watch", collection: nil, startedAt: Date()))
        WatchRunner.record(d, into: &m)
        #expect(m[\.timeToDetect] == .seconds(3) && m[\.timeToLive] == .seconds(8) && m[\.timeToServing] == .seconds(18))
        #expect(m[\.unhealthyChecks] == 3 && m[\.checks] == 7)
        #expect(m.metrics["timeToDetect"] == 3000, "recorded in milliseconds")

        // A fault the deployment rode out: nothing detected; serving never stopped.
        var calm = WatchDetails(intervalMs: 5000, durationMs: 60000)
        calm.checks = (0..<6).map { Self.check(Double($0) * 5, serving: true) }
        calm.actions = d.actions
        calm.recovery = WatchRunner.recovery(calm, background: nil, end: .seconds(60))
        #expect(calm.recovery?.detectedAtMs == nil && calm.recovery?.servingLost == false)
        var cm = StepRecorder<WatchStep>(StepRecord(path: "1", id: "watch1", kind: "watch", collection: nil, startedAt: Date()))
        WatchRunner.record(calm, into: &cm)
        #expect(cm[\.timeToServing] == .zero && cm[\.timeToDetect] == nil)

        // A dry run injects nothing, so there is nothing to time.
        calm.actions[0].dryRun = true
        #expect(WatchRunner.recovery(calm, background: nil, end: .seconds(60)) == nil)
    }

    @Test("'before the fault' holds only searches that finished before the fault command started (the kill lands inside it)")
    func successBeforeTheFault() {
        var d = WatchDetails(intervalMs: 5000, durationMs: 60000)
        d.checks = [Self.check(0, serving: true), Self.check(5, serving: true), Self.check(10, serving: false, live: false),
                    Self.check(15, serving: true), Self.check(20, serving: true)]
        // The kill command ran from 6 s to 8.2 s (an interpreter starting, then SIGKILL).
        d.actions = [ActionRecord(kind: .fault, name: "kill", command: "kill", startedAtMs: 6000, durationMs: 2200, exitCode: 0,
                                  outputTail: nil, error: nil, dryRun: false)]
        let load = BackgroundSearches(rate: 5, timeout: .seconds(3))
        func search(_ sent: Double, _ took: Double, failed: Bool) {
            load.add(.init(sentAt: .milliseconds(sent), finishedAt: .milliseconds(sent + took), latency: .milliseconds(took),
                           error: failed ? "unavailable" : nil))
        }
        for t in stride(from: 0.0, to: 6000, by: 200) { search(t, 10, failed: false) }
        search(5995, 30, failed: true)       // sent before the command, met the fault as it started
        search(7900, 5, failed: true)        // after the kill, before the command returned
        search(8400, 5, failed: true)
        search(16000, 10, failed: false)
        let r = WatchRunner.recovery(d, background: load, end: .seconds(20))!
        #expect(r.successBefore == 100, "nothing was done yet: \(r.successBefore ?? -1)")
        #expect(r.successDuring == 0, "the three searches that met the fault: \(r.successDuring ?? -1)")
        #expect(r.successAfter == 100)
    }

    @Test("background writes are split like the searches, and the rows acknowledged during the fault are counted")
    func writesSplit() {
        var d = WatchDetails(intervalMs: 2000, durationMs: 30000)
        d.checks = [Self.check(0, serving: true), Self.check(2, serving: true), Self.check(4, serving: false, live: false),
                    Self.check(6, serving: false), Self.check(8, serving: true), Self.check(10, serving: true)]
        d.actions = [ActionRecord(kind: .fault, name: "freeze", command: "freeze", startedAtMs: 3000, durationMs: 200, exitCode: 0,
                                  outputTail: nil, error: nil, dryRun: false)]
        let writes = BackgroundWrites(rate: 5, timeout: .seconds(3))
        for t in stride(from: 0.0, to: 20000, by: 200) {
            // Inserts of 20 rows; those sent from 3 s to 6 s hang until their timeout.
            let failed = (3000..<6000).contains(t)
            writes.add(.init(sentAt: .milliseconds(t), finishedAt: .milliseconds(t + (failed ? 3000 : 10)), latency: .milliseconds(10),
                             error: failed ? "timedOut" : nil, rows: failed ? 0 : 20))
        }
        let r = WatchRunner.recovery(d, background: nil, writes: writes, end: .seconds(20))!
        #expect(r.recoveredAtMs == 8000)
        #expect(r.writeSuccessBefore == 100 && r.writeSuccessAfter == 100)
        // During: sent from 3 s (not finished before the command) to 8 s: 15 failed, 10 acknowledged.
        #expect(r.writeSuccessDuring == 40, "\(r.writeSuccessDuring ?? -1)")
        #expect(r.rowsWrittenDuring == 200, "\(r.rowsWrittenDuring ?? -1)")
        #expect(r.successBefore == nil, "no search load")
        #expect(writes.record().rows == 85 * 20 && writes.record().emptyResults == nil)

        var details = d
        details.writes = writes.record()
        details.recovery = r
        details.rowsBefore = 1000
        details.rowsAfter = 1000 + 85 * 20 - 40
        var recorder = StepRecorder<WatchStep>(StepRecord(path: "1", id: "watch1", kind: "watch", collection: "c", startedAt: Date()))
        WatchRunner.record(details, into: &recorder)
        #expect(recorder[\.rowsLost] == 40, "acknowledged rows that are gone")
        #expect(recorder[\.rowsWritten] == 1700 && recorder[\.rowsWrittenDuring] == 200 && recorder[\.rowsUnacknowledged] == 0)
        details.rowsAfter = 1000 + 85 * 20 + 60
        var more = StepRecorder<WatchStep>(StepRecord(path: "1", id: "watch1", kind: "watch", collection: "c", startedAt: Date()))
        WatchRunner.record(details, into: &more)
        #expect(more[\.rowsLost] == 0 && more[\.rowsUnacknowledged] == 60, "rows from inserts that timed out after the server applied them")
    }

    @Test("with a retention, old outcomes are dropped but the record still counts every one (an hour's soak stays flat)")
    func retention() {
        let kept = BackgroundWrites(rate: 50, timeout: .seconds(3), retention: .seconds(14))
        let all = BackgroundWrites(rate: 50, timeout: .seconds(3))
        // An hour at 50/s: inserts of 20 rows, every 100th fails, every 10th answers slowly.
        for i in 0..<180_000 {
            let sent = Duration.milliseconds(i * 20), took = Duration.milliseconds(i % 10 == 0 ? 900 : 8)
            let failed = i % 100 == 99
            let o = BackgroundWrites.Outcome(sentAt: sent, finishedAt: sent + took, latency: took, error: failed ? "timedOut" : nil,
                                             rows: failed ? 0 : 20)
            kept.add(o)
            all.add(o)
        }
        #expect(all.all.count == 180_000)
        #expect(kept.all.count < 800, "about 14 s of outcomes at 50/s: \(kept.all.count)")
        #expect(kept.all.allSatisfy { $0.finishedAt >= .seconds(3600) - .seconds(15) })
        let a = kept.record(), b = all.record()
        #expect(a.rows == 178_200 * 20 && a.rows == b.rows)
        // The rows the recount after the watch waits for: every acknowledged insert, not only the kept ones.
        #expect(kept.acknowledgedRows == 178_200 * 20 && all.acknowledgedRows == kept.acknowledgedRows)
        #expect(a.seconds.count == 3600 && a.seconds.map(\.succeeded) == b.seconds.map(\.succeeded) && a.seconds.map(\.failed) == b.seconds.map(\.failed))
        #expect(a.errorsByCode == ["timedOut": 1800] && a.latency == b.latency)
        // The checks' window (the last interval) reads the same from both.
        let last = Duration.seconds(3590)...Duration.seconds(3600)
        #expect(kept.window(last).count == all.window(last).count && kept.window(last).p99Ms == all.window(last).p99Ms)
    }

    @Test("'settle' moves the searches right after recovery from 'after' into 'during'")
    func settle() {
        var d = WatchDetails(intervalMs: 3000, durationMs: 30000)
        d.checks = [Self.check(0, serving: true), Self.check(3, serving: false, live: false), Self.check(6, serving: false),
                    Self.check(9, serving: true), Self.check(12, serving: true), Self.check(15, serving: true)]
        d.actions = [ActionRecord(kind: .fault, name: "kill", command: "kill", startedAtMs: 2000, durationMs: 500, exitCode: 0,
                                  outputTail: nil, error: nil, dryRun: false)]
        // The server answered the check at 9 s, then refused searches until 10.8 s.
        let load = BackgroundSearches(rate: 5, timeout: .seconds(3))
        for t in stride(from: 0.0, to: 20000, by: 200) {
            let failed = (2400..<9000).contains(t) || (9000..<10800).contains(t)
            load.add(.init(sentAt: .milliseconds(t), finishedAt: .milliseconds(t + 10), latency: .milliseconds(10), error: failed ? "server 101" : nil))
        }
        let plain = WatchRunner.recovery(d, background: load, end: .seconds(20))!
        #expect(plain.recoveredAtMs == 9000 && plain.settleMs == nil)
        #expect(plain.successAfter! < 90, "the 9 searches refused after the first good check count as 'after': \(plain.successAfter!)")
        let settled = WatchRunner.recovery(d, background: load, end: .seconds(20), settle: .seconds(5))!
        #expect(settled.recoveredAtMs == 9000, "recovery is still when a search first worked again")
        #expect(settled.settleMs == 5000)
        #expect(settled.successAfter == 100, "from 14 s on every search succeeded")
        // 'during' now runs to 14 s: the 9 refused searches and the 16 good ones after them joined it.
        #expect(settled.successDuring! > plain.successDuring!, "\(settled.successDuring!) vs \(plain.successDuring!)")
        let tooLong = WatchRunner.recovery(d, background: load, end: .seconds(20), settle: .seconds(30))!
        #expect(tooLong.successAfter == nil, "no 'after' when the watch ends within the settle time")
    }

    @Test("a scale-out is followed through the checks: the node up, the cluster reporting it, its segments, its first searches; the searches around it")
    func scalingFollowed() {
        var tracker = ScalingTracker()
        // Checks before the decision change nothing (there is no decision yet).
        tracker.observe(atMs: 0, reported: [11, 12], live: [11, 12], segments: [11: 4, 12: 4], searches: [11: 100, 12: 90])
        #expect(tracker.records.isEmpty)
        tracker.decided(ScalingRecord(atMs: 30_000, from: 2, to: 3, reason: "CPU 84% > 70%", cpuPercent: 84, memoryPercent: 2,
                                      command: "scripts/milvus-local cluster scale querynode 3", dryRun: false, nodesBefore: [11, 12]))
        tracker.observe(atMs: 33_000, reported: [11, 12], live: [11, 12], segments: [11: 4, 12: 4], searches: [11: 200, 12: 180])
        // The new node's endpoint answers before the cluster reports it; GetMetrics may not answer at all.
        tracker.observe(atMs: 36_000, reported: nil, live: [11, 12, 15], segments: [15: 0], searches: [15: 0])
        tracker.observe(atMs: 39_000, reported: [11, 12, 15], live: [11, 12, 15], segments: [11: 4, 12: 4, 15: 0], searches: [15: 0])
        tracker.observe(atMs: 42_000, reported: [11, 12, 15], live: [11, 12, 15], segments: [11: 3, 12: 3, 15: 2], searches: [15: 0])
        tracker.observe(atMs: 45_000, reported: [11, 12, 15], live: [11, 12, 15], segments: [15: 2], searches: [15: 37])
        var r = tracker.records[0]
        #expect(r.nodesAdded == [15] && r.nodesRemoved.isEmpty)
        #expect(r.nodesAtMs == 36_000 && r.reportedAtMs == 39_000 && r.segmentsAtMs == 42_000 && r.servingAtMs == 45_000)

        // The searches: 10 ms before, 50 ms (two failed) while the node joined, 8 ms after.
        let load = BackgroundSearches(rate: 10, timeout: .seconds(3))
        for t in stride(from: 0.0, to: 90_000, by: 100) {
            let latency = t < 30_000 ? 10.0 : t < 45_000 ? 50 : 8
            let failed = t == 40_000 || t == 40_100
            load.add(.init(sentAt: .milliseconds(t), finishedAt: .milliseconds(t + latency), latency: .milliseconds(latency), error: failed ? "server 1" : nil))
        }
        tracker.decided(ScalingRecord(atMs: 80_000, from: 3, to: 2, reason: "CPU 10% < 35% and memory 2% < 40%", command: "…", dryRun: false,
                                      nodesBefore: [11, 12, 15]))
        // The node is gone at once; the cluster goes on reporting it for a while (2.3.5).
        tracker.observe(atMs: 83_000, reported: [11, 12, 15], live: [11, 12], segments: [:], searches: [:])
        tracker.observe(atMs: 86_000, reported: [11, 12], live: [11, 12], segments: [:], searches: [:])
        let done = tracker.finished(background: load, endMs: 90_000)
        r = done[0]
        #expect(r.p99BeforeMs == 10 && r.p99DuringMs == 50 && r.p99AfterMs == 8, "\(r)")
        #expect(r.successBefore == 100 && r.failedDuring == 2 && r.successAfter == 100)
        #expect(abs(r.successDuring! - 148.0 / 150 * 100) < 1e-9, "150 searches sent from 30 s to 45 s, 2 failed: \(r.successDuring!)")
        // The scale-in: the node gone at the next check; 'after' is cut at the watch's end.
        let scaleIn = done[1]
        #expect(scaleIn.nodesRemoved == [15] && scaleIn.nodesAtMs == 83_000 && scaleIn.reportedAtMs == 86_000)
        #expect(scaleIn.servingAtMs == nil && scaleIn.segmentsAtMs == nil)
        #expect(scaleIn.failedDuring == 0 && scaleIn.successAfter == 100)
        // A new node that never serves: the change never completes, 'during' runs to the end.
        var idle = ScalingTracker()
        idle.decided(ScalingRecord(atMs: 30_000, from: 2, to: 3, reason: "CPU 84% > 70%", command: "…", dryRun: false, nodesBefore: [11, 12]))
        idle.observe(atMs: 33_000, reported: [11, 12], live: [11, 12, 15], segments: [15: 0], searches: [15: 0])
        let never = idle.finished(background: load, endMs: 60_000)[0]
        #expect(never.nodesAtMs == 33_000 && never.servingAtMs == nil && never.reportedAtMs == nil)
        #expect(never.p99DuringMs == 50 && never.successAfter == nil, "during is 30 s to the end at 60 s: \(never)")
        #expect(ScalingTracker.reason(to: 3, from: 2, cpu: 84, memory: 2, cpuAbove: 70, memoryAbove: 80) == "CPU 84% > 70%")
        #expect(ScalingTracker.reason(to: 1, from: 2, cpu: 10, memory: 2, cpuAbove: 70, memoryAbove: 80) == "CPU 10% < 35% and memory 2% < 40%")
    }
}
