import ScenarioSpec

/// The outcome of a request load that only keeps its latency and failures: `hybridSearch`, `query`.
public struct LoadStepDetails: RequestLoadDetails {
    public var search: SearchDetails?

    public init() {}
}

extension HybridSearchStep: RecordedStep { public typealias Details = LoadStepDetails }
extension QueryStep: RecordedStep { public typealias Details = LoadStepDetails }

/// What a search step saw.
public struct SearchDetails: Codable, Sendable {
    /// `closed` (workers) or `open` (fixed rate).
    public var loop: String
    public var concurrency: Int
    public var targetRate: Double?
    public var warmupQueries: Int
    public var latency: EncodedHistogram
    /// Failed queries by error (code and short reason).
    public var errorsByCode: [String: Int]
    /// The distinct reasons the failures gave, most frequent first (nil when none failed, and in
    /// records made before reasons were kept).
    public var errorReasons: [ErrorReason]?
    /// The first failure's full message.
    public var firstError: String?

    public init(loop: String, concurrency: Int, targetRate: Double? = nil, warmupQueries: Int, latency: EncodedHistogram, errorsByCode: [String: Int],
                errorReasons: [ErrorReason]? = nil, firstError: String? = nil) {
        self.loop = loop
        self.concurrency = concurrency
        self.targetRate = targetRate
        self.warmupQueries = warmupQueries
        self.latency = latency
        self.errorsByCode = errorsByCode
        self.errorReasons = errorReasons
        self.firstError = firstError
    }
}

