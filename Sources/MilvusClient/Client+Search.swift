import Primitives
import Foundation
import GRPCCore
import NIOCore
import SwiftProtobuf

/// What a search looks for: query vectors of the searched field's type, or texts for a field a
/// BM25 function fills (full-text search).
public enum SearchInput: Sendable {
    case float([[Float]])
    /// Packed bits (`VectorEncoding.binary`).
    case binary([[UInt8]])
    /// Half-precision bytes (`VectorEncoding.float16`).
    case float16([[UInt8]])
    /// bfloat16 bytes (`VectorEncoding.bfloat16`).
    case bfloat16([[UInt8]])
    case int8([[Int8]])
    case sparse([SparseVector])
    /// Query texts, analysed by the server and scored with BM25.
    case text([String])

    /// Number of queries.
    public var count: Int {
        switch self {
        case .float(let v): return v.count
        case .binary(let v), .float16(let v), .bfloat16(let v): return v.count
        case .int8(let v): return v.count
        case .sparse(let v): return v.count
        case .text(let v): return v.count
        }
    }

    var placeholder: Milvus_Proto_Common_PlaceholderValue {
        var value = Milvus_Proto_Common_PlaceholderValue()
        value.tag = "$0"
        switch self {
        case .float(let v):
            value.type = .floatVector
            // little-endian float32 on every platform Swift runs on
            value.values = v.map { vector in vector.withUnsafeBufferPointer { Data(buffer: $0) } }
        case .binary(let v): value.type = .binaryVector; value.values = v.map { Data($0) }
        case .float16(let v): value.type = .float16Vector; value.values = v.map { Data($0) }
        case .bfloat16(let v): value.type = .bfloat16Vector; value.values = v.map { Data($0) }
        case .int8(let v): value.type = .int8Vector; value.values = v.map { row in row.withUnsafeBytes { Data($0) } }
        case .sparse(let v): value.type = .sparseFloatVector; value.values = v.map(\.bytes)
        case .text(let v): value.type = .varChar; value.values = v.map { Data($0.utf8) }
        }
        return value
    }
}

/// Search results grouped by a scalar field: at most `size` hits per value, `topK` groups.
public struct GroupBy: Sendable, Hashable {
    public var field: String
    public var size: Int
    /// Fill every group to `size` hits (slower) rather than returning what the search met.
    public var strict: Bool

    public init(field: String, size: Int = 1, strict: Bool = false) {
        self.field = field
        self.size = size
        self.strict = strict
    }
}

/// A vector search: query vectors, how many hits each, and how to search.
public struct SearchRequest: Sendable {
    public var collection: String
    /// The vector field to search.
    public var field: String
    /// The queries: vectors of the field's type, or texts.
    public var input: SearchInput
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
    /// A range search: only hits whose distance lies between `rangeFilter` and `radius`
    /// (both in the metric's direction: for L2 `rangeFilter <= d < radius`, for IP/COSINE
    /// `radius < s <= rangeFilter`).
    public var radius: Double?
    public var rangeFilter: Double?
    public var groupBy: GroupBy?

    /// Float query vectors (the common case); `input` says what else a search can look for.
    public var vectors: [[Float]] {
        get { if case .float(let v) = input { return v } else { return [] } }
        set { input = .float(newValue) }
    }

    public init(collection: String, field: String, vectors: [[Float]], topK: Int = 10, metric: String? = nil,
                params: [String: String] = [:], consistency: ConsistencyLevel? = nil, outputFields: [String] = [],
                filter: String? = nil, timeout: Duration? = nil) {
        self.init(collection: collection, field: field, input: .float(vectors), topK: topK, metric: metric, params: params,
                  consistency: consistency, outputFields: outputFields, filter: filter, timeout: timeout)
    }

    public init(collection: String, field: String, input: SearchInput, topK: Int = 10, metric: String? = nil,
                params: [String: String] = [:], consistency: ConsistencyLevel? = nil, outputFields: [String] = [],
                filter: String? = nil, timeout: Duration? = nil, radius: Double? = nil, rangeFilter: Double? = nil,
                groupBy: GroupBy? = nil) {
        self.collection = collection
        self.field = field
        self.input = input
        self.radius = radius
        self.rangeFilter = rangeFilter
        self.groupBy = groupBy
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
    /// The group-by field's value of the hit, for a search with `groupBy`.
    public var group: String?

    public init(id: PrimaryKey, score: Float, vector: [Float]? = nil, group: String? = nil) {
        self.id = id
        self.score = score
        self.vector = vector
        self.group = group
    }
}

/// The hits of each query vector, best first.
public struct SearchResult: Sendable {
    public var hits: [[SearchHit]]
    /// Total number of hits over all queries.
    public var count: Int { hits.reduce(0) { $0 + $1.count } }
    /// The output fields as the server sent them, decoded on demand by `values(of:)`.
    var data: [Milvus_Proto_Schema_FieldData] = []

    public init(hits: [[SearchHit]]) {
        self.hits = hits
    }

    /// Each hit's value of output field `field`, query by query (as `hits`); nil when the server
    /// did not send it. Dynamic keys arrive inside `$meta`.
    public func values(of field: String) -> [[FieldValue]]? {
        guard let column = data.first(where: { $0.fieldName == field })?.fieldValues else { return nil }
        var out: [[FieldValue]] = []
        var offset = 0
        for query in hits {
            let end = min(column.count, offset + query.count)
            out.append(offset < end ? Array(column[offset..<end]) : [])
            offset += query.count
        }
        return out
    }
}

/// A search encoded once, to be sent many times: a load step prepares its pool of queries before
/// it measures, so the measured loop only writes bytes that are ready.
public struct PreparedSearch: Sendable {
    let proto: Milvus_Proto_Milvus_SearchRequest
    /// The request as gRPC sends it: a 5-byte length prefix and the message.
    let framed: ByteBuffer
    let timeout: Duration?
}

extension MilvusClient {
    static let searchPath = "/milvus.proto.milvus.MilvusService/Search"

    public func search(_ request: SearchRequest) async throws -> SearchResult {
        try await search(prepare(request))
    }

    /// Encodes a search for `search(_:)`; throws only when the request cannot be encoded.
    public func prepare(_ request: SearchRequest) throws -> PreparedSearch {
        try prepared(Self.proto(for: request, database: options.database), timeout: request.timeout)
    }

    /// Encodes `proto`; a `Session` search gets this process's newest write timestamp as its
    /// guarantee.
    private func prepared(_ proto: Milvus_Proto_Milvus_SearchRequest, timeout: Duration?) throws -> PreparedSearch {
        var proto = proto
        if !proto.useDefaultConsistency, proto.consistencyLevel == .session {
            proto.guaranteeTimestamp = SessionTimestamps.guarantee(options, proto.collectionName)
        }
        guard direct != nil else {
            return PreparedSearch(proto: proto, framed: ByteBuffer(), timeout: timeout)
        }
        let message: ByteBufferBytes = try proto.serializedBytes()
        var framed = ByteBufferAllocator().buffer(capacity: message.count + 5)
        framed.writeInteger(UInt8(0))
        framed.writeInteger(UInt32(message.count))
        framed.writeImmutableBuffer(message.buffer)
        return PreparedSearch(proto: proto, framed: framed, timeout: timeout)
    }

    public func search(_ prepared: PreparedSearch) async throws -> SearchResult {
        try await Self.result(searchResults(prepared).results)
    }

    /// A prepared `Session` search is made again as it is sent: its guarantee must be the
    /// newest write's then, not when it was prepared.
    private func current(_ prepared: PreparedSearch) throws -> PreparedSearch {
        guard !prepared.proto.useDefaultConsistency, prepared.proto.consistencyLevel == .session,
              prepared.proto.guaranteeTimestamp != SessionTimestamps.guarantee(options, prepared.proto.collectionName) else { return prepared }
        return try self.prepared(prepared.proto, timeout: prepared.timeout)
    }

    /// How many hits the search found, without building them (what a load needs to know).
    public func searchHitCount(_ prepared: PreparedSearch) async throws -> Int {
        try await searchResults(prepared).results.scores.count
    }

    private func searchResults(_ prepared: PreparedSearch) async throws -> Milvus_Proto_Milvus_SearchResults {
        let prepared = try current(prepared)
        guard let direct else {
            return try await call("Search", retry: .onConnectionLoss, timeout: prepared.timeout) { [proto = prepared.proto] s, m, o in
                try await s.search(proto, metadata: m, options: o)
            }
        }
        let timeout = prepared.timeout ?? options.timeout
        return try await Self.retrying("Search", retry: .onConnectionLoss, options: options, statistics: statistics) { _ in
            do {
                let bytes = try await direct.call(path: Self.searchPath, framed: prepared.framed, timeout: timeout,
                                                  maxResponseBytes: Self.maxMessageBytes)
                let response: Milvus_Proto_Milvus_SearchResults
                do {
                    response = try Milvus_Proto_Milvus_SearchResults(serializedBytes: ByteBufferBytes(bytes))
                } catch {
                    throw RPCError(code: .internalError, message: "the answer is not a SearchResults message (\(error))")
                }
                try Self.check(response.milvusStatus, rpc: "Search")
                return response
            } catch {
                throw self.converted(error, rpc: "Search", timeout: timeout)
            }
        }
    }

    static func proto(for request: SearchRequest, database: String) throws -> Milvus_Proto_Milvus_SearchRequest {
        var group = Milvus_Proto_Common_PlaceholderGroup()
        group.placeholders = [request.input.placeholder]

        var proto = Milvus_Proto_Milvus_SearchRequest()
        proto.dbName = database
        proto.collectionName = request.collection
        proto.placeholderGroup = try group.serializedData()
        proto.dslType = .boolExprV1
        proto.dsl = request.filter ?? ""
        proto.outputFields = request.outputFields
        proto.nq = Int64(request.input.count)
        var searchParams = request.params
        if let radius = request.radius { searchParams["radius"] = String(radius) }
        if let rangeFilter = request.rangeFilter { searchParams["range_filter"] = String(rangeFilter) }
        var params: [Milvus_Proto_Common_KeyValuePair] = [
            .init(key: "anns_field", value: request.field),
            .init(key: "topk", value: String(request.topK)),
            .init(key: "params", value: JSONParameters.encode(searchParams)),
            .init(key: "round_decimal", value: "-1"),
        ]
        if let metric = request.metric { params.append(.init(key: "metric_type", value: metric)) }
        if let g = request.groupBy {
            params += [.init(key: "group_by_field", value: g.field), .init(key: "group_size", value: String(g.size)),
                       .init(key: "strict_group_size", value: String(g.strict))]
        }
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
        let groups: [String?] = data.hasGroupByFieldValue ? data.groupByFieldValue.cellTexts : []
        for k in data.topks {
            let n = Int(k)
            var query: [SearchHit] = []
            query.reserveCapacity(n)
            for i in offset..<(offset + n) where i < data.scores.count {
                let id: PrimaryKey = i < intIDs.count ? .int(intIDs[i]) : .string(i < stringIDs.count ? stringIDs[i] : "")
                let vector = dim > 0 && (i + 1) * dim <= vectors.count ? Array(vectors[(i * dim)..<((i + 1) * dim)]) : nil
                query.append(SearchHit(id: id, score: data.scores[i], vector: vector, group: i < groups.count ? groups[i] : nil))
            }
            hits.append(query)
            offset += n
        }
        var result = SearchResult(hits: hits)
        result.data = data.fieldsData
        return result
    }
}

extension Milvus_Proto_Common_KeyValuePair {
    init(key: String, value: String) {
        self.init()
        self.key = key
        self.value = value
    }
}

/// How a hybrid search fuses its searches' hits.
public enum Ranker: Sendable, Hashable, CustomStringConvertible {
    /// Reciprocal rank fusion: a hit scores Σ 1 / (k + rank) over the searches that found it.
    case rrf(k: Int)
    /// Σ weight × normalised score; one weight per search, each in [0, 1].
    case weighted([Double])

    public var description: String {
        switch self {
        case .rrf(let k): return "rrf(k: \(k))"
        case .weighted(let w): return "weighted(\(w.map { String($0) }.joined(separator: ", ")))"
        }
    }

    var rankParams: [Milvus_Proto_Common_KeyValuePair] {
        switch self {
        case .rrf(let k):
            return [.init(key: "strategy", value: "rrf"), .init(key: "params", value: "{\"k\":\(k)}")]
        case .weighted(let w):
            return [.init(key: "strategy", value: "weighted"),
                    .init(key: "params", value: "{\"weights\":[\(w.map { String($0) }.joined(separator: ","))]}")]
        }
    }
}

/// Several searches over different vector fields of one collection, their hits fused by a ranker
/// (Milvus 2.4+). Every search must have the same number of queries.
public struct HybridSearchRequest: Sendable {
    public var collection: String
    /// One search per vector field; their `topK` is how many hits each contributes.
    public var searches: [SearchRequest]
    public var ranker: Ranker
    /// Hits per query after fusion.
    public var limit: Int
    public var outputFields: [String]
    public var consistency: ConsistencyLevel?
    public var timeout: Duration?

    public init(collection: String, searches: [SearchRequest], ranker: Ranker, limit: Int, outputFields: [String] = [],
                consistency: ConsistencyLevel? = nil, timeout: Duration? = nil) {
        self.collection = collection
        self.searches = searches
        self.ranker = ranker
        self.limit = limit
        self.outputFields = outputFields
        self.consistency = consistency
        self.timeout = timeout
    }
}

extension MilvusClient {
    public func hybridSearch(_ request: HybridSearchRequest) async throws -> SearchResult {
        var proto = try Self.proto(for: request, database: options.database)
        if !proto.useDefaultConsistency, proto.consistencyLevel == .session {
            proto.guaranteeTimestamp = SessionTimestamps.guarantee(options, proto.collectionName)
        }
        let r = try await call("HybridSearch", retry: .onConnectionLoss, timeout: request.timeout) { [proto] s, m, o in
            try await s.hybridSearch(proto, metadata: m, options: o)
        }
        return Self.result(r.results)
    }

    static func proto(for request: HybridSearchRequest, database: String) throws -> Milvus_Proto_Milvus_HybridSearchRequest {
        var proto = Milvus_Proto_Milvus_HybridSearchRequest()
        proto.dbName = database
        proto.collectionName = request.collection
        proto.requests = try request.searches.map { search in
            var sub = try Self.proto(for: search, database: database)
            // Each sub-search's hit count goes in `limit` (what pymilvus's AnnSearchRequest sends).
            sub.searchParams.append(.init(key: "limit", value: String(search.topK)))
            return sub
        }
        proto.rankParams = request.ranker.rankParams + [
            .init(key: "limit", value: String(request.limit)),
            .init(key: "round_decimal", value: "-1"),
        ]
        proto.outputFields = request.outputFields
        if let consistency = request.consistency {
            proto.consistencyLevel = consistency.proto
        } else {
            proto.useDefaultConsistency = true
        }
        return proto
    }
}

/// What a search iterator read.
public struct IteratorResult: Sendable {
    /// Page requests sent (the last one may be short or empty).
    public var pages: Int
    /// Hits read over all pages, each row once.
    public var rows: Int
}

extension MilvusClient {
    /// Reads a search's hits page by page, `batch` at a time, until the collection has no more
    /// (or `limit` rows were read) — the way pymilvus's search iterator does on any server with
    /// range search: each page after the first is a range search beyond the last page's worst
    /// distance, leaving out the rows already read at exactly that distance. One query vector.
    ///
    /// `metric` (L2, HAMMING, JACCARD: smaller is closer; IP, COSINE, BM25: larger is) sets the
    /// direction and the far bound of the range. `primaryKey` names the field the exclusion
    /// filter uses.
    public func searchIterator(_ request: SearchRequest, batch: Int, limit: Int? = nil, primaryKey: String,
                               metric: String) async throws -> IteratorResult {
        precondition(request.input.count == 1, "a search iterator reads one query's hits")
        let far: Double
        switch metric.uppercased() {
        case "L2": far = Double(Float.greatestFiniteMagnitude)
        case "HAMMING": far = 1e9
        case "JACCARD": far = 1.000001
        case "COSINE": far = -1
        default: far = -Double(Float.greatestFiniteMagnitude)  // IP, BM25
        }
        var result = IteratorResult(pages: 0, rows: 0)
        var bound: Float?
        var atBound: [PrimaryKey] = []
        while limit.map({ result.rows < $0 }) ?? true {
            var page = request
            page.topK = min(batch, limit.map { $0 - result.rows } ?? batch)
            if let bound {
                // Beyond the last page's worst hit, that hit's distance included.
                page.rangeFilter = Double(bound)
                page.radius = far
                let seen = atBound.map { key -> String in
                    switch key {
                    case .int(let v): return String(v)
                    case .string(let s): return JSONText.quote(s)
                    }
                }
                let exclusion = "\(primaryKey) not in [\(seen.joined(separator: ","))]"
                page.filter = request.filter.map { "(\($0)) and \(exclusion)" } ?? exclusion
            }
            let hits = try await search(page).hits.first ?? []
            result.pages += 1
            result.rows += hits.count
            guard let last = hits.last, hits.count == page.topK else { break }
            if last.score != bound { atBound = [] }
            bound = last.score
            atBound += hits.filter { $0.score == last.score }.map(\.id)
        }
        return result
    }
}
