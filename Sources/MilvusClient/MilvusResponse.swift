/// A response that carries Milvus's own status: Milvus answers gRPC OK and reports failures
/// inside the response (`error_code` and `code`), so every call checks it.
protocol MilvusResponse: Sendable {
    var milvusStatus: Milvus_Proto_Common_Status { get }
}

extension Milvus_Proto_Common_Status: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { self }
}

extension Milvus_Proto_Milvus_BoolResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_CheckHealthResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_ComponentStates: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_ConnectResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_DescribeCollectionResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_DescribeIndexResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_FlushResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_GetCollectionStatisticsResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_GetFlushStateResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_GetLoadingProgressResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_GetMetricsResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_GetPersistentSegmentInfoResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_GetQuerySegmentInfoResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_GetReplicasResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_GetVersionResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_MutationResult: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_QueryResults: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_SearchResults: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}

extension Milvus_Proto_Milvus_ShowCollectionsResponse: MilvusResponse {
    var milvusStatus: Milvus_Proto_Common_Status { status }
}
