import Foundation
import MilvusClient
import ScenarioRecord
import ScenarioSpec

// The runners of the steps that make and change a collection: create, insert, index, load,
// release, drop.

struct CreateRunner: StepRunner {
    static func publish(_ record: StepRecord, to metrics: RunMetrics) {
        if let c = record.collection { metrics.collectionSize(c).set(to: 0.0) }
    }

    func run(_ spec: CreateStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<CreateStep>) async throws {
        let name = step.collection!
        let client = context.client
        var recreated = false
        let (_, elapsed) = try await measured {
            if try await client.hasCollection(name) {
                guard spec.recreate else {
                    throw MilvusError(rpc: "CreateCollection", kind: .invalidArgument,
                                      reason: "collection '\(name)' already exists", hint: "add 'recreate: true' to drop it first, or use another name")
                }
                try await client.dropCollection(name)
                recreated = true
            }
            let fields = spec.fields.map { f -> FieldSchema in
                let type: FieldType
                switch f.type {
                case .int64: type = .int64
                case .int32: type = .int32
                case .int16: type = .int16
                case .int8: type = .int8
                case .bool: type = .bool
                case .float: type = .float
                case .double: type = .double
                case .varchar: type = .varchar(maxLength: f.maxLength ?? 65535)
                case .floatVector: type = .floatVector(dim: f.dim ?? 0)
                }
                return FieldSchema(f.name, type, isPrimaryKey: f.primary, autoID: f.autoId, description: f.description ?? "")
            }
            let consistency = ConsistencyLevel(rawValue: spec.consistency.rawValue) ?? .bounded
            try await client.createCollection(name, schema: CollectionSchema(fields: fields, description: spec.description ?? ""),
                                              shards: spec.shards, consistency: consistency)
        }
        record[\.totalTime] = elapsed
        if recreated { record.notes.append(StepNote(.recreated, ["collection": name])) }
        context.forget(name)
        context.created(name)
    }
}

struct InsertRunner: StepRunner {
    static func publish(_ record: StepRecord, to metrics: RunMetrics) {
        if let c = record.collection, let rows = record.metrics[InsertStep.metric(\.rows)] { metrics.collectionSize(c).increment(by: Double(rows)) }
    }

    func run(_ spec: InsertStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<InsertStep>) async throws {
        try await writeRows(.insert, spec, step, context, &record)
    }
}

struct IndexRunner: StepRunner {
    func run(_ spec: IndexStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<IndexStep>) async throws {
        let name = step.collection!
        let field = try await context.vectorField(name, named: spec.field, step: "CreateIndex").name
        let params = Dictionary(spec.params.map { ($0.name, $0.value) }, uniquingKeysWith: { _, b in b })
        let (indexed, elapsed) = try await measured { () -> Int? in
            try await context.client.createIndex(name, field: field, IndexParameters(type: spec.type.rawValue, metric: spec.metric.rawValue, params: params),
                                                 name: spec.name)
            if spec.wait {
                context.progress.stepProgress(step, "building \(spec.type.rawValue) on \(field)")
                return try await context.client.waitForIndex(name, field: field, timeout: spec.timeout.swiftDuration).indexedRows
            }
            return nil
        }
        record[\.totalTime] = elapsed
        record[\.indexedRows] = indexed
        context.forget(name)
    }
}

struct LoadRunner: StepRunner {
    func run(_ spec: LoadStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<LoadStep>) async throws {
        context.progress.stepProgress(step, "loading with \(spec.replicas) replica\(spec.replicas == 1 ? "" : "s")")
        let (groups, elapsed) = try await measured {
            try await context.client.load(step.collection!, replicas: spec.replicas, wait: spec.wait,
                                          timeout: spec.timeout.swiftDuration, verify: spec.verify)
        }
        record[\.totalTime] = elapsed
        // Without the wait nothing is known yet about the groups the server will make.
        if spec.wait { record[\.replicas] = spec.verify ? groups.count : spec.replicas }
        if spec.verify, !groups.isEmpty {
            record.notes.append(StepNote(.replicaGroups, ["groups": groups.map { "[" + $0.nodeIDs.map(String.init).joined(separator: ", ") + "]" }.joined(separator: " ")]))
        }
    }
}

struct ReleaseRunner: StepRunner {
    func run(_ spec: ReleaseStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<ReleaseStep>) async throws {
        record[\.totalTime] = try await measured { try await context.client.release(step.collection!) }.1
    }
}

struct DropRunner: StepRunner {
    func run(_ spec: DropStep, _ step: Step, _ context: RunContext, _ record: inout StepRecorder<DropStep>) async throws {
        record[\.totalTime] = try await measured { try await context.client.dropCollection(step.collection!) }.1
        context.forget(step.collection!)
        context.dropped(step.collection!)
    }
}
