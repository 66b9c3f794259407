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
            let consistency = ConsistencyLevel(rawValue: spec.consistency.rawValue) ?? .bounded
            try await client.createCollection(name, schema: spec.collectionSchema, shards: spec.shards, consistency: consistency,
                                              partitions: spec.partitions)
        }
        record[\.totalTime] = elapsed
        if recreated { record.notes.append(StepNote(.recreated, ["collection": name])) }
        context.forget(name)
        context.created(name)
    }
}

extension CreateStep.Field {
    /// The client's type for the field (validation made sure the sizes it needs are there).
    var clientType: FieldType {
        func scalar(_ t: CreateStep.FieldType) -> FieldType {
            switch t {
            case .int64: return .int64
            case .int32: return .int32
            case .int16: return .int16
            case .int8: return .int8
            case .bool: return .bool
            case .float: return .float
            case .double: return .double
            default: return .varchar(maxLength: maxLength ?? 65535)
            }
        }
        switch type {
        case .json: return .json
        case .array: return .array(element: scalar(elementType ?? .int64), maxCapacity: maxCapacity ?? 1)
        case .floatVector: return .floatVector(dim: dim ?? 0)
        case .binaryVector: return .binaryVector(dim: dim ?? 0)
        case .float16Vector: return .float16Vector(dim: dim ?? 0)
        case .bfloat16Vector: return .bfloat16Vector(dim: dim ?? 0)
        case .int8Vector: return .int8Vector(dim: dim ?? 0)
        case .sparseFloatVector: return .sparseFloatVector
        default: return scalar(type)
        }
    }

    /// The default value as the field's type.
    var clientDefault: ScalarValue? {
        guard let text = defaultValue else { return nil }
        switch type {
        case .bool: return .bool(text == "true")
        case .int8, .int16, .int32, .int64: return ScenarioNumber.parseInteger(text).map { .int(Int64($0)) }
        case .float, .double: return ScenarioNumber.parseDouble(text).map { .double($0) }
        default: return .string(text)
        }
    }

    var fieldSchema: FieldSchema {
        FieldSchema(name, clientType, isPrimaryKey: primary, autoID: autoId, description: description ?? "", nullable: nullable,
                    defaultValue: clientDefault, isPartitionKey: partitionKey, isClusteringKey: clusteringKey,
                    analyzer: analyzer.map { "{\"type\":\"\($0.rawValue)\"}" }, isFunctionOutput: functionOutput)
    }
}

extension CreateStep {
    /// The schema the step creates.
    var collectionSchema: CollectionSchema {
        CollectionSchema(fields: fields.map(\.fieldSchema), description: description ?? "", enableDynamicField: dynamicFields,
                         functions: functions.map { CollectionFunction(name: $0.name, kind: .bm25, inputs: [$0.input], outputs: [$0.output]) })
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
        let field = try await context.vectorField(name, named: spec.field, step: "CreateIndex")
        let params = Dictionary(spec.params.map { ($0.name, $0.value) }, uniquingKeysWith: { _, b in b })
        let (indexed, elapsed) = try await measured { () -> Int? in
            try await context.client.createIndex(name, field: field.name, IndexParameters(type: spec.type.rawValue, metric: spec.metric(for: field.field).rawValue, params: params),
                                                 name: spec.name)
            if spec.wait {
                context.progress.stepProgress(step, "building \(spec.type.rawValue) on \(field.name)")
                return try await context.client.waitForIndex(name, field: field.name, timeout: spec.timeout.swiftDuration).indexedRows
            }
            return nil
        }
        record[\.totalTime] = elapsed
        record[\.indexedRows] = indexed
        context.forget(name)
    }
}

extension IndexStep {
    /// The metric on this field: the written one, or the default for its type.
    func metric(for field: FieldSchema) -> MetricType {
        if let writtenMetric { return writtenMetric }
        switch field.type {
        case .binaryVector: return .HAMMING
        case .sparseFloatVector: return field.isFunctionOutput ? .BM25 : .IP
        default: return .L2
        }
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
        // Empty groups: a server without GetReplicas, for one replica (which a finished load has).
        if spec.wait { record[\.replicas] = spec.verify && !groups.isEmpty ? groups.count : spec.replicas }
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
