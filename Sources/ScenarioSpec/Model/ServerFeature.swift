/// Something a step needs from the server that not every Milvus has; checked after connecting,
/// before the first step runs (`run`, and `validate --target`).
public struct ServerNeed: Sendable, Hashable {
    /// How the need is found out.
    public enum Capability: Sendable, Hashable {
        /// An RPC, as the server names it (`Upsert`, `HybridSearch`): asked about a collection
        /// that does not exist, a server without it answers UNIMPLEMENTED.
        case rpc(String)
        /// A schema feature: a throwaway collection using it is created, described (the feature
        /// must come back: older servers ignore fields they do not know) and dropped.
        case schema(SchemaFeature)
        /// A search option older servers ignore without a word, so only the server's version can
        /// tell: Milvus `since` or later (milvus-lite, which numbers itself, counts as current).
        case search(String, since: String)

        /// How messages name it: `HybridSearch`, `float16Vector fields`, `group-by search (Milvus 2.4+)`.
        public var name: String {
            switch self {
            case .rpc(let rpc): return rpc
            case .schema(let feature): return feature.name
            case .search(let what, let since): return "\(what) (Milvus \(since)+)"
            }
        }
    }

    public var capability: Capability
    /// Why the step needs it, for the message.
    public var because: String

    public init(_ capability: Capability, because: String) {
        self.capability = capability
        self.because = because
    }

    /// An RPC need.
    public init(_ rpc: String, because: String) {
        self.init(.rpc(rpc), because: because)
    }

    public var name: String { capability.name }
}

/// A part of a collection schema some servers lack.
public enum SchemaFeature: String, Sendable, Hashable, CaseIterable {
    case binaryVector, float16Vector, bfloat16Vector, int8Vector, sparseFloatVector, json, array
    case nullable, defaultValue, partitionKey, clusteringKey, dynamicFields
    /// A BM25 function (with its analyzer input and sparse output).
    case bm25
    /// More than one vector field in a collection (Milvus 2.4+).
    case multipleVectorFields

    public var name: String {
        switch self {
        case .binaryVector, .float16Vector, .bfloat16Vector, .int8Vector, .sparseFloatVector, .json, .array: return "\(rawValue) fields"
        case .nullable: return "nullable fields"
        case .defaultValue: return "field default values"
        case .partitionKey: return "partition keys"
        case .clusteringKey: return "clustering keys"
        case .dynamicFields: return "dynamic fields"
        case .bm25: return "BM25 functions"
        case .multipleVectorFields: return "several vector fields in one collection"
        }
    }
}

extension CreateStep {
    /// The schema features this collection uses, each checked on the server before the run.
    public var serverNeeds: [ServerNeed] {
        var features: [SchemaFeature] = []
        for f in fields {
            switch f.type {
            case .binaryVector: features.append(.binaryVector)
            case .float16Vector: features.append(.float16Vector)
            case .bfloat16Vector: features.append(.bfloat16Vector)
            case .int8Vector: features.append(.int8Vector)
            case .sparseFloatVector: features.append(.sparseFloatVector)
            case .json: features.append(.json)
            case .array: features.append(.array)
            default: break
            }
            if f.nullable { features.append(.nullable) }
            if f.defaultValue != nil { features.append(.defaultValue) }
            if f.partitionKey { features.append(.partitionKey) }
            if f.clusteringKey { features.append(.clusteringKey) }
        }
        if dynamicFields { features.append(.dynamicFields) }
        if fields.filter(\.type.isVector).count > 1 { features.append(.multipleVectorFields) }
        if !functions.isEmpty { features.append(.bm25) }
        var seen: Set<SchemaFeature> = []
        return features.filter { seen.insert($0).inserted }.map { ServerNeed(.schema($0), because: "the create step's schema uses them") }
    }
}

extension SearchSettings {
    /// Search options only newer servers honour.
    public var serverNeeds: [ServerNeed] {
        var needs: [ServerNeed] = []
        if groupBy != nil { needs.append(ServerNeed(.search("group-by search", since: "2.4"), because: "the search groups its hits with 'groupBy'")) }
        if text != nil { needs.append(ServerNeed(.search("full-text search", since: "2.5"), because: "the search sends query texts ('text')")) }
        return needs
    }
}
