import Foundation
import SwiftProtobuf

/// A vector search: query vectors, how many hits each, and how to search.
public struct SearchRequest: Sendable {
    public var collection: String
    /// The vector field to search.
    public var field: String
    /// Query vectors, each of the field's dimension.
    public var vectors: [[Float]]
    public var topK: Int
    /// `L2`, `IP` or `COSINE`; nil lets the server use the index's metric.
    public var metric: String?
    /// Search parameters such as `nprobe` or `ef`.
    public var params: [String: String]
    /// nil uses the collection's default consistency level.
    public var consistency: ConsistencyLevel?
    public var outputFields: [String]
    /// A boolean filter expression, e.g. `category == "books"`.
    public var filter: String?
    /// Deadline of this search; nil uses the connection's.
    public var timeout: Duration?

    public init(collection: String, field: String, vectors: [[Float]], topK: Int = 10, metric: String? = nil,
                params: [String: String] = [:], consistency: ConsistencyLevel? = nil, outputFields: [String] = [],
                filter: String? = nil, timeout: Duration? = nil) {
        self.collection = collection
        self.field = field
        self.vectors = vectors
        self.topK = topK
        self.metric = metric
        self.params = params
        self.consistency = consistency
        self.outputFields = outputFields
        self.filter = filter
        self.timeout = timeout
    }
}

/// One hit of a search.
public struct SearchHit: Sendable, Hashable {
    public var id: PrimaryKey
    public var score: Float
    /// The hit's vector, when the request named the vector field in `outputFields`.
    public var vector: [Float]?

    public init(id: PrimaryKey, score: Float, vector: [Float]? = nil) {
        self.id = id
        self.score = score
        self.vector = vector
    }
}

/// The hits of each query vector, best first.
public struct SearchResult: Sendable {
    public var hits: [[SearchHit]]
    /// Total number of hits over all queries.
    public var count: Int { hits.reduce(0) { $0 + $1.count } }
}

extension MilvusClient {
    public func search(_ request: SearchRequest) async throws -> SearchResult {
        let proto = try Self.proto(for: request, database: options.database)
        let r = try await call("Search", retry: .onConnectionLoss, timeout: request.timeout) { [proto] s, m, o in
            try await s.search(proto, metadata: m, options: o)
        }
        return Self.result(r.results)
    }

    static func proto(for request: SearchRequest, database: String) throws -> Milvus_Proto_Milvus_SearchRequest {
        var value = Milvus_Proto_Common_PlaceholderValue()
        value.tag = "$0"
        value.type = .floatVector
        value.values = request.vectors.map { vector in
            vector.withUnsafeBufferPointer { Data(buffer: $0) }  // little-endian float32 on every platform Swift runs on
        }
        var group = Milvus_Proto_Common_PlaceholderGroup()
        group.placeholders = [value]

        var proto = Milvus_Proto_Milvus_SearchRequest()
        proto.dbName = database
        proto.collectionName = request.collection
        proto.placeholderGroup = try group.serializedData()
        proto.dslType = .boolExprV1
        proto.dsl = request.filter ?? ""
        proto.outputFields = request.outputFields
        proto.nq = Int64(request.vectors.count)
        var params: [Milvus_Proto_Common_KeyValuePair] = [
            .init(key: "anns_field", value: request.field),
            .init(key: "topk", value: String(request.topK)),
            .init(key: "params", value: JSONParameters.encode(request.params)),
            .init(key: "round_decimal", value: "-1"),
        ]
        if let metric = request.metric { params.append(.init(key: "metric_type", value: metric)) }
        proto.searchParams = params
        if let consistency = request.consistency {
            proto.consistencyLevel = consistency.proto
        } else {
            proto.useDefaultConsistency = true
        }
        return proto
    }

    static func result(_ data: Milvus_Proto_Schema_SearchResultData) -> SearchResult {
        var hits: [[SearchHit]] = []
        hits.reserveCapacity(Int(data.numQueries))
        var offset = 0
        let intIDs = data.ids.intID.data
        let stringIDs = data.ids.strID.data
        // A float vector field among the output fields: one vector per hit, in hit order.
        let vectorField = data.fieldsData.first { $0.type == .floatVector && $0.vectors.dim > 0 }
        let dim = Int(vectorField?.vectors.dim ?? 0)
        let vectors = vectorField?.vectors.floatVector.data ?? []
        for k in data.topks {
            let n = Int(k)
            var query: [SearchHit] = []
            query.reserveCapacity(n)
            for i in offset..<(offset + n) where i < data.scores.count {
                let id: PrimaryKey = i < intIDs.count ? .int(intIDs[i]) : .string(i < stringIDs.count ? stringIDs[i] : "")
                let vector = dim > 0 && (i + 1) * dim <= vectors.count ? Array(vectors[(i * dim)..<((i + 1) * dim)]) : nil
                query.append(SearchHit(id: id, score: data.scores[i], vector: vector))
            }
            hits.append(query)
            offset += n
        }
        return SearchResult(hits: hits)
    }
}

extension Milvus_Proto_Common_KeyValuePair {
    init(key: String, value: String) {
        self.init()
        self.key = key
        self.value = value
    }
}
