import ScenarioSpec

/// The outcome of a request load that only keeps its latency and failures: `hybridSearch`, `query`.
public struct LoadStepDetails: RequestLoadDetails {
    public var search: SearchDetails?

    public init() {}
}

extension HybridSearchStep: RecordedStep { public typealias Details = LoadStepDetails }
extension QueryStep: RecordedStep { public typealias Details = QueryStepDetails }

/// What a `query` step saw: its load, and with `verify` how its answers compared with the rows
/// the tool knows.
public struct QueryStepDetails: RequestLoadDetails {
    public var search: SearchDetails?
    public var answers: QueryCheckDetails?

    public init() {}
}

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
    /// A ramping load's stages (`stages`), each with its own outcome; nil for any other load.
    public var stages: [Stage]?

    /// One stage of a ramping load: its rates, when it ran, and how its queries did.
    public struct Stage: Codable, Sendable, Equatable {
        public var fromRate: Double
        public var toRate: Double
        /// From the start of the measured phase.
        public var startMs: Double
        public var durationMs: Double
        public var completed: Int
        public var errors: Int
        /// Latency from each query's due time.
        public var p50Ms: Double?
        public var p99Ms: Double?

        public init(fromRate: Double, toRate: Double, startMs: Double, durationMs: Double, completed: Int, errors: Int, p50Ms: Double?, p99Ms: Double?) {
            self.fromRate = fromRate
            self.toRate = toRate
            self.startMs = startMs
            self.durationMs = durationMs
            self.completed = completed
            self.errors = errors
            self.p50Ms = p50Ms
            self.p99Ms = p99Ms
        }
    }

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

