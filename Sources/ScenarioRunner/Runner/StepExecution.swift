import Foundation
import Logging
import MilvusClient
import ScenarioRecord
import ScenarioSpec

/// Runs one step and turns whatever happens into a `StepRecord`.
enum StepExecution {
    static func execute(_ step: Step, _ context: RunContext) async -> StepRecord {
        var record = StepRecord(path: step.path, id: step.id, kind: step.kind, collection: step.collection, startedAt: Date())
        let clock = ContinuousClock()
        let start = clock.now
        let usage = ProcessUsage.now()
        let retriesBefore = context.client.statistics.retries
        var logger = context.logger
        logger[metadataKey: "step"] = "\(step.path) \(step.kind) \(step.id)"
        context.progress.stepStarted(step)
        logger.debug("step started", metadata: ["collection": "\(step.collection ?? "-")"])
        do {
            guard let runner = StepRunners.runner(for: step.spec) else { throw NoRunner(kind: step.kind) }
            // A step that needs what the server lacks is not supported, before it sends anything.
            if let capabilities = context.capabilities.withLock({ $0 }), let need = capabilities.missingNeed(of: step) {
                throw MilvusError(rpc: need.name, kind: .notSupported, reason: capabilities.reason(need))
            }
            let deadline = step.spec.deadline.map { start + $0.swiftDuration }
            try await MilvusClient.$retryDeadline.withValue(deadline) {
                try await runner.execute(step, context, &record)
            }
        } catch {
            record.status = status(of: error)
            record.failure = failure(error, step: step)
        }
        record.durationMs = (clock.now - start).milliseconds
        let retries = context.client.statistics.retries.merging(retriesBefore) { $0 - $1 }.filter { $0.value > 0 }
        if !retries.isEmpty {
            record.retries = retries
            let list = retries.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
            logger.info("calls repeated after transient failures: \(list)")
        }
        record.clientCpuMs = ProcessUsage.now().cpuMs - usage.cpuMs
        if let note = Self.clientSaturated(record, cores: ProcessInfo.processInfo.activeProcessorCount) { record.notes.append(note) }
        // Runners write metrics only by key path into their kind's `Metrics` (StepRecorder), so
        // an undeclared one cannot compile; this catches what the compiler cannot (a metric
        // declared as a computed property, which `StepMetrics.all` does not list): it stops the
        // tests, and is left out of a real run's record with an error in the log.
        let undeclared = StepKinds.undeclaredMetrics(record.metrics.keys, of: step.kind)
        if !undeclared.isEmpty {
            logger.error("the \(step.kind) runner recorded metrics its kind does not declare: \(undeclared.joined(separator: ", "))")
            assertionFailure("\(step.kind) recorded undeclared metrics \(undeclared)")
            for name in undeclared { record.metrics[name] = nil }
        }
        context.progress.stepFinished(step, record)
        context.metrics?.stepFinished(record)
        for note in record.notes { logger.info("\(note)") }
        if let f = record.failure {
            logger.warning("step failed", metadata: ["rpc": "\(f.rpc ?? "-")", "code": "\(f.code ?? "-")", "reason": "\(f.reason)"])
        }
        logger.debug("step finished", metadata: ["status": "\(record.status.rawValue)", "ms": "\(Int(record.durationMs))",
                                                 "metrics": .dictionary(record.metrics.mapValues { .string(String(format: "%g", $0)) })])
        return record
    }

    /// How a step that threw ended: `unsupported` when the deployment cannot do it (a sweep goes
    /// on with its next row; at the top level it stops the run like a failure), else `failed`.
    static func status(of error: any Error) -> StepRecord.Status {
        (error as? MilvusError)?.isDeploymentLimit == true ? .unsupported : .failed
    }

    static func failure(_ error: any Error, step: Step) -> StepFailure {
        var f = StepFailure(stepPath: step.path, stepId: step.id, kind: step.kind, rpc: nil, code: nil, reason: "\(error)", hint: nil)
        switch error {
        case let e as MilvusError:
            f.rpc = e.rpc
            f.reason = e.reason
            f.hint = e.hint
            switch e.kind {
            case .server(let errorCode, let code): f.code = "error_code \(errorCode), code \(code)"
            case .transport(let code): f.code = code
            case .notSupported: f.code = "not supported"
            case .timedOut: f.code = "timed out"
            case .invalidArgument: f.code = "invalid argument"
            case .verificationFailed: f.code = "verification failed"
            case .deploymentLimit: f.code = "deployment limit"
            }
        case let e as SearchFailure:
            f.rpc = "Search"
            f.code = e.code
            f.reason = e.reason
        case let e as ParallelStepFailure:
            if let inner = e.failure {
                f = StepFailure(stepPath: step.path, stepId: step.id, kind: step.kind, rpc: inner.rpc, code: inner.code,
                                reason: inner.description, hint: inner.hint)
            } else {
                f.reason = "a nested step failed"
            }
        case let e as SweepRowFailure:
            if let inner = e.failure {
                f = StepFailure(stepPath: step.path, stepId: step.id, kind: step.kind, rpc: inner.rpc, code: inner.code,
                                reason: "row \(e.row): \(inner.description)", hint: inner.hint)
            } else {
                f.reason = "row \(e.row) failed"
            }
        default:
            break
        }
        return f
    }

    /// A step that sent a measured load (it has a `qps`) while this process used at least 90 %
    /// of every core the machine has: the client, not the server, limited what it measured.
    static func clientSaturated(_ record: StepRecord, cores: Int) -> StepNote? {
        guard record.metrics["qps"] != nil, let cpu = record.clientCpuMs, record.durationMs > 0, cores > 0 else { return nil }
        let percent = cpu / record.durationMs * 100
        guard percent >= 90 * Double(cores) else { return nil }
        return StepNote(.clientSaturated, ["percent": String(format: "%.0f", percent), "cores": String(cores)])
    }
}

/// A step kind with no runner: a defect of this build (StepRunnerRegistryTests guards against
/// it), reported as the step's failure rather than a crash.
struct NoRunner: Error, CustomStringConvertible {
    var kind: String
    var description: String { "this build of milvus-scenario has no runner for '\(kind)' steps" }
}
