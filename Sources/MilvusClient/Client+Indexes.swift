import Primitives
import Foundation

/// An index to build: type, metric and build parameters.
public struct IndexParameters: Sendable, Hashable {
    /// `IVF_FLAT`, `IVF_SQ8`, `IVF_PQ`, `HNSW`, `FLAT`, `AUTOINDEX`, `DISKANN`, …
    public var type: String
    /// `L2`, `IP` or `COSINE`.
    public var metric: String
    /// Build parameters such as `nlist` or `M`; numeric text is sent as a JSON number.
    public var params: [String: String]

    public init(type: String, metric: String, params: [String: String] = [:]) {
        self.type = type
        self.metric = metric
        self.params = params
    }
}

/// An index as the server describes it, with build progress.
public struct IndexInfo: Sendable, Hashable {
    public var name: String
    public var field: String
    public var params: [String: String]
    public var indexedRows: Int
    public var totalRows: Int
    public var pendingRows: Int
    /// `finished`, `inProgress`, `failed`, …
    public var state: String
    public var failReason: String

    public var isFinished: Bool { state == "finished" && indexedRows >= totalRows && pendingRows == 0 }
}

extension MilvusClient {
    /// Creates an index on a vector field (returns before it is built; see `waitForIndex`).
    public func createIndex(_ collection: String, field: String, _ index: IndexParameters, name: String? = nil) async throws {
        var request = Milvus_Proto_Milvus_CreateIndexRequest()
        request.dbName = options.database
        request.collectionName = collection
        request.fieldName = field
        request.indexName = name ?? ""
        request.extraParams = [
            .init(key: "index_type", value: index.type),
            .init(key: "metric_type", value: index.metric),
            .init(key: "params", value: JSONParameters.encode(index.params)),
        ]
        _ = try await call("CreateIndex", retry: .never) { [request] s, m, o in
            try await s.createIndex(request, metadata: m, options: o)
        }
    }

    /// The collection's indexes; empty when it has none.
    public func describeIndexes(_ collection: String, field: String? = nil) async throws -> [IndexInfo] {
        var request = Milvus_Proto_Milvus_DescribeIndexRequest()
        request.dbName = options.database
        request.collectionName = collection
        request.fieldName = field ?? ""
        let r = try await call("DescribeIndex", retry: .onTransientState) { [request] s, m, o in
            try await s.describeIndex(request, metadata: m, options: o)
        }
        if r.status.errorCode == .indexNotExist || r.status.reason.lowercased().contains("index not found")
            || r.status.reason.lowercased().contains("index doesn't exist") {
            return []
        }
        return r.indexDescriptions.map { d in
            IndexInfo(name: d.indexName, field: d.fieldName,
                      params: Dictionary(d.params.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }),
                      indexedRows: Int(d.indexedRows), totalRows: Int(d.totalRows), pendingRows: Int(d.pendingIndexRows),
                      state: "\(d.state)", failReason: d.indexStateFailReason)
        }
    }

    /// Waits until every row of the field is indexed (Flush on 2.3 returns before that).
    public func waitForIndex(_ collection: String, field: String, timeout: Duration = .seconds(600)) async throws -> IndexInfo {
        var last: IndexInfo?
        try await poll("DescribeIndex", timeout: timeout, what: "indexing \(collection).\(field)") {
            guard let info = try await describeIndexes(collection, field: field).first else {
                throw MilvusError(rpc: "DescribeIndex", kind: .verificationFailed, reason: "\(collection).\(field) has no index")
            }
            last = info
            if info.state == "failed" {
                throw MilvusError(rpc: "DescribeIndex", kind: .verificationFailed,
                                  reason: "building the index failed: \(info.failReason)")
            }
            return info.isFinished
        }
        return last!
    }
}

/// Parameters as the JSON object Milvus expects in `params`, numbers as numbers.
enum JSONParameters {
    static func encode(_ params: [String: String]) -> String {
        let body = params.sorted { $0.key < $1.key }.map { key, value -> String in
            let isNumber = Double(value) != nil && !value.isEmpty && value.first != "+"
            let isBool = value == "true" || value == "false"
            return "\(JSONText.quote(key)):\(isNumber || isBool ? value : JSONText.quote(value))"
        }
        return "{" + body.joined(separator: ",") + "}"
    }
}
