import ScenarioSpec

/// A `concurrentSearch`: the load, which node served how much, and recall when scored.
public struct SearchStepDetails: RequestLoadDetails, NodeTrafficRecording, RecallRecording {
    public var search: SearchDetails?
    /// Per-query-node search traffic during the measured queries, from the nodes' counters.
    public var traffic: NodeTrafficDetails?
    /// Recall@k on a sample of the queries, when the step asked for it.
    public var recall: RecallDetails?

    public init() {}
}

/// A `hotSearch`: what a `concurrentSearch` records, with the hot and cold latencies apart.
public struct HotSearchStepDetails: RequestLoadDetails, NodeTrafficRecording, RecallRecording {
    public var search: SearchDetails?
    public var hot: HotSearchDetails?
    public var traffic: NodeTrafficDetails?
    public var recall: RecallDetails?

    public init() {}

    public var latencyHistograms: [String: EncodedHistogram] {
        var h: [String: EncodedHistogram] = [:]
        h[""] = search?.latency
        h["hot"] = hot?.hot
        h["cold"] = hot?.cold
        return h
    }
}

extension ConcurrentSearchStep: RecordedStep { public typealias Details = SearchStepDetails }
extension HotSearchStep: RecordedStep { public typealias Details = HotSearchStepDetails }

/// A hot-search step's hot and cold latencies, apart.
public struct HotSearchDetails: Codable, Sendable {
    public var hotVectors: Int
    public var hotRatio: Double
    public var hot: EncodedHistogram
    public var cold: EncodedHistogram

    public init(hotVectors: Int, hotRatio: Double, hot: EncodedHistogram, cold: EncodedHistogram) {
        self.hotVectors = hotVectors
        self.hotRatio = hotRatio
        self.hot = hot
        self.cold = cold
    }
}

