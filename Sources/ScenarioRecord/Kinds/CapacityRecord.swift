import ScenarioSpec

/// A `capacity` step: every rate tried, and recall when scored (once, before the rates).
public struct CapacityStepDetails: RecallRecording, Equatable {
    public var capacity: CapacityDetails?
    public var recall: RecallDetails?

    public init() {}
}

extension CapacityStep: RecordedStep {
    public typealias Details = CapacityStepDetails
    public static var noteCodes: [StepNote.Code] { [.capacityP99, .capacityNoQuery, .capacityErrors, .capacityAchieved, .capacityRecall, .capacityClientLimit] }
}

/// What a `capacity` step found: every rate tried, with its numbers and verdict, and the
/// highest rate that held the SLA.
public struct CapacityDetails: Codable, Sendable, Equatable {
    public struct Rate: Codable, Sendable, Equatable {
        /// "step" (going up) or "bisect" (between the last passing and the first failing rate).
        public var phase: String
        public var target: Double
        /// Queries completed per second of the hold.
        public var achieved: Double
        /// Latency from each query's due time (open loop), in milliseconds.
        public var p50Ms: Double?
        public var p99Ms: Double?
        public var errors: Int
        public var errorRate: Double
        /// Started more than 1 ms after their due time; never started (all connections busy to
        /// the end); handed out late by the client's own schedule with a connection idle.
        public var late: Int
        public var dropped: Int
        public var clientLate: Int
        public var passed: Bool
        /// Why it failed, as facts (`capacityP99` with the P99 and the limit, …): the reports put
        /// them into words in either language.
        public var reasons: [StepNote]?
        /// Why it failed, in English words (records written before `reasons`).
        public var failures: [String]?

        /// Why it failed, in English: the reasons' words, or an older record's.
        public var failureWords: [String] { reasons?.map(\.description) ?? failures ?? [] }

        public init(phase: String, target: Double, achieved: Double, p50Ms: Double?, p99Ms: Double?, errors: Int, errorRate: Double,
                    late: Int, dropped: Int, clientLate: Int, passed: Bool, reasons: [StepNote]) {
            self.phase = phase
            self.target = target
            self.achieved = achieved
            self.p50Ms = p50Ms
            self.p99Ms = p99Ms
            self.errors = errors
            self.errorRate = errorRate
            self.late = late
            self.dropped = dropped
            self.clientLate = clientLate
            self.passed = passed
            self.reasons = reasons.isEmpty ? nil : reasons
        }
    }

    public var rates: [Rate]
    /// The SLA: P99 limit, error budget (percent), and the recall floor when one was set.
    public var p99LimitMs: Double
    public var maxErrorRate: Double
    public var minRecall: Double?
    public var holdMs: Double
    public var concurrency: Int
    /// The highest passing rate; nil when none passed.
    public var maxQps: Double?
    /// The search stopped because the client could not keep a rate.
    public var clientLimited: Bool

    public init(rates: [Rate], p99LimitMs: Double, maxErrorRate: Double, minRecall: Double?, holdMs: Double, concurrency: Int,
                maxQps: Double?, clientLimited: Bool) {
        self.rates = rates
        self.p99LimitMs = p99LimitMs
        self.maxErrorRate = maxErrorRate
        self.minRecall = minRecall
        self.holdMs = holdMs
        self.concurrency = concurrency
        self.maxQps = maxQps
        self.clientLimited = clientLimited
    }
}

// MARK: - Notes

extension StepNote.Code {
    /// A capacity rate's P99 was at or above the SLA. Values: p99, limit (with units).
    public static let capacityP99 = StepNote.Code("capacityP99",
        en: "p99 {p99} ≥ {limit}",
        zh: "P99 {p99} ≥ {limit}")

    /// A capacity rate had no completed query.
    public static let capacityNoQuery = StepNote.Code("capacityNoQuery",
        en: "no query completed",
        zh: "没有查询完成")

    /// A capacity rate failed more queries than the SLA allows. Values: rate, limit (percent).
    public static let capacityErrors = StepNote.Code("capacityErrors",
        en: "errors {rate}% > {limit}%",
        zh: "错误率 {rate}% > {limit}%")

    /// A capacity rate was not achieved. Values: achieved, share (percent), target.
    public static let capacityAchieved = StepNote.Code("capacityAchieved",
        en: "achieved {achieved}/s < {share}% of {target}/s",
        zh: "实际速率 {achieved}/秒 低于目标 {target}/秒 的 {share}%")

    /// Capacity's recall was below its floor. Values: recall, floor.
    public static let capacityRecall = StepNote.Code("capacityRecall",
        en: "recall {recall} < {floor}",
        zh: "召回率 {recall} < {floor}")

    /// A capacity rate was limited by the client. Values: late, sent.
    public static let capacityClientLimit = StepNote.Code("capacityClientLimit",
        en: "client limit: {late} of {sent} queries sent late with a connection idle",
        zh: "客户端上限：{sent} 个查询中有 {late} 个在有空闲连接时延迟发出")
}
