import Foundation
import Logging
import MilvusClient
import ScenarioSpec

/// What the target server lacks of what a scenario needs (`StepSpec.serverNeeds`), probed after
/// connecting: a top-level step that needs it stops the run before its first step (exit 2, at the
/// step's place in the file); a sweep row that needs it is "not supported" and the sweep goes on.
public struct ServerCapabilities: Sendable {
    /// How the server names itself: `Milvus v2.3.5`, `milvus_lite-3.2.2`.
    public var server: String
    /// What the scenario needs that the server lacks.
    public var missing: Set<ServerNeed.Capability>

    /// Probes what any step of `scenario` needs (nothing when no step needs anything special).
    public static func probe(_ client: MilvusClient, for scenario: Scenario) async throws -> ServerCapabilities {
        // Every sweep row's steps, not only the first row's: rows differ (replicas 1, then 2).
        let steps = scenario.everyStep
        let needed = Set(steps.flatMap { $0.spec.serverNeeds.map(\.capability) })
        let version = (try? await client.version()) ?? "?"
        // "v2.3.5" is Milvus's own numbering; milvus-lite names itself ("milvus_lite-3.2.2").
        let milvusVersion = version.first.map { $0 == "v" || $0.isNumber } == true ? Self.numbers(version) : nil
        var missing: Set<ServerNeed.Capability> = []
        for capability in needed {
            switch capability {
            case .rpc(let name):
                guard let rpc = ProbedRPC(rawValue: name) else { continue }
                if try await !client.implements(rpc) { missing.insert(capability) }
            case .schema(let feature):
                if try await !Self.supports(feature, client) { missing.insert(capability) }
            case .search(_, let since):
                if let milvusVersion, milvusVersion.lexicographicallyPrecedes(Self.numbers(since)) { missing.insert(capability) }
            }
        }
        let named = milvusVersion != nil ? "Milvus \(version)" : version
        return ServerCapabilities(server: named, missing: missing)
    }

    /// "v2.3.5-lite" → [2, 3, 5].
    static func numbers(_ version: String) -> [Int] {
        version.drop { !$0.isNumber }.prefix { $0.isNumber || $0 == "." }.split(separator: ".").compactMap { Int($0) }
    }

    /// Whether the server keeps a schema feature: a throwaway collection using it is created and
    /// described, and the feature must be in the description.
    static func supports(_ feature: SchemaFeature, _ client: MilvusClient) async throws -> Bool {
        var fields = [FieldSchema("id", .int64, isPrimaryKey: true)]
        let probe: FieldSchema
        var functions: [CollectionFunction] = []
        switch feature {
        case .binaryVector: probe = FieldSchema("p", .binaryVector(dim: 16))
        case .float16Vector: probe = FieldSchema("p", .float16Vector(dim: 8))
        case .bfloat16Vector: probe = FieldSchema("p", .bfloat16Vector(dim: 8))
        case .int8Vector: probe = FieldSchema("p", .int8Vector(dim: 8))
        case .sparseFloatVector: probe = FieldSchema("p", .sparseFloatVector)
        case .json: probe = FieldSchema("p", .json)
        case .array: probe = FieldSchema("p", .array(element: .int64, maxCapacity: 4))
        case .nullable: probe = FieldSchema("p", .int64, nullable: true)
        case .defaultValue: probe = FieldSchema("p", .int64, defaultValue: .int(7))
        case .partitionKey: probe = FieldSchema("p", .int64, isPartitionKey: true)
        case .clusteringKey: probe = FieldSchema("p", .int64, isClusteringKey: true)
        case .dynamicFields: probe = FieldSchema("p", .int64)
        case .multipleVectorFields: probe = FieldSchema("p", .floatVector(dim: 8))
        case .bm25:
            fields.append(FieldSchema("text", .varchar(maxLength: 256), analyzer: ""))
            probe = FieldSchema("p", .sparseFloatVector, isFunctionOutput: true)
            functions = [CollectionFunction(name: "probe_bm25", kind: .bm25, inputs: ["text"], outputs: ["p"])]
        }
        fields.append(probe)
        if !probe.type.isVector || feature == .multipleVectorFields { fields.append(FieldSchema("v", .floatVector(dim: 8))) }
        let schema = CollectionSchema(fields: fields, enableDynamicField: feature == .dynamicFields, functions: functions)
        // Two rows that use the feature: a server that kept an unknown type number, or a
        // nullable flag it cannot honour, refuses them.
        var rows: [Column] = []
        for field in fields where field.isWritten {
            var generator = FieldValueGenerator(field: field, generator: nil, seed: 1)
            if field.name == "p", feature == .nullable || feature == .defaultValue {
                rows.append(Column("p", try generator.next(1), valid: [true, false]))
            } else {
                rows.append(Column(field.name, try generator.next(2)))
            }
        }
        if feature == .dynamicFields { rows.append(.dynamic([Data(#"{"extra":1}"#.utf8), Data(#"{"extra":2}"#.utf8)])) }
        // A vector type must also be searchable, and find the right row: Milvus 2.3.5 creates
        // float16 fields and takes their rows, then finds nothing among 100 sealed rows, and
        // among 2 it finds row 0 at an L2 distance of 0.27 from itself (measured).
        var use: (@Sendable (String) async throws -> Bool)?
        if let index = Self.probeIndex(for: probe), let query = Self.probeQuery(rows) {
            let exact = index.metric == "L2" || index.metric == "HAMMING"
            use = { collection in
                _ = try await client.flushAndWait(collection)
                try await client.createIndex(collection, field: "p", index)
                _ = try await client.waitForIndex(collection, field: "p", timeout: .seconds(60))
                _ = try await client.load(collection, replicas: 1, timeout: .seconds(60), verify: false)
                let found = try await client.search(SearchRequest(collection: collection, field: "p", input: query, topK: 2, consistency: .strong))
                try? await client.release(collection)
                guard let best = found.hits.first?.first else { return false }
                if case .text = query { return true }
                // Row 0 (id 0) searched for itself: first, and at distance 0 where distances are exact.
                return best.id == .int(0) && (!exact || abs(best.score) < 1e-3)
            }
        }
        guard let made = try await client.probeSchema(schema, rows: rows, use: use) else { return false }
        guard let described = made.schema.fields.first(where: { $0.name == "p" }) else { return false }
        switch feature {
        case .nullable: return described.nullable
        case .defaultValue: return described.defaultValue == .int(7)
        case .partitionKey: return described.isPartitionKey
        case .clusteringKey: return described.isClusteringKey
        case .dynamicFields: return made.schema.enableDynamicField
        case .bm25: return !made.schema.functions.isEmpty
        default: return described.type == probe.type
        }
    }

    /// An index every server that has the probed vector field's type builds at once for two rows.
    static func probeIndex(for field: FieldSchema) -> IndexParameters? {
        switch field.type {
        case .binaryVector: return IndexParameters(type: "BIN_FLAT", metric: "HAMMING")
        case .sparseFloatVector: return IndexParameters(type: "SPARSE_INVERTED_INDEX", metric: field.isFunctionOutput ? "BM25" : "IP")
        case .int8Vector: return IndexParameters(type: "HNSW", metric: "L2", params: ["M": "8", "efConstruction": "16"])
        case .floatVector, .float16Vector, .bfloat16Vector: return IndexParameters(type: "FLAT", metric: "L2")
        default: return nil
        }
    }

    /// A search for the first probe row: its vector in field `p`, or (BM25) a word of its text.
    static func probeQuery(_ rows: [Column]) -> SearchInput? {
        if let text = rows.first(where: { $0.name == "text" }), case .varchar(let values) = text.data {
            return values.first.flatMap { $0.split(separator: " ").first }.map { .text([String($0)]) }
        }
        switch rows.first(where: { $0.name == "p" })?.data {
        case .floatVector(let dim, let v)?: return .float([Array(v[0..<dim])])
        case .binaryVector(let dim, let b)?: return .binary([Array(b[0..<(dim / 8)])])
        case .float16Vector(let dim, let b)?: return .float16([Array(b[0..<(2 * dim)])])
        case .bfloat16Vector(let dim, let b)?: return .bfloat16([Array(b[0..<(2 * dim)])])
        case .int8Vector(let dim, let v)?: return .int8([Array(v[0..<dim])])
        case .sparseFloatVector(let rows)?: return .sparse([rows[0]])
        default: return nil
        }
    }

    /// The first need of `step` this server lacks.
    public func missingNeed(of step: Step) -> ServerNeed? {
        step.spec.serverNeeds.first { missing.contains($0.capability) }
    }

    /// "not supported by this server (Milvus v2.3.5): Upsert — the upsert step writes with it"
    public func reason(_ need: ServerNeed) -> String {
        "not supported by this server (\(server)): \(need.name) — \(need.because)"
    }

    /// One error per missing need of each step that runs once (top level or inside `parallel`).
    /// A sweep's rows are left to the run, which reports them as not supported.
    public func problems(in scenario: Scenario) -> [Diagnostic] {
        scenario.stepsRunOnce.flatMap { step in
            step.spec.serverNeeds.filter { missing.contains($0.capability) }
                .map { Diagnostic(.error, .notSupportedByServer, at: step.mark, reason($0)) }
        }
    }

    /// Connects to the scenario's target (or `uri`), probes and closes: the problems, with the
    /// server's name. Throws when the server cannot be reached.
    public static func check(_ scenario: Scenario, uri: String?) async throws -> (server: String, problems: [Diagnostic]) {
        var connection = try ScenarioExecution.connectionOptions(scenario.target, uri: uri)
        // Quiet: the caller reports what matters (the problems, or why the server was unreachable).
        connection.logger = Logger(label: "milvus.client", factory: { _ in SwiftLogNoOpLogHandler() })
        let client = try await MilvusClient.connect(connection)
        do {
            let capabilities = try await probe(client, for: scenario)
            await client.close()
            return (capabilities.server, capabilities.problems(in: scenario))
        } catch {
            await client.close()
            throw error
        }
    }
}
