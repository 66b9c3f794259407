import ArgumentParser
import Foundation
import ScenarioCommands
import Logging
import ScenarioRecord
import ScenarioReport
import ScenarioRunner
import ScenarioSpec
import Synchronization

/// `milvus-scenario run FILE`
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario against Milvus and write its run record and summary.",
        discussion: """
        Validates the scenario, connects to its target, checks that the server has what the \
        steps need (Upsert, Delete, GetReplicas for a verified multi-replica load), runs the steps \
        in order, evaluates the \
        thresholds and writes run.json (after every step, so an interrupted run keeps what \
        finished), summary.txt and the reports the scenario asks for (report.md, one CSV per \
        table, junit.xml, SVG charts) into reports/<name>/<UTC time>/. reports/<name>/latest \
        is a copy of the newest run's folder (a plain folder, so CI artifact uploads keep it).

        Exit codes: 0 every threshold met · 1 a threshold failed · 2 invalid scenario or usage · \
        3 a step failed (the message names the step, the RPC and the server's reason) · \
        4 the run record or the reports could not be written (report folder not writable, disk \
        full: checked before the run starts, and at the end; what was written before is kept) · \
        130 interrupted (Ctrl-C or SIGTERM: the current step stops issuing queries, the record \
        of everything so far is written; a second Ctrl-C exits at once).
        """
    )

    @Argument(help: ArgumentHelp("The scenario file.", valueName: "file"))
    var file: String

    @Option(name: .customLong("report-dir"), help: ArgumentHelp("Write the reports into this folder instead of reports/<name>/<UTC time>/.", valueName: "dir"))
    var reportDirectory: String?

    @Option(name: .customLong("var"), help: ArgumentHelp("Set a variable for ${NAME}, overriding the scenario's 'vars:' and the environment. Repeatable.", valueName: "name=value"))
    var variables: [VariableAssignment] = []

    @Option(help: ArgumentHelp("Milvus URI, overriding the scenario's target.uri.", valueName: "uri"))
    var uri: String?

    @Option(name: .customLong("metrics-port"), help: ArgumentHelp("Serve Prometheus metrics (query latency and count by step and collection, collection size, component health) on this port at /metrics while the run lasts; 0 picks a free port.", valueName: "port"))
    var metricsPort: Int?

    @Option(name: .customLong("metrics-host"), help: ArgumentHelp("Address the metrics endpoint listens on (default 127.0.0.1; 0.0.0.0 for every interface).", valueName: "address"))
    var metricsHost = "127.0.0.1"

    @Option(help: ArgumentHelp("Run shard I of N (0-based): each load step sends its share (queries, rate and concurrency ÷ N, its own query seeds); shard 0 alone runs the setup steps and reads the server's per-node signals, the others wait until the collection is loaded. '/N' takes I from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job). Merge the shards' run.json with 'milvus-scenario merge'.", valueName: "I/N"))
    var shard: String?

    @Option(name: .customLong("start-at"), help: ArgumentHelp("With --shard: start the first load step at this time on every shard (ISO 8601 UTC, e.g. 2026-12-03T14:00:00Z, or @UNIX-SECONDS), so the shards send side by side.", valueName: "time"))
    var startAt: String?

    @Option(help: ArgumentHelp("Which steps to run: all; setup (the steps before the first load step: a setup Job); load (the first load step on, once the collection is loaded: the shards of an Indexed Job).", valueName: "all|setup|load"))
    var phase: String = "all"

    @Option(name: .customLong("setup-timeout"), help: ArgumentHelp("How long a shard waits for the collection to be loaded by shard 0 or a setup Job, e.g. 10m.", valueName: "duration"))
    var setupTimeout: String = "10m"

    @Flag(name: .customLong("dry-run-actions"), help: "Record the commands watch steps would run (faults, recover, scale) in the report without running any of them.")
    var dryRunActions = false

    @Flag(name: .shortAndLong, help: "Print only errors and the result line.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Log more on standard error: -v connection and each step's notes, -vv step settings, metrics and retries, -vvv every RPC.")
    var verbose: Int

    /// -q: errors only; default: warnings; -v info, -vv debug, -vvv trace.
    var logLevel: Logger.Level {
        if quiet { return .error }
        switch verbose {
        case 0: return .warning
        case 1: return .info
        case 2: return .debug
        default: return .trace
        }
    }

    func validate() throws {
        if let metricsPort, !(0...65535).contains(metricsPort) {
            throw ValidationError("--metrics-port takes a port number (0-65535), not \(metricsPort)")
        }
        _ = try sharding()
    }

    /// --shard, --start-at, --phase and --setup-timeout, checked.
    func sharding(environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> (shard: Shard?, startAt: Date?, phase: ShardPlan.Phase, setupTimeout: Duration) {
        var parsedShard: Shard?
        if var text = shard {
            if text.hasPrefix("/") {
                guard let index = environment["JOB_COMPLETION_INDEX"], !index.isEmpty else {
                    throw ValidationError("--shard \(text) takes the shard's index from JOB_COMPLETION_INDEX, which is not set: give it as --shard I\(text)")
                }
                text = index + text
            }
            guard let s = Shard(parsing: text) else {
                throw ValidationError("--shard takes I/N with 0 ≤ I < N, e.g. 0/4 or /4 (I from JOB_COMPLETION_INDEX); got '\(text)'")
            }
            parsedShard = s
        }
        guard let phase = ShardPlan.Phase(rawValue: phase) else {
            throw ValidationError("--phase takes all, setup or load; got '\(self.phase)'")
        }
        var start: Date?
        if let startAt {
            guard let date = Self.parseTime(startAt) else {
                throw ValidationError("--start-at takes a UTC time like 2026-12-03T14:00:00Z or @1764770400 (Unix seconds); got '\(startAt)'")
            }
            guard parsedShard != nil || phase == .load else { throw ValidationError("--start-at lines shards up: use it with --shard") }
            start = date
        }
        guard let timeout = ScenarioDuration.parse(setupTimeout), timeout.milliseconds > 0 else {
            throw ValidationError("--setup-timeout takes a duration like 10m or 90s; got '\(setupTimeout)'")
        }
        return (parsedShard, start, phase, timeout.swiftDuration)
    }

    static func parseTime(_ text: String) -> Date? {
        if text.hasPrefix("@"), let seconds = Double(text.dropFirst()) { return Date(timeIntervalSince1970: seconds) }
        let formatter = ISO8601DateFormatter()
        if let d = formatter.date(from: text) { return d }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    func run() async throws {
        let outcome = ScenarioLoader.load(path: file, variables: variables.dictionary, dataFiles: VectorFileShapes())
        for d in outcome.diagnostics { printError(d.description) }
        guard let scenario = outcome.scenario else {
            printError("\(file): invalid — not run")
            throw ExitCode(2)
        }
        let sharding = try sharding()
        let plan = ShardPlan(scenario, shard: sharding.shard ?? .whole, phase: sharding.phase)
        if !plan.problems.isEmpty {
            for p in plan.problems { printError("\(file): \(p)") }
            printError("\(file): cannot run \(sharding.shard.map { "as shard \($0)" } ?? "--phase \(sharding.phase.rawValue)") — not run")
            throw ExitCode(2)
        }
        // A run whose evidence cannot be kept does not start.
        let (directory, madeFolder) = try writableReportFolder(for: scenario, shard: sharding.shard, phase: sharding.phase)
        // What the server lacks stops the run before its first step, like any invalid scenario.
        // An unreachable server is the run's to report (exit 3, with a record).
        if let (server, problems) = try? await ServerCapabilities.check(scenario, uri: uri), !problems.isEmpty {
            // Nothing ran, so nothing is kept: no empty report folder is left behind.
            if madeFolder, (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.isEmpty == true {
                try? FileManager.default.removeItem(at: directory)
            }
            for d in problems { printError(d.description) }
            printError("\(file): needs what \(server) does not have — not run")
            throw ExitCode(2)
        }
        let bytes = (FileManager.default.contents(atPath: file)).map { [UInt8]($0) } ?? []
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let progress: any ProgressReporter = quiet ? SilentProgress() : ConsoleProgress()
        var metrics: RunMetrics?
        var server: MetricsServer?
        if let metricsPort {
            let m = RunMetrics()
            do {
                server = try await MetricsServer.start(m, host: metricsHost, port: metricsPort)
            } catch {
                printError("error: cannot serve metrics on \(metricsHost):\(metricsPort): \(error)")
                throw ExitCode(2)
            }
            metrics = m
            printError("metrics: http://\(metricsHost):\(server!.port)/metrics")
        }
        let stop = StopSignal()
        let signalSources = stop.install()
        let execution = ScenarioExecution(scenario: scenario,
                                          options: .init(uri: uri, reportDirectory: directory, toolVersion: MilvusScenario.version,
                                                         scenarioBytes: bytes, metrics: metrics, dryRunActions: dryRunActions,
                                                         shard: sharding.shard, phase: sharding.phase, startAt: sharding.startAt,
                                                         setupTimeout: sharding.setupTimeout),
                                          progress: progress)
        let record = await execution.run(stopRequested: { stop.isRequested })
        withExtendedLifetime(signalSources) {}
        await server?.stop()
        // Reports of everything that finished, whatever the outcome — rendered from run.json as
        // written, so `milvus-scenario report run.json` gives the same bytes. run.json is
        // rewritten after every step; one that is not the final record (disk full, folder gone)
        // is kept as it is — the run as far as it could be written — and the run exits 4.
        let onDisk = try? RunRecord.load(from: directory.appendingPathComponent(RecordFile.name))
        let recordKept = onDisk.map { $0.status == record.status && $0.steps.count == record.steps.count } ?? false
        let written = recordKept ? onDisk! : record
        var unwritten: [String] = []
        if !recordKept {
            unwritten.append("\(RecordFile.name) " + (onDisk.map { "holds the run as it was after \($0.steps.count) of \(record.steps.count) steps" } ?? "was not written"))
        }
        do {
            let formats = Set(scenario.report.formats.compactMap { ReportSet.Format(rawValue: $0.rawValue) })
            try ReportSet.write(written, to: directory, formats: formats)
        } catch {
            unwritten.append("the reports: \(RecordFile.describe(writeError: error))")
        }
        if reportDirectory == nil, sharding.shard == nil, sharding.phase == .all { refreshLatest(directory) }
        if !quiet { print("\n" + Summary.text(written), terminator: "") }
        else { print("result: \(Summary.verdict(record.status))") }
        print("reports: \(directory.path)")
        if !unwritten.isEmpty {
            printError("error: could not write everything into \(directory.path): \(unwritten.joined(separator: "; ")) (the run itself: \(record.status.rawValue))")
            throw ExitCode(4)
        }
        try exitForOutcome(record)
    }

    /// The report folder, created and proven writable (a probe file written and removed) before
    /// anything runs, and whether this run made it; otherwise exit 4 with the reason.
    func writableReportFolder(for scenario: Scenario, shard: Shard?, phase: ShardPlan.Phase) throws -> (URL, made: Bool) {
        var folder = reportDirectory.map { URL(fileURLWithPath: $0) }
        do {
            let made = try reportFolder(for: scenario, shard: shard, phase: phase)
            folder = made
            let existed = FileManager.default.fileExists(atPath: made.path)
            try FileManager.default.createDirectory(at: made, withIntermediateDirectories: true)
            let probe = made.appendingPathComponent(".write-probe-\(ProcessInfo.processInfo.processIdentifier)")
            try Data("milvus-scenario\n".utf8).write(to: probe)
            try FileManager.default.removeItem(at: probe)
            return (made, !existed)
        } catch {
            let path = folder?.path ?? URL(fileURLWithPath: scenario.report.directory).appendingPathComponent(scenario.name).path
            printError("error: cannot write the run record and reports into \(path): \(RecordFile.describe(writeError: error)) — not run")
            throw ExitCode(4)
        }
    }

    /// reports/<name>/latest becomes a copy of this run's folder. A copy rather than a symbolic
    /// link: artifact uploads, archives and Windows checkouts keep it.
    func refreshLatest(_ folder: URL) {
        let latest = folder.deletingLastPathComponent().appendingPathComponent("latest")
        let fm = FileManager.default
        let staging = folder.deletingLastPathComponent().appendingPathComponent(".latest-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try? fm.removeItem(at: staging)
            try fm.copyItem(at: folder, to: staging)
            try? fm.removeItem(at: latest)
            try fm.moveItem(at: staging, to: latest)
        } catch {
            try? fm.removeItem(at: staging)
            printError("warning: could not refresh \(latest.path): \(error)")
        }
    }

    /// reports/<name>/<UTC timestamp>/ (a shard's: …-shard-I-of-N/, a phase's: …-setup/), or --report-dir.
    func reportFolder(for scenario: Scenario, shard: Shard?, phase: ShardPlan.Phase) throws -> URL {
        if let reportDirectory { return URL(fileURLWithPath: reportDirectory) }
        let base = URL(fileURLWithPath: scenario.report.directory).appendingPathComponent(scenario.name)
        var stamp = folderStamp(Date())
        if phase != .all { stamp += "-\(phase.rawValue)" }
        if let shard { stamp += "-shard-\(shard.index)-of-\(shard.count)" }
        let folder = base.appendingPathComponent(stamp)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}

/// Ctrl-C / SIGTERM: the first asks the run to stop after the current step; the second exits at once.
final class StopSignal: Sendable {
    private let requested = Atomic<Bool>(false)

    var isRequested: Bool { requested.load(ordering: .relaxed) }

    /// Installs the handlers; keep the returned sources alive while the run lasts.
    func install() -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                if requested.exchange(true, ordering: .relaxed) {
                    FileHandle.standardError.write(Data("\ninterrupted again: exiting now\n".utf8))
                    exit(130)
                }
                FileHandle.standardError.write(Data("\nstopping: finishing the current step and writing the record (Ctrl-C again to exit now)\n".utf8))
            }
            source.resume()
            return source
        }
    }
}

/// Progress on standard error: a live line on a terminal, a plain line every few seconds otherwise.
final class ConsoleProgress: ProgressReporter, Sendable {
    private let live: Bool
    private let lastPlain = Mutex<ContinuousClock.Instant?>(nil)

    init() {
        live = isatty(2) == 1 && ProcessInfo.processInfo.environment["CI"] == nil
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    func stepStarted(_ step: Step) {
        lastPlain.withLock { $0 = ContinuousClock.now }
        if live { write("\r\u{1B}[K▶ \(step.path) \(step.kind) \(step.id)") } else { write("▶ \(step.path) \(step.kind) \(step.id)\n") }
    }

    func stepProgress(_ step: Step, _ status: String) {
        if live {
            write("\r\u{1B}[K▶ \(step.path) \(step.kind) \(step.id): \(status)")
            return
        }
        let due = lastPlain.withLock { last -> Bool in
            let now = ContinuousClock.now
            if let l = last, now - l < .seconds(5) { return false }
            last = now
            return true
        }
        if due { write("  \(step.id): \(status)\n") }
    }

    func stepFinished(_ step: Step, _ record: StepRecord) {
        let seconds = String(format: "%.1f s", record.durationMs / 1000)
        let mark = record.status == .ok ? "✓" : record.status == .failed ? "✗" : "·"
        var line = "\(mark) \(step.path) \(step.kind) \(step.id) (\(seconds))"
        if let f = record.failure { line += ": \(f.reason)\(f.hint.map { " — \($0)" } ?? "")" }
        write((live ? "\r\u{1B}[K" : "") + line + "\n")
    }

    func note(_ text: String) {
        write((live ? "\r\u{1B}[K" : "") + "  \(text)\n")
    }
}
