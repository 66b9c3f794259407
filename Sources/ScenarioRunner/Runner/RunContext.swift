import Foundation
import Logging
import MilvusClient
import ScenarioRecord
import ScenarioSpec
import Synchronization

/// What step runners share during one run: the client, the scenario, the progress display,
/// the stop flag, and facts about collections looked up once.
public final class RunContext: Sendable {
    public let client: MilvusClient
    public let scenario: Scenario
    public let progress: any ProgressReporter
    public let logger: Logger
    /// Collectors for `run --metrics-port`, when asked for.
    let metrics: RunMetrics?
    /// `--dry-run-actions`: watch commands (faults, recoveries, scaling) are recorded, not run.
    let dryRunActions: Bool
    /// What the server lacks of what the scenario needs, probed after connecting.
    let capabilities = Mutex<ServerCapabilities?>(nil)
    private let stop = Atomic<Bool>(false)
    private let cache = Mutex<[String: CollectionFacts]>([:])
    private let unreadableEndpoints = Mutex<Set<String>>([])
    /// What the tool knows each collection it created holds, key by key (Quality/Shadow.swift).
    let shadows = Mutex<[String: CollectionShadow]>([:])
    /// Exact nearest neighbours already computed, for the same rows and queries (RecallProbe).
    let groundTruths = Mutex<[GroundTruthKey: GroundTruthResult]>([:])

    init(client: MilvusClient, scenario: Scenario, progress: any ProgressReporter, logger: Logger, metrics: RunMetrics? = nil,
         dryRunActions: Bool = false) {
        self.metrics = metrics
        self.dryRunActions = dryRunActions
        self.client = client
        self.scenario = scenario
        self.progress = progress
        self.logger = logger
    }

    /// Set by Ctrl-C / SIGTERM: loads stop issuing queries and the run ends after the current step.
    /// Inside `parallel`, also once the parallel's time is up (its nested steps stop then).
    public var isStopping: Bool {
        if stop.load(ordering: .relaxed) { return true }
        if let end = Self.parallelEnd { return ContinuousClock.now >= end }
        return false
    }

    /// When the `parallel` step this task runs in ends; nil outside one.
    @TaskLocal static var parallelEnd: ContinuousClock.Instant?
    public func requestStop() { stop.store(true, ordering: .relaxed) }

    /// Notes for metrics endpoints that could not be read: each endpoint once per run, with a
    /// warning on the console — a later step that cannot read it either does not repeat it.
    func unreadableEndpoints(_ failures: [(endpoint: String, reason: String)]) -> [StepNote] {
        failures.compactMap { f in
            guard unreadableEndpoints.withLock({ $0.insert(f.endpoint).inserted }) else { return nil }
            let note = StepNote(.metricsEndpointDown, ["endpoint": f.endpoint, "reason": f.reason])
            logger.warning("\(note)")
            return note
        }
    }

    /// The vector fields, dimensions and index metrics of a collection, looked up once per
    /// create/index (steps that change them call `forget`).
    struct CollectionFacts: Sendable {
        var schema: CollectionSchema
        var indexMetric: [String: String]
        /// The collection's default consistency level, as the server names it ("bounded", …).
        var consistency: String = "bounded"
    }

    func facts(_ collection: String) async throws -> CollectionFacts {
        if let f = cache.withLock({ $0[collection] }) { return f }
        let description = try await client.describeCollection(collection)
        var metrics: [String: String] = [:]
        if let indexes = try? await client.describeIndexes(collection) {
            for i in indexes { metrics[i.field] = i.params["metric_type"] }
        }
        let f = CollectionFacts(schema: description.schema, indexMetric: metrics, consistency: description.consistency)
        cache.withLock { $0[collection] = f }
        return f
    }

    func forget(_ collection: String) {
        _ = cache.withLock { $0.removeValue(forKey: collection) }
    }

    /// The vector field to use: the one named, or the collection's only one.
    func vectorField(_ collection: String, named name: String?, step: String) async throws -> (name: String, dim: Int, metric: String?, field: FieldSchema) {
        let f = try await facts(collection)
        let vectors = f.schema.fields.filter(\.type.isVector)
        let field: FieldSchema
        if let name {
            guard let named = f.schema.fields.first(where: { $0.name == name }) else {
                throw MilvusError(rpc: step, kind: .invalidArgument, reason: "collection '\(collection)' has no field '\(name)'")
            }
            field = named
        } else {
            guard vectors.count == 1 else {
                throw MilvusError(rpc: step, kind: .invalidArgument,
                                  reason: "collection '\(collection)' has \(vectors.count) vector fields; name one with 'field'")
            }
            field = vectors[0]
        }
        guard field.type.isVector else {
            throw MilvusError(rpc: step, kind: .invalidArgument, reason: "field '\(field.name)' is not a vector field")
        }
        return (field.name, field.type.vectorDimension ?? 0, f.indexMetric[field.name], field)
    }
}

/// Where a run shows what it is doing. Step runners never format text themselves.
public protocol ProgressReporter: Sendable {
    func stepStarted(_ step: Step)
    /// A live status of a long step ("12,000 of 100,000 rows", "1,234 queries, 456 QPS").
    func stepProgress(_ step: Step, _ status: String)
    func stepFinished(_ step: Step, _ record: StepRecord)
    func note(_ text: String)
}

/// A reporter that shows nothing (`--quiet`, tests).
public struct SilentProgress: ProgressReporter {
    public init() {}
    public func stepStarted(_ step: Step) {}
    public func stepProgress(_ step: Step, _ status: String) {}
    public func stepFinished(_ step: Step, _ record: StepRecord) {}
    public func note(_ text: String) {}
}
