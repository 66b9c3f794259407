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

        public init(uri: String? = nil, reportDirectory: URL, toolVersion: String, scenarioBytes: [UInt8], metrics: RunMetrics? = nil,
                    dryRunActions: Bool = false) {
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
        for step in scenario.steps {
            let skip = Self.skips(step, cleanup: scenario.cleanup, afterFailure: failed || context.isStopping)
            if skip {
                var skipped = StepRecord(path: step.path, id: step.id, kind: step.kind, collection: step.collection, startedAt: Date())
                skipped.status = .skipped
                logger.info("step skipped", metadata: ["step": "\(step.path) \(step.kind) \(step.id)",
                                                       "because": "\(failed ? "an earlier step failed" : "the run is stopping")"])
                record.steps.append(skipped)
                continue
            }
            let stepRecord = await StepExecution.execute(step, context)
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
        record.thresholds = ThresholdEvaluation.evaluate(scenario.thresholds, steps: record.steps)
        let status: RunRecord.Status
        if context.isStopping { status = .interrupted }
        else if failed { status = .failed }
        else if record.thresholds.contains(where: { !$0.passed }) { status = .thresholdsFailed }
        else { status = .passed }
        return finish(&record, status: status, writer: writer)
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
        return try ConnectionOptions(uri: uri ?? target.uri, credentials: credentials, database: target.database,
                                     timeout: target.timeout.swiftDuration, tls: .init(trustRootsFile: target.tls?.caFile))
    }
}

/// Thresholds against the recorded metrics.
enum ThresholdEvaluation {
    static func evaluate(_ thresholds: [Threshold], steps: [StepRecord]) -> [ThresholdResult] {
        thresholds.map { t in
            // Top-level steps and those inside `parallel` (each ran once).
            let step = steps.lazy.flatMap { [$0] + ($0.parallel ?? []) }.first { $0.id == t.stepId }
            let observed = step?.metrics[t.metric]
            var note: String?
            if step == nil || step?.status == .skipped { note = "the step did not run" }
            else if step?.status == .failed { note = "the step failed" }
            else if step?.status == .unsupported { note = "the step is not supported by this deployment" }
            else if observed == nil, let why = step?.unverified?[t.metric] { note = "\(t.metric) could not be verified: \(why)" }
            else if observed == nil { note = "the step recorded no value for \(t.metric)" }
            return ThresholdResult(expression: t.text, stepId: t.stepId, metric: t.metric, unit: t.unit.rawValue, limit: t.value,
                                   observed: observed, passed: observed.map { t.holds(for: $0) } ?? false, note: note)
        }
    }
}

extension RegressionRule {
    /// The rule as the run record keeps it.
    var recorded: RegressionGateRule {
        switch tolerance {
        case .relative(let p)?: return RegressionGateRule(step: step, metric: metric, relativePercent: p)
        case .absolute(let v)?: return RegressionGateRule(step: step, metric: metric, absolute: v)
        case nil: return RegressionGateRule(step: step, metric: metric)
        }
    }
}
