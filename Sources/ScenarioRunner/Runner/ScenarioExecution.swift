import Foundation
import Logging
import MilvusClient
import ScenarioRecord
import ScenarioSpec

/// Runs a validated scenario against its target and produces the run record.
public struct ScenarioExecution: Sendable {
    public struct Options: Sendable {
        /// Overrides the scenario's target URI (`--uri`).
        public var uri: String?
        /// Where run.json goes (the report writers put the other files beside it).
        public var reportDirectory: URL
        public var toolVersion: String
        public var scenarioBytes: [UInt8]
        /// Collectors served on `--metrics-port` while the run lasts.
        public var metrics: RunMetrics?
        /// `--dry-run-actions`: record the commands a watch would run (faults, recoveries,
        /// scaling) without running any of them.
        public var dryRunActions: Bool
        /// `--shard I/N`: run this shard's share (nil: the whole scenario).
        public var shard: Shard?
        /// `--phase`: which of the steps to run.
        public var phase: ShardPlan.Phase
        /// `--start-at`: when the first load step starts, on every shard.
        public var startAt: Date?
        /// `--setup-timeout`: how long a shard waits for the collection to be loaded by another.
        public var setupTimeout: Duration

        public init(uri: String? = nil, reportDirectory: URL, toolVersion: String, scenarioBytes: [UInt8], metrics: RunMetrics? = nil,
                    dryRunActions: Bool = false, shard: Shard? = nil, phase: ShardPlan.Phase = .all, startAt: Date? = nil,
                    setupTimeout: Duration = .seconds(600)) {
            self.shard = shard
            self.phase = phase
            self.startAt = startAt
            self.setupTimeout = setupTimeout
            self.metrics = metrics
            self.dryRunActions = dryRunActions
            self.uri = uri
            self.reportDirectory = reportDirectory
            self.toolVersion = toolVersion
            self.scenarioBytes = scenarioBytes
        }
    }

    public let scenario: Scenario
    public let options: Options
    public let progress: any ProgressReporter
    /// Diagnostics (connection, step settings, notes, retries); the progress display is separate.
    public let logger: Logger

    public init(scenario: Scenario, options: Options, progress: any ProgressReporter,
                logger: Logger = Logger(label: "milvus-scenario")) {
        self.scenario = scenario
        self.options = options
        self.progress = progress
        var logger = logger
        logger[metadataKey: "scenario"] = "\(scenario.name)"
        self.logger = logger
    }

    /// Whether a top-level step is skipped: after a failure (or a stop) everything is, except
    /// cleanup steps (`drop`) with `cleanup: always`; with `cleanup: never` cleanup steps always are.
    static func skips(_ step: Step, cleanup: Scenario.Cleanup, afterFailure: Bool) -> Bool {
        let isCleanup = type(of: step.spec).isCleanup
        switch cleanup {
        case .never: return isCleanup || afterFailure
        case .always: return afterFailure && !isCleanup
        case .onSuccess: return afterFailure
        }
    }

    /// Connects, runs every step (stopping at the first failure, except cleanup with
    /// `cleanup: always`), evaluates thresholds, writes the record, and returns it.
    /// `stopRequested` is polled: when it returns true the run stops after the current step.
    public func run(stopRequested: @escaping @Sendable () -> Bool = { false }) async -> RunRecord {
        let writer = RecordWriter(directory: options.reportDirectory)
        let target = scenario.target
        var record = RunRecord(tool: "milvus-scenario", toolVersion: options.toolVersion,
                               scenario: .init(name: scenario.name, title: scenario.title, file: scenario.file,
                                               sha256: SHA256Digest.hex(options.scenarioBytes), language: scenario.report.language.rawValue,
                                               formats: scenario.report.formats.map(\.rawValue)),
                               target: .init(uri: options.uri ?? target.uri, database: target.database, serverVersion: nil, deployMode: nil,
                                             queryNodes: nil, authenticated: target.token.map { !$0.isEmpty } == true || target.user != nil),
                               host: ProcessInfo.processInfo.hostName, startedAt: Date(), endedAt: nil, status: .running,
                               steps: [], thresholds: [], failure: nil)
        if !scenario.regressions.isEmpty { record.scenario.regressions = scenario.regressions.map(\.recorded) }
        let plan = ShardPlan(scenario, shard: options.shard ?? .whole, phase: options.phase)
        if let shard = options.shard { record.shard = .init(index: shard.index, count: shard.count, startAt: options.startAt) }
        writer.write(record)

        let client: MilvusClient
        do {
            var connection = try Self.connectionOptions(target, uri: options.uri)
            connection.logger = Logger(label: "milvus.client")
            logger.info("connecting", metadata: ["uri": "\(connection.uri)", "credentials": "\(connection.credentials)",
                                                 "database": "\(connection.database)", "timeout": "\(connection.timeout)"])
            client = try await MilvusClient.connect(connection)
        } catch {
            let e = error as? MilvusError
            logger.debug("could not connect", metadata: ["reason": "\(e?.reason ?? "\(error)")"])
            record.failure = StepFailure(stepPath: "0", stepId: "connect", kind: "connect", rpc: e?.rpc ?? "Connect",
                                         code: nil, reason: e?.reason ?? "\(error)", hint: e?.hint)
            return finish(&record, status: .failed, writer: writer)
        }
        record.target.serverVersion = try? await client.version()
        record.target.deployMode = client.server?.deployMode
        record.target.queryNodes = try? await client.systemInfo().queryNodes.count
        logger.info("connected", metadata: ["server": "\(record.target.serverVersion ?? "?")", "deployMode": "\(record.target.deployMode ?? "?")",
                                            "queryNodes": "\(record.target.queryNodes.map(String.init) ?? "?")"])
        writer.write(record)

        let context = RunContext(client: client, scenario: scenario, progress: progress, logger: logger, metrics: options.metrics,
                                 dryRunActions: options.dryRunActions)
        if let capabilities = try? await ServerCapabilities.probe(client, for: scenario) {
            if !capabilities.missing.isEmpty {
                logger.info("the server lacks", metadata: ["features": "\(capabilities.missing.map(\.name).sorted().joined(separator: ", "))"])
            }
            context.capabilities.withLock { $0 = capabilities }
        }
        let watcher = Task {
            while !Task.isCancelled {
                if stopRequested() { context.requestStop(); return }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        var failed = false
        var setupChecked = !plan.waitsForSetup
        for (i, part) in plan.parts.enumerated() {
            let step: Step
            switch part {
            case .outsidePhase: continue
            case .leftToLead(let s):
                var left = StepRecord(path: s.path, id: s.id, kind: s.kind, collection: s.collection, startedAt: Date())
                left.status = .skipped
                left.notes = [StepNote(.shardLeadOnly, ["shard": plan.shard.description])]
                record.steps.append(left)
                continue
            case .run(let s): step = s
            }
            let skip = Self.skips(step, cleanup: scenario.cleanup, afterFailure: failed || context.isStopping)
            if skip {
                var skipped = StepRecord(path: step.path, id: step.id, kind: step.kind, collection: step.collection, startedAt: Date())
                skipped.status = .skipped
                logger.info("step skipped", metadata: ["step": "\(step.path) \(step.kind) \(step.id)",
                                                       "because": "\(failed ? "an earlier step failed" : "the run is stopping")"])
                record.steps.append(skipped)
                continue
            }
            // Shards line up before their first step on the collection: at --start-at, once the
            // collection is loaded (by shard 0 or a setup Job).
            var waited: [StepNote] = []
            var waitFailure: StepFailure?
            if i == plan.firstLoad || !setupChecked, step.collection != nil {
                if let late = await Self.waitUntil(options.startAt, context), late > 1 {
                    waited.append(StepNote(.shardStartedLate, ["late": String(format: "%.1f", late)]))
                }
                if !setupChecked, let collection = step.collection {
                    setupChecked = true
                    switch await Self.waitForLoaded(collection, context, timeout: options.setupTimeout) {
                    case .success(let seconds) where seconds >= 1:
                        waited.append(StepNote(.shardWaitedForLoad, ["collection": collection, "seconds": String(format: "%.1f", seconds)]))
                    case .success: break
                    case .failure(let reason):
                        waitFailure = StepFailure(stepPath: step.path, stepId: step.id, kind: step.kind, rpc: "GetLoadingProgress", code: "timed out",
                                                  reason: reason, hint: "shard 0 (or the setup Job) prepares the collection; check that it ran, or raise --setup-timeout")
                    }
                }
            }
            var stepRecord: StepRecord
            if let waitFailure {
                stepRecord = StepRecord(path: step.path, id: step.id, kind: step.kind, collection: step.collection, startedAt: Date())
                stepRecord.status = .failed
                stepRecord.failure = waitFailure
            } else {
                stepRecord = await StepExecution.execute(step, context)
            }
            stepRecord.notes = waited + stepRecord.notes
            record.steps.append(stepRecord)
            // A step the deployment cannot do stops the run as a failure does (exit 3).
            if stepRecord.status == .failed || stepRecord.status == .unsupported, !failed {
                failed = true
                record.failure = stepRecord.failure
            }
            writer.write(record)
        }
        watcher.cancel()
        await client.close()
        // A phase's or a shard's record judges only the thresholds on steps that ran there
        // (`merge` judges them all on the merged numbers).
        let ran = plan.idsRun
        record.thresholds = ThresholdEvaluation.evaluate(scenario.thresholds.filter { ran.contains($0.stepId) }, steps: record.steps)
        let status: RunRecord.Status
        if context.isStopping { status = .interrupted }
        else if failed { status = .failed }
        else if record.thresholds.contains(where: { !$0.passed }) { status = .thresholdsFailed }
        else { status = .passed }
        return finish(&record, status: status, writer: writer)
    }

    /// Sleeps until `time` (nil or past: at once); how late it already was, in seconds, or nil.
    static func waitUntil(_ time: Date?, _ context: RunContext) async -> Double? {
        guard let time else { return nil }
        while !context.isStopping {
            let left = time.timeIntervalSinceNow
            if left <= 0 { break }
            try? await Task.sleep(for: .milliseconds(min(200, max(1, Int(left * 1000)))))
        }
        return -time.timeIntervalSinceNow
    }

    enum Wait {
        case success(Double)
        case failure(String)
    }

    /// Polls until the collection is fully loaded; how long that took, or why it gave up.
    static func waitForLoaded(_ collection: String, _ context: RunContext, timeout: Duration) async -> Wait {
        let clock = ContinuousClock()
        let start = clock.now
        var last = "not loaded yet"
        while clock.now - start < timeout, !context.isStopping {
            do {
                let progress = try await MilvusClient.$retryDeadline.withValue(clock.now + .seconds(5)) {
                    try await context.client.loadingProgress(collection)
                }
                if progress >= 100 { return .success((clock.now - start).milliseconds / 1000) }
                last = "loading, \(progress)%"
            } catch {
                last = (error as? MilvusError)?.reason ?? "\(error)"
            }
            context.progress.note("waiting for '\(collection)' to be loaded by shard 0 (\(last))")
            try? await Task.sleep(for: .seconds(1))
        }
        return .failure("'\(collection)' was not loaded within \(timeout) (last answer: \(last))")
    }

    func finish(_ record: inout RunRecord, status: RunRecord.Status, writer: RecordWriter) -> RunRecord {
        record.status = status
        record.endedAt = Date()
        let usage = ProcessUsage.now()
        record.client = .init(cpuMs: usage.cpuMs, peakRSSMB: Double(usage.peakRSSBytes) / 1_048_576)
        writer.write(record)
        return record
    }

    public static func connectionOptions(_ target: Target, uri: String?) throws -> ConnectionOptions {
        let credentials: ConnectionOptions.Credentials
        if let token = target.token, !token.isEmpty {
            credentials = .token(token.value)
        } else if let user = target.user {
            credentials = .userPassword(user: user, password: target.password?.value ?? "")
        } else {
            credentials = .none
        }
        var options = try ConnectionOptions(uri: uri ?? target.uri, credentials: credentials, database: target.database,
                                            timeout: target.timeout.swiftDuration, tls: .init(trustRootsFile: target.tls?.caFile))
        options.searchTransport = try searchTransport(ProcessInfo.processInfo.environment)
        return options
    }

    /// `MILVUS_SCENARIO_SEARCH_TRANSPORT`: `direct` (the default: searches on their own HTTP/2
    /// connections, half the client CPU) or `grpc` (through grpc-swift, like every other call).
    static func searchTransport(_ environment: [String: String]) throws -> ConnectionOptions.SearchTransport {
        guard let value = environment["MILVUS_SCENARIO_SEARCH_TRANSPORT"], !value.isEmpty else { return .direct }
        guard let transport = ConnectionOptions.SearchTransport(rawValue: value.lowercased()) else {
            throw MilvusError(rpc: "connect", kind: .invalidArgument,
                              reason: "MILVUS_SCENARIO_SEARCH_TRANSPORT is '\(value)'",
                              hint: "set it to direct (the default) or grpc")
        }
        return transport
    }
}
