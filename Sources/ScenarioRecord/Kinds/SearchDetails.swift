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

extension ConcurrentSearchStep: RecordedStep {
    public typealias Details = SearchStepDetails
    public static var noteCodes: [StepNote.Code] { [.iteratorShort] }
}
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

// MARK: - Notes

extension StepNote.Code {
    /// A search iterator read fewer rows per query than the filter matches (the server's
    /// range search stopped early). Values: read, expected.
    public static let iteratorShort = StepNote.Code("iteratorShort",
        en: "the iterator read {read} rows per query of the {expected} the search can reach: this server's range search stopped early (milvus-lite 3.2.2 looks only among the 5 × batch nearest rows)",
        zh: "迭代器每次查询只读到 {read} 行，而可达 {expected} 行：该服务器的范围搜索提前结束（milvus-lite 3.2.2 只在最近的 5 × batch 行中查找）")
}
